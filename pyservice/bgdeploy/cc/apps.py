"""/v3/apps: find, create, update, env, lifecycle actions, current droplet, delete."""

from __future__ import annotations

from typing import Any

from bgdeploy.cc import jobs
from bgdeploy.cc.models import App
from bgdeploy.cc.session import CloudController


def find(cc: CloudController, space_guid: str, name: str) -> App | None:
    found = cc.first("/v3/apps", names=[name], space_guids=[space_guid])
    return App.of(found) if found else None


def get(cc: CloudController, guid: str) -> App | None:
    found = cc.get_or_none(f"/v3/apps/{guid}")
    return App.of(found) if found else None


def named(cc: CloudController, space_guid: str, names: list[str]) -> list[App]:
    """The apps with these names (one request)."""
    if not names:
        return []
    return [App.of(a) for a in cc.list("/v3/apps", names=sorted(set(names)), space_guids=[space_guid])]


def list_by_labels(cc: CloudController, space_guid: str, label_selector: str) -> list[App]:
    return [App.of(a) for a in cc.list("/v3/apps", space_guids=[space_guid], label_selector=label_selector)]


def lifecycle(buildpacks: list[str], stack: str | None, docker: bool) -> dict[str, Any]:
    if docker:
        return {"type": "docker", "data": {}}
    data: dict[str, Any] = {"buildpacks": buildpacks}
    if stack:
        data["stack"] = stack
    return {"type": "buildpack", "data": data}


def create(cc: CloudController, space_guid: str, name: str, *, lifecycle: dict[str, Any], env: dict[str, str],
           metadata: dict[str, Any]) -> App:
    body = {"name": name, "relationships": {"space": {"data": {"guid": space_guid}}},
            "environment_variables": env, "metadata": metadata, "lifecycle": lifecycle}
    return App.of(cc.post("/v3/apps", body).json())


def update(cc: CloudController, guid: str, *, name: str | None = None, lifecycle: dict[str, Any] | None = None,
           metadata: dict[str, Any] | None = None) -> App:
    body: dict[str, Any] = {}
    if name is not None:
        body["name"] = name
    if lifecycle is not None and lifecycle["type"] == "buildpack":
        body["lifecycle"] = lifecycle  # CC refuses to change the lifecycle type; buildpacks may change
    if metadata is not None:
        body["metadata"] = metadata
    return App.of(cc.patch(f"/v3/apps/{guid}", body))


def env(cc: CloudController, guid: str) -> dict[str, str]:
    return dict(cc.get(f"/v3/apps/{guid}/environment_variables").get("var", {}))


def patch_env(cc: CloudController, guid: str, patch: dict[str, str | None]) -> None:
    cc.patch(f"/v3/apps/{guid}/environment_variables", {"var": patch})


def start(cc: CloudController, guid: str) -> None:
    cc.post(f"/v3/apps/{guid}/actions/start", repeatable=True)


def stop(cc: CloudController, guid: str) -> None:
    cc.post(f"/v3/apps/{guid}/actions/stop", repeatable=True)


def restart(cc: CloudController, guid: str) -> None:
    cc.post(f"/v3/apps/{guid}/actions/restart", repeatable=True)


def current_droplet_guid(cc: CloudController, guid: str) -> str | None:
    found = cc.get_or_none(f"/v3/apps/{guid}/relationships/current_droplet")
    return ((found or {}).get("data") or {}).get("guid")


def set_current_droplet(cc: CloudController, guid: str, droplet_guid: str) -> None:
    cc.patch(f"/v3/apps/{guid}/relationships/current_droplet", {"data": {"guid": droplet_guid}})


def delete(cc: CloudController, guid: str) -> str | None:
    """Start deleting the app; the job to poll, or None when it is gone already."""
    return jobs.location(cc.delete(f"/v3/apps/{guid}"))


def ssh_enabled(cc: CloudController, guid: str) -> bool:
    return bool(cc.get(f"/v3/apps/{guid}/features/ssh").get("enabled"))


def set_ssh_enabled(cc: CloudController, guid: str, enabled: bool) -> None:
    cc.patch(f"/v3/apps/{guid}/features/ssh", {"enabled": enabled})
