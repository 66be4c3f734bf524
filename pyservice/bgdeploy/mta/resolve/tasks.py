"""TaskSpecs and HookSpecs of a module: the `tasks` parameter and the schema 3 `hooks`, from resolved values.

A task is `{name, command, memory, disk-quota}`; a hook of type `task` carries the same keys in its
parameters, its task named after the hook unless `name` is given. Unknown phases and hook types are refused
with the deploy service's words, so a hook never silently does nothing.
"""

from __future__ import annotations

from typing import Any

from .. import hook_phases
from ..descriptor import Descriptor, Module, Params
from ..model import HookSpec, TaskSpec
from ..units import integer, size_mb
from ..yamlload import child_path
from .values import ModuleValues


def module_tasks(d: Descriptor, params: Params, where: str) -> list[TaskSpec]:
    """The `tasks` module parameter (`where` is the module's parameters path)."""
    raw = params.get("tasks")
    path = child_path(where, "tasks")
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise d.error("must be a list of tasks", path)
    tasks = []
    for i, entry in enumerate(raw):
        entry_path = child_path(path, i)
        if not isinstance(entry, dict):
            raise d.error("must be a map with a name and a command", entry_path)
        for key in ("name", "command"):
            if not isinstance(entry.get(key), str) or not entry[key]:
                raise d.error("must be a non-empty string", child_path(entry_path, key))
        tasks.append(_task(d, entry, entry["name"], entry_path))
    return tasks


def module_hooks(d: Descriptor, m: Module, values: ModuleValues) -> list[HookSpec]:
    hooks = []
    for hook, params in zip(m.hooks, values.hooks, strict=True):
        if hook.type != "task":
            raise d.error(f'Unsupported hook type "{hook.type}" of hook "{hook.name}"', child_path(hook.where, "type"))
        for i, phase in enumerate(hook.phases):
            if phase not in hook_phases.SUPPORTED:
                raise d.error(f'Unsupported hook phase "{phase}"', child_path(child_path(hook.where, "phases"), i))
        where = child_path(hook.where, "parameters")
        if not isinstance(params.get("command"), str) or not params["command"]:
            raise d.error(f'Parameters of hook {hook.name} with type "task" are incomplete. '
                          'Expected at least "command".', where)
        name = params.get("name") if params.get("name") is not None else hook.name
        hooks.append(HookSpec(name=hook.name, phases=list(hook.phases), task=_task(d, params, str(name), where)))
    return hooks


def _task(d: Descriptor, entry: dict[str, Any], name: str, where: str) -> TaskSpec:
    def size(key: str) -> int | None:
        try:
            return size_mb(entry.get(key))
        except ValueError as exc:
            raise d.error(str(exc), child_path(where, key)) from None

    return TaskSpec(name=name, command=str(entry["command"]), memory_mb=size("memory"), disk_mb=size("disk-quota"))


def task_timeout(d: Descriptor, params: Params, globals_: Params, where: str) -> int | None:
    """`task-execution-timeout` (or `apps-task-execution-timeout`) of the module, else the descriptor-wide one."""
    for source, key, path in ((params, "task-execution-timeout", child_path(where, "task-execution-timeout")),
                              (params, "apps-task-execution-timeout", child_path(where, "apps-task-execution-timeout")),
                              (globals_, "apps-task-execution-timeout", "parameters.apps-task-execution-timeout")):
        try:
            value = integer(source.get(key))
        except ValueError as exc:
            raise d.error(str(exc), path) from None
        if value:
            return value
    return None
