"""One resolution pass over the whole descriptor: globals, then every module and resource, then references.

resolve() runs the live pass always, and the idle pass (temporary routes in `${default-host}`, `routes`, ...)
for the blue-green idle phase; both share one `system.Generated`, so generated values agree.
"""

from __future__ import annotations

from .. import system
from ..descriptor import Descriptor
from ..model import PlatformContext
from ..placeholders import Scope
from .module_pass import resolve_module
from .namespace import NamespaceSettings
from .reference_pass import resolve_references
from .resource_pass import resolve_resource
from .values import PassValues, resolve_map


def resolve_pass(
    d: Descriptor,
    ctx: PlatformContext,
    ns: NamespaceSettings,
    generated: system.Generated,
    *,
    idle: bool,
    live: PassValues | None = None,
) -> PassValues:
    global_layer = {**system.global_parameters(ctx, d.id, d.version, generated), **d.parameters}
    globals_ = resolve_map(d, global_layer, Scope([global_layer]), "", "parameters")
    modules = {
        m.name: resolve_module(d, m, ctx=ctx, ns=ns, generated=generated, idle=idle, globals_=globals_, live=live)
        for m in d.modules
    }
    resources = {
        r.name: resolve_resource(d, r, ctx=ctx, ns=ns, generated=generated, globals_=globals_) for r in d.resources
    }
    return resolve_references(d, PassValues(globals_, modules, resources))
