"""Space quotas as CC enforces them (`ProcessModel#validation_policies`, `TaskModel#validate_space_quotas`,
`QuotaValidatingStagingMemoryCalculator`).

A limit of None is unlimited. Memory in use in a space = memory x instances of the processes of its
started apps + memory of its PENDING/RUNNING tasks. CC's texts are Sequel's `full_messages` of the
failed validations ("memory space_quota_exceeded", ...), joined with ", ", in a 422.
Enforced: apps.total_memory_in_mb, apps.per_process_memory_in_mb, apps.total_instances,
apps.per_app_tasks. Stored but not enforced: log rate, services and routes limits.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .errors import unprocessable

if TYPE_CHECKING:
    from .simulator import Simulator

Resource = dict[str, Any]
ACTIVE_TASK_STATES = ("PENDING", "RUNNING")
MINIMUM_STAGING_MEMORY_MB = 1024  # CC's default `staging.minimum_staging_memory_mb`


def space_quota(sim: Simulator, space_guid: str) -> Resource | None:
    space = sim.store.find("spaces", space_guid)
    return sim.store.find("space_quotas", space.get("quota_guid")) if space else None


def _apps_in(sim: Simulator, space_guid: str) -> dict[str, Resource]:
    return {a["guid"]: a for a in sim.store.all("apps") if a["space_guid"] == space_guid}


def started_processes(sim: Simulator, space_guid: str, started: set[str]) -> list[Resource]:
    """Processes of the space counted as running: those of STARTED apps, plus process guids in `started`."""
    apps = _apps_in(sim, space_guid)
    return [p for p in sim.store.all("processes") if p["app_guid"] in apps
            and (apps[p["app_guid"]]["state"] == "STARTED" or p["guid"] in started)]


def active_tasks(sim: Simulator, space_guid: str) -> list[Resource]:
    apps = _apps_in(sim, space_guid)
    return [t for t in sim.store.all("tasks") if t["app_guid"] in apps and t["state"] in ACTIVE_TASK_STATES]


def memory_used(sim: Simulator, space_guid: str, started: set[str] | None = None) -> int:
    procs = started_processes(sim, space_guid, started or set())
    return sum(p["memory_in_mb"] * p["instances"] for p in procs) + sum(
        t["memory_in_mb"] for t in active_tasks(sim, space_guid))


def _has_memory(quota: Resource, used: int, wanted: int) -> bool:
    limit = quota["apps"]["total_memory_in_mb"]
    return limit is None or limit - used >= wanted


def process_errors(sim: Simulator, process: Resource, memory: int, instances: int, was_started: bool,
                   started: set[str]) -> list[str]:
    """Problems of `process` running with `memory` x `instances`; `was_started`: it ran before (its current
    usage is given back); `started`: guids of other processes counted as started already."""
    app = sim.store.tables["apps"][process["app_guid"]]
    quota = space_quota(sim, app["space_guid"])
    if quota is None:
        return []
    limits = quota["apps"]
    problems = []
    current = process["memory_in_mb"] * process["instances"] if was_started else 0
    if not _has_memory(quota, memory_used(sim, app["space_guid"], started), memory * instances - current):
        problems.append("memory space_quota_exceeded")
    if limits["per_process_memory_in_mb"] is not None and memory > limits["per_process_memory_in_mb"]:
        problems.append("memory space_instance_memory_limit_exceeded")
    if limits["total_instances"] is not None:
        others = sum(p["instances"] for p in started_processes(sim, app["space_guid"], started)
                     if p["guid"] != process["guid"])
        if others + instances > limits["total_instances"]:
            problems.append("app_instance_limit space_app_instance_limit_exceeded")
    return problems


def check_scale(sim: Simulator, process: Resource, memory: int, instances: int) -> None:
    """`ProcessScale`: quotas only bind a process of a started app."""
    app = sim.store.tables["apps"][process["app_guid"]]
    if app["state"] != "STARTED":
        return
    problems = process_errors(sim, process, memory, instances, True, set())
    if problems:
        raise unprocessable(", ".join(problems))


def check_start(sim: Simulator, app: Resource) -> None:
    """`AppStart`: the app's processes are started one by one; the first that does not fit fails the start."""
    started: set[str] = set()
    was_started = app["state"] == "STARTED"
    for process in sorted(sim.store.where("processes", app_guid=app["guid"]), key=lambda p: p["_seq"]):
        problems = process_errors(sim, process, process["memory_in_mb"], process["instances"], was_started, started)
        if problems:
            raise unprocessable(", ".join(problems))
        started.add(process["guid"])


def check_task(sim: Simulator, app: Resource, memory: int) -> None:
    quota = space_quota(sim, app["space_guid"])
    if quota is None:
        return
    limits = quota["apps"]
    problems = []
    if not _has_memory(quota, memory_used(sim, app["space_guid"]), memory):
        problems.append("memory_in_mb exceeds space memory quota")
    if limits["per_process_memory_in_mb"] is not None and memory > limits["per_process_memory_in_mb"]:
        problems.append("memory_in_mb exceeds space instance memory quota")
    if limits["per_app_tasks"] is not None and len(active_tasks(sim, app["space_guid"])) >= limits["per_app_tasks"]:
        problems.append("app_task_limit quota exceeded")
    if problems:
        raise unprocessable(", ".join(problems))


def staging_memory(sim: Simulator, space_guid: str, requested: int) -> int:
    """Memory a build stages with; CC's 422 if the space cannot hold it (below the minimum: not checked)."""
    if requested < MINIMUM_STAGING_MEMORY_MB:
        return MINIMUM_STAGING_MEMORY_MB
    quota = space_quota(sim, space_guid)
    if quota is not None and not _has_memory(quota, memory_used(sim, space_guid), requested):
        raise unprocessable(f"space's memory limit exceeded: staging requires {requested}M memory")
    return requested
