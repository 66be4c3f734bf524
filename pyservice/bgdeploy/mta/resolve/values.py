"""The values one resolution pass produces, and resolving `${...}` in one map of them.

A pass (see `passes.py`) yields, for the globals and for every module and resource of the descriptor, its
parameters and properties with placeholders (and then references) resolved; the builders of apps and
services only ever read these.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..descriptor import Dependency, Descriptor, Params
from ..model import Route
from ..placeholders import Scope, UnresolvedPlaceholder
from ..placeholders import resolve as resolve_placeholders
from ..yamlload import child_path

DependencyValues = tuple[Params, Params]  # (parameters, properties) of one requires/provides entry


@dataclass(frozen=True)
class ModuleValues:
    parameters: Params
    properties: Params
    requires: list[DependencyValues]  # one per `requires` entry, in order
    provides: list[DependencyValues]
    live_routes: list[Route] = field(default_factory=list)
    idle_routes: list[Route] = field(default_factory=list)
    hooks: list[Params] = field(default_factory=list)  # each hook's parameters, one per `hooks` entry


@dataclass(frozen=True)
class ResourceValues:
    parameters: Params
    properties: Params
    requires: list[DependencyValues]


@dataclass(frozen=True)
class PassValues:
    globals: Params
    modules: dict[str, ModuleValues]  # by module name, in descriptor order
    resources: dict[str, ResourceValues]


def resolve_map(d: Descriptor, values: Params, scope: Scope, where: str, section: str) -> Params:
    """Resolve `${...}` in every value of `values`; an error names `<where>.<section>.<key>`."""
    result = {}
    for key, value in values.items():
        try:
            result[key] = resolve_placeholders(value, scope)
        except UnresolvedPlaceholder as exc:
            path = child_path(child_path(where, section), key) if where or section else key
            raise d.error(_placeholder_message(exc), path) from None
    return result


def resolve_dependency(d: Descriptor, dep: Dependency, base: Params, scope_tail: list[Params]) -> DependencyValues:
    """A requires/provides entry: its parameters see the module's, its properties see its parameters."""
    params = resolve_map(d, dep.parameters, Scope([dep.parameters, base, *scope_tail]), dep.where, "parameters")
    props = resolve_map(
        d,
        {k: v for k, v in dep.properties.items() if v is not None},
        Scope([params, base, *scope_tail]),
        dep.where,
        "properties",
    )
    return params, props


def string_list(d: Descriptor, raw: Any, path: str) -> list[str]:
    """A parameter that takes one string or a list of them (`buildpacks`, `service-tags`)."""
    if raw is None:
        return []
    if isinstance(raw, str):
        return [raw]
    if not isinstance(raw, list) or not all(isinstance(x, str | int | float) for x in raw):
        raise d.error("must be a list of strings", path)
    return [str(x) for x in raw]


def _placeholder_message(exc: UnresolvedPlaceholder) -> str:
    if not exc.name:
        return f"cannot resolve placeholders: {exc.reason}"
    reason = exc.reason or "no such parameter is defined here, in the module type or globally"
    return f'cannot resolve "${{{exc.name}}}": {reason}'
