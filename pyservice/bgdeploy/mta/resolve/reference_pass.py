"""`~{...}` over the values of one pass, then unescaping (`\\${x}` -> `${x}`): the pass's final values.

Providers are every resource's properties, every module's own properties (the implicit provider named after
the module) and every `provides` entry; see `references.py` for what may reference what.
"""

from __future__ import annotations

from .. import platform
from ..descriptor import Descriptor, Module, Params, Resource
from ..placeholders import unescape
from ..references import Provider, ReferenceContext, ReferenceResolver, UnresolvedReference
from ..yamlload import child_path
from .values import ModuleValues, PassValues, ResourceValues


def resolve_references(d: Descriptor, values: PassValues) -> PassValues:
    providers = _providers(d, values)
    refs = ReferenceResolver(providers)
    modules = {m.name: _module(d, m, values.modules[m.name], refs, providers) for m in d.modules}
    resources = {r.name: _resource(d, r, values.resources[r.name], refs, providers) for r in d.resources}
    return PassValues(unescape(values.globals), modules, resources)


def _providers(d: Descriptor, values: PassValues) -> dict[str, Provider]:
    providers: dict[str, Provider] = {}
    for r in d.resources:
        reason = platform.UNSUPPORTED_RESOURCE_TYPES.get(r.type or "", "")
        providers[r.name] = Provider(
            r.name, values.resources[r.name].properties, frozenset(q.name for q in r.requires), reason
        )
    for m in d.modules:
        allowed = frozenset(q.name for q in m.requires)
        providers.setdefault(m.name, Provider(m.name, values.modules[m.name].properties, allowed))
        for prov, (_, props) in zip(m.provides, values.modules[m.name].provides, strict=True):
            providers[prov.name] = Provider(prov.name, props, allowed)
    return providers


def _module(
    d: Descriptor, m: Module, mv: ModuleValues, refs: ReferenceResolver, providers: dict[str, Provider]
) -> ModuleValues:
    allowed = frozenset(q.name for q in m.requires)
    module_ctx = ReferenceContext(allowed)
    parameters = _resolve(d, refs, mv.parameters, module_ctx, child_path(m.where, "parameters"))
    properties = _resolve(d, refs, mv.properties, module_ctx, child_path(m.where, "properties"))
    requires = []
    for req, (params, props) in zip(m.requires, mv.requires, strict=True):
        # Inside a requires entry a bare ~{prop} reads the provider it names; `list` entries tolerate gaps.
        ctx = ReferenceContext(allowed | {req.name}, default=req.name, lenient=req.list is not None)
        requires.append(
            (
                _resolve(d, refs, params, ctx, child_path(req.where, "parameters")),
                _resolve(d, refs, props, ctx, child_path(req.where, "properties")),
            )
        )
    provides = []
    for prov, (params, _) in zip(m.provides, mv.provides, strict=True):
        props = refs.provider_properties(providers[prov.name]) if providers.get(prov.name) else {}
        provides.append((_resolve(d, refs, params, module_ctx, child_path(prov.where, "parameters")), unescape(props)))
    hooks = [_resolve(d, refs, params, ReferenceContext(allowed | {q.name for q in hook.requires}),
                      child_path(hook.where, "parameters"))
             for hook, params in zip(m.hooks, mv.hooks, strict=True)]
    return ModuleValues(parameters, properties, requires, provides, mv.live_routes, mv.idle_routes, hooks)


def _resource(
    d: Descriptor, r: Resource, rv: ResourceValues, refs: ReferenceResolver, providers: dict[str, Provider]
) -> ResourceValues:
    if r.type in platform.UNSUPPORTED_RESOURCE_TYPES:
        return rv  # reported when the resource is built; its values may name things we cannot resolve
    ctx = ReferenceContext(frozenset(q.name for q in r.requires), lenient=bool(r.optional))
    parameters = _resolve(d, refs, rv.parameters, ctx, child_path(r.where, "parameters"))
    try:
        properties = unescape(refs.provider_properties(providers[r.name]))
    except UnresolvedReference as exc:
        raise d.error(str(exc), child_path(r.where, "properties")) from None
    return ResourceValues(parameters, properties, rv.requires)


def _resolve(d: Descriptor, refs: ReferenceResolver, values: Params, ctx: ReferenceContext, path: str) -> Params:
    result = {}
    for key, item in values.items():
        try:
            result[key] = unescape(refs.resolve(item, ctx))
        except UnresolvedReference as exc:
            raise d.error(str(exc), child_path(path, key)) from None
    return result
