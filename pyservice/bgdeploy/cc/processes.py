"""Processes of an app: scale, health check, command, and the state of each instance."""

from __future__ import annotations

from typing import Any

from bgdeploy.cc.models import Process
from bgdeploy.cc.session import CloudController


def web(cc: CloudController, app_guid: str) -> Process:
    return Process.of(cc.get(f"/v3/apps/{app_guid}/processes/web"))


def web_instances(cc: CloudController, app_guids: list[str]) -> dict[str, int]:
    """app guid -> instance count of its web process, for several apps in one request."""
    if not app_guids:
        return {}
    found = cc.list("/v3/processes", app_guids=sorted(set(app_guids)), types=["web"])
    return {p.app_guid: p.instances for p in map(Process.of, found)}


def update(cc: CloudController, process_guid: str, body: dict[str, Any]) -> None:
    cc.patch(f"/v3/processes/{process_guid}", body)


def scale(cc: CloudController, process_guid: str, body: dict[str, Any]) -> None:
    cc.post(f"/v3/processes/{process_guid}/actions/scale", body, repeatable=True)


def web_instance_states(cc: CloudController, app_guid: str) -> list[str]:
    """The state of each instance of the app's web process, in one request (one entry per instance)."""
    stats = cc.get_or_none(f"/v3/apps/{app_guid}/processes/web/stats") or {}
    return [r.get("state", "DOWN") for r in stats.get("resources", [])]


def scale_web(cc: CloudController, app_guid: str, body: dict[str, Any]) -> Process:
    return Process.of(cc.post(f"/v3/apps/{app_guid}/processes/web/actions/scale", body, repeatable=True).json())


def update_web(cc: CloudController, app_guid: str, body: dict[str, Any]) -> None:
    cc.patch(f"/v3/apps/{app_guid}/processes/web", body)


def instance_states(cc: CloudController, process_guid: str) -> list[str]:
    stats = cc.get_or_none(f"/v3/processes/{process_guid}/stats") or {}
    return [r.get("state", "DOWN") for r in stats.get("resources", [])]
