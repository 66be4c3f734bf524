"""Processes of an app: scale, health check, command, and the state of each instance."""

from __future__ import annotations

from typing import Any

from bgdeploy.cc.session import CloudController

Resource = dict[str, Any]


def web(cc: CloudController, app_guid: str) -> Resource:
    return cc.get(f"/v3/apps/{app_guid}/processes/web")


def update(cc: CloudController, process_guid: str, body: dict[str, Any]) -> Resource:
    return cc.patch(f"/v3/processes/{process_guid}", body)


def scale(cc: CloudController, process_guid: str, body: dict[str, Any]) -> None:
    cc.post(f"/v3/processes/{process_guid}/actions/scale", body, retry=True)


def instance_states(cc: CloudController, process_guid: str) -> list[str]:
    stats = cc.get_or_none(f"/v3/processes/{process_guid}/stats") or {}
    return [r.get("state", "DOWN") for r in stats.get("resources", [])]
