"""/v3/apps/:guid/tasks and /v3/tasks: one-off commands in an app's droplet, created, watched, cancelled."""

from __future__ import annotations

from typing import Any

from bgdeploy.cc.models import Task
from bgdeploy.cc.session import CloudController


def create(cc: CloudController, app_guid: str, name: str, command: str, *, memory_mb: int | None = None,
           disk_mb: int | None = None, annotations: dict[str, str] | None = None) -> Task:
    """Not repeated by the transport: a lost answer may have started the task (find it by its annotations)."""
    body: dict[str, Any] = {"name": name, "command": command}
    if memory_mb:
        body["memory_in_mb"] = memory_mb
    if disk_mb:
        body["disk_in_mb"] = disk_mb
    if annotations:
        body["metadata"] = {"annotations": annotations}
    return Task.of(cc.post(f"/v3/apps/{app_guid}/tasks", body).json())


def named(cc: CloudController, app_guid: str, name: str) -> list[Task]:
    return [Task.of(t) for t in cc.list(f"/v3/apps/{app_guid}/tasks", names=[name])]


def get(cc: CloudController, guid: str) -> Task:
    return Task.of(cc.get(f"/v3/tasks/{guid}"))


def cancel(cc: CloudController, guid: str) -> None:
    cc.post(f"/v3/tasks/{guid}/actions/cancel", repeatable=True)
