"""Service credential bindings: app bindings and service keys."""

from __future__ import annotations

from typing import Any

from bgdeploy.cc import jobs
from bgdeploy.cc.models import Binding
from bgdeploy.cc.session import CloudController


def for_app(cc: CloudController, app_guid: str) -> list[Binding]:
    return [Binding.of(b) for b in cc.list("/v3/service_credential_bindings", app_guids=[app_guid], type="app")]


def for_instance(cc: CloudController, instance_guid: str) -> list[Binding]:
    return [Binding.of(b) for b in cc.list("/v3/service_credential_bindings", service_instance_guids=[instance_guid])]


def keys(cc: CloudController, instance_guid: str) -> list[Binding]:
    return [Binding.of(b) for b in
            cc.list("/v3/service_credential_bindings", service_instance_guids=[instance_guid], type="key")]


def bind(cc: CloudController, app_guid: str, instance_guid: str, *, name: str | None,
         parameters: dict | None) -> str | None:
    """Bind; the job to poll for a managed instance (None when CC bound it at once)."""
    body: dict[str, Any] = {
        "type": "app",
        "relationships": {"service_instance": {"data": {"guid": instance_guid}}, "app": {"data": {"guid": app_guid}}},
    }
    if name:
        body["name"] = name
    if parameters:
        body["parameters"] = parameters
    return jobs.location(cc.post("/v3/service_credential_bindings", body))


def create_key(cc: CloudController, instance_guid: str, name: str, parameters: dict | None,
               metadata: dict[str, Any] | None = None) -> str | None:
    body: dict[str, Any] = {"type": "key", "name": name,
                            "relationships": {"service_instance": {"data": {"guid": instance_guid}}}}
    if parameters:
        body["parameters"] = parameters
    if metadata:
        body["metadata"] = metadata
    return jobs.location(cc.post("/v3/service_credential_bindings", body))


def keys_by_labels(cc: CloudController, label_selector: str) -> list[Binding]:
    return [Binding.of(b) for b in
            cc.list("/v3/service_credential_bindings", type="key", label_selector=label_selector)]


def parameters(cc: CloudController, guid: str) -> dict[str, Any]:
    """The parameters a binding or key of a managed instance was created with (the broker's answer)."""
    return dict(cc.get(f"/v3/service_credential_bindings/{guid}/parameters"))


def update_metadata(cc: CloudController, guid: str, metadata: dict[str, Any]) -> None:
    cc.request("PATCH", f"/v3/service_credential_bindings/{guid}", body={"metadata": metadata})


def key_credentials(cc: CloudController, key_guid: str) -> dict[str, Any]:
    return dict(cc.get(f"/v3/service_credential_bindings/{key_guid}/details").get("credentials", {}))


def delete(cc: CloudController, guid: str) -> str | None:
    return jobs.location(cc.delete(f"/v3/service_credential_bindings/{guid}"))
