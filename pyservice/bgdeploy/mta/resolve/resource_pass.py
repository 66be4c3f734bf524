"""`${...}` in one resource: system parameters under the user's, the final service name, properties and
`requires` entries (schema 3)."""

from __future__ import annotations

from .. import platform, system
from ..descriptor import Descriptor, Params, Resource
from ..model import PlatformContext
from ..names import SERVICE_NAME_MAX_LENGTH, has_namespace, namespaced
from ..placeholders import Scope
from .namespace import NamespaceSettings, local_apply
from .values import DependencyValues, ResourceValues, resolve_map


def resolve_resource(
    d: Descriptor,
    r: Resource,
    *,
    ctx: PlatformContext,
    ns: NamespaceSettings,
    generated: system.Generated,
    globals_: Params,
) -> ResourceValues:
    rules = ns.rules
    apply_services = ns.flag("service-names", local_apply(d, r.parameters, r.where))
    default_name = namespaced(
        r.name, rules.namespace, apply=apply_services, as_suffix=rules.as_suffix, max_length=SERVICE_NAME_MAX_LENGTH
    )
    sys_params = system.resource_parameters(ctx, r.name, default_name, generated)
    layer = {**sys_params, **{k: v for k, v in r.parameters.items() if v is not None}}
    params = resolve_map(d, layer, Scope([layer, globals_]), r.where, "parameters")
    kind = platform.RESOURCE_TYPES.get(r.type or "")
    name = params.get("service-name")
    if (
        "service-name" in r.parameters
        and kind in ("managed", "user-provided")
        and isinstance(name, str)
        and not has_namespace(name, rules.namespace, as_suffix=rules.as_suffix)
    ):
        params["service-name"] = namespaced(
            name, rules.namespace, apply=apply_services, as_suffix=rules.as_suffix, max_length=SERVICE_NAME_MAX_LENGTH
        )
    properties = resolve_map(
        d,
        {k: v for k, v in r.properties.items() if v is not None},
        Scope([params, globals_]),
        r.where,
        "properties",
    )
    requires: list[DependencyValues] = []
    for req in r.requires:
        req_params = resolve_map(d, req.parameters, Scope([req.parameters, params, globals_]), req.where, "parameters")
        req_props = resolve_map(d, req.properties, Scope([req_params, params, globals_]), req.where, "properties")
        requires.append((req_params, req_props))
    return ResourceValues(params, properties, requires)
