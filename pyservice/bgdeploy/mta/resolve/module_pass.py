"""`${...}` in one module: system parameters under the user's, the final app name, routes, then the
properties and `requires`/`provides` entries, which read the routes of the phase (idle routes while idle)."""

from __future__ import annotations

from typing import Any

from .. import platform, routes, system
from ..descriptor import Descriptor, Module, Params, Provides
from ..model import PlatformContext, Route
from ..names import APP_NAME_MAX_LENGTH, has_namespace, namespaced
from ..placeholders import Scope
from ..yamlload import child_path
from .namespace import NamespaceSettings, local_apply
from .values import ModuleValues, PassValues, resolve_dependency, resolve_map


def resolve_module(
    d: Descriptor,
    m: Module,
    *,
    ctx: PlatformContext,
    ns: NamespaceSettings,
    generated: system.Generated,
    idle: bool,
    globals_: Params,
    live: PassValues | None,
) -> ModuleValues:
    """`live` is the finished live pass when this is the idle one (for `use-live-routes`)."""
    local = local_apply(d, m.parameters, m.where)
    apply_app = ns.flag("app-names", local)
    rules = ns.rules
    sys_params = system.module_parameters(ctx, m.name, m.parameters, idle, rules, apply_app, generated)
    layer = {**sys_params, **{k: v for k, v in m.parameters.items() if v is not None}}
    type_defaults = platform.MODULE_TYPE_DEFAULTS.get(m.type, {})
    params = resolve_map(d, layer, Scope([layer, type_defaults, globals_]), m.where, "parameters")
    for key, value in type_defaults.items():
        params.setdefault(key, value)
    # The final app name (namespace applied to a user-chosen name too) is what ${app-name} reads from here on.
    params["app-name"] = _app_name(d, m, params, rules, apply_app)
    live_routes, idle_routes = _routes(d, m, params, ns, local)

    readable = dict(params)
    if idle and "routes" in m.parameters:
        readable["routes"] = routes.idle_route_entries(params, idle_routes)
    scope_tail = [type_defaults, globals_]
    properties = resolve_map(
        d,
        {k: v for k, v in m.properties.items() if v is not None},
        Scope([readable, *scope_tail]),
        m.where,
        "properties",
    )
    requires = [resolve_dependency(d, req, readable, scope_tail) for req in m.requires]
    provides = [
        resolve_dependency(d, prov, _provides_base(m, prov, readable, idle, live), scope_tail) for prov in m.provides
    ]
    # A hook's parameters see its own, then the module's (of this phase), the module type's and the globals.
    hooks = [resolve_map(d, h.parameters, Scope([h.parameters, readable, *scope_tail]), h.where, "parameters")
             for h in m.hooks]
    return ModuleValues(params, properties, requires, provides, live_routes, idle_routes, hooks)


def _app_name(d: Descriptor, m: Module, params: Params, rules: system.NamespaceRules, apply_app: bool) -> str:
    name = params.get("app-name")
    if not isinstance(name, str) or not name:
        raise d.error("must be a non-empty string", child_path(child_path(m.where, "parameters"), "app-name"))
    if "app-name" in m.parameters and not has_namespace(name, rules.namespace, as_suffix=rules.as_suffix):
        name = namespaced(
            name, rules.namespace, apply=apply_app, as_suffix=rules.as_suffix, max_length=APP_NAME_MAX_LENGTH
        )
    return name


def _routes(
    d: Descriptor, m: Module, params: Params, ns: NamespaceSettings, local: bool | None
) -> tuple[list[Route], list[Route]]:
    rules = ns.rules

    def namespace_host(host: str, entry: dict[str, Any]) -> str:
        apply = entry.get("apply-namespace") if isinstance(entry.get("apply-namespace"), bool) else None
        route_apply = ns.flag("app-routes", apply if apply is not None else local)
        if not route_apply or has_namespace(host, rules.namespace, as_suffix=rules.as_suffix):
            return host
        # Hosts built from ${default-host} already carry the namespace.
        if any(host.startswith(str(params.get(k))) for k in ("default-live-host", "default-idle-host")):
            return host
        return namespaced(host, rules.namespace, apply=True, as_suffix=rules.as_suffix, max_length=63)

    try:
        live_routes = routes.live_routes(params, namespace_host)
        return live_routes, routes.idle_routes(params, live_routes)
    except routes.RouteError as exc:
        raise d.error(str(exc), child_path(child_path(m.where, "parameters"), exc.parameter)) from None


def _provides_base(m: Module, prov: Provides, readable: Params, idle: bool, live: PassValues | None) -> Params:
    """What a `provides` entry reads: the phase's values, or the live routes with `use-live-routes: true`."""
    if idle and prov.parameters.get("use-live-routes") is True and live is not None:
        return dict(readable, routes=live.modules[m.name].parameters.get("routes"))
    return readable
