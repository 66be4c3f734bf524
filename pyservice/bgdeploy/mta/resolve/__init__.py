"""Turn a descriptor (+ extension descriptors + platform facts) into the DeploymentModel the engine deploys.

resolve() below runs the passes in the deploy service's order; each module holds one of them:

    inputs.py           ArchiveFiles (what is read from the archive), Selection (`-m`/`-r`)
    namespace.py        where each `apply-namespace` switch comes from
    checks.py           read-only system parameters; unsupported module/resource types
    passes.py           one pass: globals, then module_pass.py and resource_pass.py (`${...}`: system
                        parameters under the user's, app/service names, routes, properties, requires/provides),
                        then reference_pass.py (`~{...}`, unescaping); values.py holds what a pass yields
    services.py         ServiceSpecs from the resources' values
    apps.py             AppSpecs from the modules' values (env, bindings, health check, timeouts, ...)
    tasks.py            the `tasks` parameter and the schema 3 `hooks` (their tasks, phases, timeout)
    module_warnings.py  what is knowingly not done for a module
    ignored.py          parameters the deploy service lists that nothing here acts on (warnings)
    order.py            deploy order / parallel waves of apps, processing batches of services

The live pass always runs; the blue-green idle phase runs a second, idle pass in which `${default-host}`,
`routes` and the like read the temporary routes. Productive routes always come from the live pass, so
`AppSpec.routes` is the same in both phases.
"""

from __future__ import annotations

from .. import system
from ..descriptor import Descriptor, ExtensionDescriptor, Requires
from ..extensions import merge_extensions
from ..model import DeploymentModel, Phase, PlatformContext
from ..units import boolean
from .apps import APP_ATTRIBUTES, build_apps
from .checks import check_read_only, check_types
from .ignored import ignored_warnings
from .inputs import ArchiveFiles, select
from .namespace import NamespaceSettings
from .order import deploy_waves, service_batches
from .passes import resolve_pass
from .services import UPDATE_ASPECTS, build_services


def resolve(
    descriptor: Descriptor,
    extensions: list[ExtensionDescriptor],
    ctx: PlatformContext,
    phase: Phase,
    *,
    selected_modules: list[str] | None = None,
    selected_resources: list[str] | None = None,
    archive: ArchiveFiles | None = None,
) -> DeploymentModel:
    if phase not in ("live", "idle"):
        raise ValueError(f"phase must be 'live' or 'idle', not {phase!r}")
    d = merge_extensions(descriptor, extensions)
    generated = system.Generated.for_context(ctx)  # one per call: both passes see the same generated values
    selection = select(d, selected_modules, selected_resources)
    ns = NamespaceSettings.of(d, ctx)
    check_read_only(d)
    type_warnings = check_types(d, selection)

    live = resolve_pass(d, ctx, ns, generated, idle=False)
    current = live if phase == "live" else resolve_pass(d, ctx, ns, generated, idle=True, live=live)

    services, service_warnings = build_services(d, selection, current, archive)
    apps, skipped, app_warnings = build_apps(d, selection, current, live, {s.resource: s for s in services}, archive)
    parallel, waves = deploy_waves(d, [a.module for a in apps], current)
    position = {name: i for i, name in enumerate(n for wave in waves for n in wave)}
    apps.sort(key=lambda a: position[a.module])
    return DeploymentModel(
        mta_id=d.id,
        version=d.version,
        schema_version=d.schema_version,
        namespace=ctx.namespace,
        apps=apps,
        services=services,
        waves=waves,
        service_batches=service_batches(d, services),
        warnings=[*type_warnings, *service_warnings, *app_warnings, *ignored_warnings(d, selection)],
        skipped_modules=skipped,
        parallel=parallel,
        descriptor_modules=[m.name for m in d.modules],
        dependency_aware_stop_order=_stop_order(d, current.globals),
    )


def _stop_order(d: Descriptor, globals_: dict) -> bool:
    try:
        return boolean(globals_.get("bg-dependency-aware-stop-order")) is True
    except ValueError as exc:
        raise d.error(str(exc), "parameters.bg-dependency-aware-stop-order") from None


__all__ = ["APP_ATTRIBUTES", "UPDATE_ASPECTS", "ArchiveFiles", "Requires", "resolve"]
