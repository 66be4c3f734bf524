"""/v3/apps: find, create, update, env, lifecycle actions, current droplet, delete."""

from __future__ import annotations

from typing import Any

from bgdeploy.cc.session import CloudController

Resource = dict[str, Any]


def find(cc: CloudController, space_guid: str, name: str) -> Resource | None:
    return cc.first("/v3/apps", names=[name], space_guids=[space_guid])


def list_by_labels(cc: CloudController, space_guid: str, label_selector: str) -> list[Resource]:
    return list(cc.list("/v3/apps", space_guids=[space_guid], label_selector=label_selector))


def create(
    cc: CloudController,
    space_guid: str,
    name: str,
    *,
    buildpacks: list[str],
    stack: str | None,
    env: dict[str, str],
    metadata: dict[str, Any],
    docker_image: str | None = None,
) -> Resource:
    body: dict[str, Any] = {
        "name": name,
        "relationships": {"space": {"data": {"guid": space_guid}}},
        "environment_variables": env,
        "metadata": metadata,
    }
    if docker_image:
        body["lifecycle"] = {"type": "docker", "data": {}}
    else:
        data: dict[str, Any] = {"buildpacks": buildpacks}
        if stack:
            data["stack"] = stack
        body["lifecycle"] = {"type": "buildpack", "data": data}
    return cc.post("/v3/apps", body).json()


def update(cc: CloudController, guid: str, body: dict[str, Any]) -> Resource:
    return cc.patch(f"/v3/apps/{guid}", body)


def rename(cc: CloudController, guid: str, name: str) -> Resource:
    return update(cc, guid, {"name": name})


def env(cc: CloudController, guid: str) -> dict[str, str]:
    return cc.get(f"/v3/apps/{guid}/environment_variables").get("var", {})


def set_env(cc: CloudController, guid: str, desired: dict[str, str]) -> bool:
    """Make the app's user env exactly `desired`; True when something changed."""
    current = env(cc, guid)
    patch: dict[str, Any] = {k: v for k, v in desired.items() if current.get(k) != v}
    patch.update({k: None for k in current if k not in desired})
    if patch:
        cc.patch(f"/v3/apps/{guid}/environment_variables", {"var": patch})
    return bool(patch)


def start(cc: CloudController, guid: str) -> Resource:
    return cc.post(f"/v3/apps/{guid}/actions/start", retry=True).json()


def stop(cc: CloudController, guid: str) -> Resource:
    return cc.post(f"/v3/apps/{guid}/actions/stop", retry=True).json()


def current_droplet_guid(cc: CloudController, guid: str) -> str | None:
    found = cc.get_or_none(f"/v3/apps/{guid}/relationships/current_droplet")
    return ((found or {}).get("data") or {}).get("guid")


def set_current_droplet(cc: CloudController, guid: str, droplet_guid: str) -> None:
    cc.patch(f"/v3/apps/{guid}/relationships/current_droplet", {"data": {"guid": droplet_guid}})


def delete(cc: CloudController, guid: str, timeout_s: float = 300) -> None:
    cc.wait_for_job(cc.delete(f"/v3/apps/{guid}"), timeout_s, "Deleting the application")
