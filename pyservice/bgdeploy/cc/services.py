"""Service offerings, plans, instances (managed and user-provided), credential bindings and keys."""

from __future__ import annotations

from typing import Any

from bgdeploy.cc.session import CloudController
from bgdeploy.errors import ContentError

Resource = dict[str, Any]


def find_instance(cc: CloudController, space_guid: str, name: str) -> Resource | None:
    return cc.first("/v3/service_instances", names=[name], space_guids=[space_guid])


def plan_guid(cc: CloudController, space_guid: str, offering: str, plan: str) -> str:
    found = cc.first("/v3/service_plans", names=[plan], service_offering_names=[offering], space_guids=[space_guid])
    if not found:
        raise ContentError(f'Could not find service plan "{plan}" of service offering "{offering}"')
    return found["guid"]


def plan_of(cc: CloudController, instance: Resource) -> Resource | None:
    rel = ((instance.get("relationships") or {}).get("service_plan") or {}).get("data")
    return cc.get_or_none(f"/v3/service_plans/{rel['guid']}") if rel else None


def create_managed(cc: CloudController, space_guid: str, name: str, plan: str, *, parameters: dict | None,
                   tags: list[str], metadata: dict[str, Any], timeout_s: float) -> None:
    body: dict[str, Any] = {
        "type": "managed", "name": name, "tags": tags, "metadata": metadata,
        "relationships": {"space": {"data": {"guid": space_guid}}, "service_plan": {"data": {"guid": plan}}},
    }
    if parameters:
        body["parameters"] = parameters
    cc.wait_for_job(cc.post("/v3/service_instances", body), timeout_s, f'Creating service "{name}"')


def create_user_provided(cc: CloudController, space_guid: str, name: str, *, credentials: dict | None,
                         tags: list[str], syslog_drain_url: str | None, route_service_url: str | None,
                         metadata: dict[str, Any]) -> None:
    body: dict[str, Any] = {
        "type": "user-provided", "name": name, "tags": tags, "metadata": metadata,
        "credentials": credentials or {},
        "relationships": {"space": {"data": {"guid": space_guid}}},
    }
    if syslog_drain_url:
        body["syslog_drain_url"] = syslog_drain_url
    if route_service_url:
        body["route_service_url"] = route_service_url
    cc.post("/v3/service_instances", body)


def update(cc: CloudController, guid: str, body: dict[str, Any], timeout_s: float, name: str) -> None:
    resp = cc.request("PATCH", f"/v3/service_instances/{guid}", body=body)
    cc.wait_for_job(resp, timeout_s, f'Updating service "{name}"')


def wait_idle(cc: CloudController, guid: str, timeout_s: float, name: str) -> Resource:
    """Wait until no broker operation is in progress on the instance."""
    from bgdeploy.cc.bits import poll

    def check() -> Resource | None:
        inst = cc.get(f"/v3/service_instances/{guid}")
        state = (inst.get("last_operation") or {}).get("state")
        return None if state in ("initial", "in progress") else inst

    return poll(check, timeout_s, f'Waiting for service "{name}"')


def delete_instance(cc: CloudController, guid: str, timeout_s: float, name: str) -> None:
    cc.wait_for_job(cc.delete(f"/v3/service_instances/{guid}"), timeout_s, f'Deleting service "{name}"')


def bindings_for_app(cc: CloudController, app_guid: str) -> list[Resource]:
    return list(cc.list("/v3/service_credential_bindings", app_guids=[app_guid], type="app"))


def bind(cc: CloudController, app_guid: str, instance_guid: str, *, name: str | None,
         parameters: dict | None, timeout_s: float) -> None:
    body: dict[str, Any] = {
        "type": "app",
        "relationships": {"service_instance": {"data": {"guid": instance_guid}}, "app": {"data": {"guid": app_guid}}},
    }
    if name:
        body["name"] = name
    if parameters:
        body["parameters"] = parameters
    cc.wait_for_job(cc.post("/v3/service_credential_bindings", body), timeout_s, "Binding the service")


def keys(cc: CloudController, instance_guid: str) -> list[Resource]:
    return list(cc.list("/v3/service_credential_bindings", service_instance_guids=[instance_guid], type="key"))


def create_key(cc: CloudController, instance_guid: str, name: str, parameters: dict | None,
               timeout_s: float) -> None:
    body: dict[str, Any] = {
        "type": "key", "name": name,
        "relationships": {"service_instance": {"data": {"guid": instance_guid}}},
    }
    if parameters:
        body["parameters"] = parameters
    cc.wait_for_job(cc.post("/v3/service_credential_bindings", body), timeout_s, f'Creating service key "{name}"')


def key_credentials(cc: CloudController, key_guid: str) -> dict[str, Any]:
    return cc.get(f"/v3/service_credential_bindings/{key_guid}/details").get("credentials", {})


def delete_binding(cc: CloudController, guid: str, timeout_s: float) -> None:
    cc.wait_for_job(cc.delete(f"/v3/service_credential_bindings/{guid}"), timeout_s, "Unbinding the service")
