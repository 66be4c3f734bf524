"""Service offerings, plans and instances (managed and user-provided)."""

from __future__ import annotations

import dataclasses
from typing import Any

from bgdeploy.cc import jobs
from bgdeploy.cc.models import ServiceInstance
from bgdeploy.cc.session import CloudController


def find_instance(cc: CloudController, space_guid: str, name: str) -> ServiceInstance | None:
    found = cc.first("/v3/service_instances", names=[name], space_guids=[space_guid])
    return ServiceInstance.of(found) if found else None


def instances_named(cc: CloudController, space_guid: str, names: list[str]) -> dict[str, ServiceInstance]:
    """Several instances in one request (name -> instance; missing names are absent)."""
    if not names:
        return {}
    found = cc.list("/v3/service_instances", names=sorted(set(names)), space_guids=[space_guid])
    return {(si := ServiceInstance.of(r)).name: si for r in found}


# CC's `fields` projections: an instance comes with the names of its plan, offering and broker
_WITH_PLAN = {"fields[service_plan]": "guid,name,relationships.service_offering",
              "fields[service_plan.service_offering]": "guid,name,relationships.service_broker",
              "fields[service_plan.service_offering.service_broker]": "guid,name"}


def instances_with_plans(cc: CloudController, space_guid: str, names: list[str]) -> dict[str, ServiceInstance]:
    """Several instances by name in one request, each with the names of its plan, offering and broker."""
    if not names:
        return {}
    page = cc.get("/v3/service_instances", names=sorted(set(names)), space_guids=[space_guid], per_page=5000,
                  **_WITH_PLAN)
    return {si.name: si for si in _with_plan_names(page.get("resources", []), page.get("included") or {})}


def _with_plan_names(resources: list[dict[str, Any]], included: dict[str, Any]) -> list[ServiceInstance]:
    plans = {p.get("guid"): p for p in included.get("service_plans", [])}
    offerings = {o.get("guid"): o for o in included.get("service_offerings", [])}
    brokers = {b.get("guid"): b for b in included.get("service_brokers", [])}
    found = []
    for res in resources:
        si = ServiceInstance.of(res)
        plan = plans.get(si.plan_guid) or {}
        offering = offerings.get(_related(plan, "service_offering")) or {}
        broker = brokers.get(_related(offering, "service_broker")) or {}
        found.append(dataclasses.replace(si, plan_name=plan.get("name", ""), offering_name=offering.get("name", ""),
                                         broker_name=broker.get("name", "")))
    return found


def _related(res: dict[str, Any], name: str) -> str:
    return (((res.get("relationships") or {}).get(name) or {}).get("data") or {}).get("guid", "")


def get_instance(cc: CloudController, guid: str) -> ServiceInstance | None:
    """One instance, with the names of its plan, offering and broker (no three lookups after it)."""
    found = cc.get_or_none(f"/v3/service_instances/{guid}", **_WITH_PLAN)
    if not found:
        return None
    included = found.pop("included", None) or {}
    return _with_plan_names([found], included)[0]


def list_by_labels(cc: CloudController, space_guid: str, label_selector: str) -> list[ServiceInstance]:
    return [ServiceInstance.of(r) for r in
            cc.list("/v3/service_instances", space_guids=[space_guid], label_selector=label_selector)]


def plan_guid(cc: CloudController, space_guid: str, offering: str, plan: str, broker: str | None = None) -> str | None:
    """The plan of that name of the offering (of that broker, when one is named)."""
    filters: dict[str, Any] = {"names": [plan], "service_offering_names": [offering], "space_guids": [space_guid]}
    if broker:
        filters["service_broker_names"] = [broker]
    found = cc.first("/v3/service_plans", **filters)
    return found["guid"] if found else None


def plan_and_offering(cc: CloudController, plan_guid: str) -> tuple[str, str]:
    """(plan name, offering name) of a plan; empty strings for what cannot be seen."""
    plan, offering, _ = plan_offering_broker(cc, plan_guid)
    return plan, offering


def plan_offering_broker(cc: CloudController, plan_guid: str) -> tuple[str, str, str]:
    """(plan, offering, broker) names of a plan; empty strings for what cannot be seen."""
    plan = cc.get_or_none(f"/v3/service_plans/{plan_guid}") or {}
    offering_guid = _related(plan, "service_offering")
    offering = (cc.get_or_none(f"/v3/service_offerings/{offering_guid}") if offering_guid else None) or {}
    broker_guid = _related(offering, "service_broker")
    broker = (cc.get_or_none(f"/v3/service_brokers/{broker_guid}") if broker_guid else None) or {}
    return plan.get("name", ""), offering.get("name", ""), broker.get("name", "")


def create_managed(cc: CloudController, space_guid: str, name: str, plan: str, *, parameters: dict | None,
                   tags: list[str], metadata: dict[str, Any]) -> str | None:
    """Ask the broker for the instance; the job to poll (None when CC created it at once)."""
    body: dict[str, Any] = {
        "type": "managed", "name": name, "tags": tags, "metadata": metadata,
        "relationships": {"space": {"data": {"guid": space_guid}}, "service_plan": {"data": {"guid": plan}}},
    }
    if parameters:
        body["parameters"] = parameters
    return jobs.location(cc.post("/v3/service_instances", body))


def create_user_provided(cc: CloudController, space_guid: str, name: str, *, credentials: dict | None,
                         tags: list[str], syslog_drain_url: str | None, route_service_url: str | None,
                         metadata: dict[str, Any]) -> ServiceInstance:
    """Create it (CC does at once: 201 with the instance)."""
    body: dict[str, Any] = {
        "type": "user-provided", "name": name, "tags": tags, "metadata": metadata,
        "credentials": credentials or {}, "relationships": {"space": {"data": {"guid": space_guid}}},
    }
    if syslog_drain_url:
        body["syslog_drain_url"] = syslog_drain_url
    if route_service_url:
        body["route_service_url"] = route_service_url
    return ServiceInstance.of(cc.post("/v3/service_instances", body).json())


def update(cc: CloudController, guid: str, body: dict[str, Any]) -> tuple[str | None, ServiceInstance | None]:
    """PATCH the instance: (the job to poll, None) when the broker works asynchronously, else (None, the
    instance as CC answered it, the update applied: no read needed to see it)."""
    resp = cc.request("PATCH", f"/v3/service_instances/{guid}", body=body)
    job = jobs.location(resp)
    if job or resp is None or resp.status_code != 200:
        return job, None
    return None, ServiceInstance.of(resp.json())


def credentials(cc: CloudController, guid: str) -> dict[str, Any]:
    """A user-provided instance's credentials."""
    return dict(cc.get(f"/v3/service_instances/{guid}/credentials"))


def delete_instance(cc: CloudController, guid: str) -> str | None:
    return jobs.location(cc.delete(f"/v3/service_instances/{guid}"))
