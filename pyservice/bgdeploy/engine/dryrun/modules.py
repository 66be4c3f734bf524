"""Per module: the app the deploy creates or updates, how it will differ from the app that serves now, and
the routes moved around it, as deploy-apps, map-live-routes, unmap-old and undeploy-old would move them.

Blue-green with a live version compares the new app against the productive one it replaces (the new app
itself starts from nothing); otherwise against the app of the same name, which the deploy updates in place,
so there the changes are exactly the writes. Every comparison is an action's own what-differs function.
"""

from __future__ import annotations

from dataclasses import replace

from bgdeploy.cc import apps as cc_apps
from bgdeploy.cc import bindings as cc_bindings
from bgdeploy.cc import processes as cc_processes
from bgdeploy.cc import routes as cc_routes
from bgdeploy.cc import services as cc_services
from bgdeploy.cc.models import App
from bgdeploy.engine import incremental, observe
from bgdeploy.engine.actions import bits
from bgdeploy.engine.actions.apps import (
    DIGEST_ANNOTATION,
    app_metadata,
    desired_lifecycle,
    env_patch,
    lifecycle_differs,
    metadata_differs,
    process_changes,
)
from bgdeploy.engine.actions.bindings import missing_bindings, no_such_service, service_guids
from bgdeploy.engine.actions.key_env import app_env
from bgdeploy.engine.actions.routes import domain_guid, route_changes
from bgdeploy.engine.dryrun.document import (
    AT_DEPLOY,
    AT_RESUME,
    CREATE,
    DELETE,
    UNCHANGED,
    UPDATE,
    BindingChange,
    EnvChange,
    FromTo,
    ModuleChanges,
    ModulePlan,
    RouteChange,
    RouteMove,
    RoutesPlan,
)
from bgdeploy.engine.plan import COLORS, LIVE_SUFFIX, DeployedApp
from bgdeploy.engine.step import StepContext
from bgdeploy.mta.model import AppSpec, Route


def module_plans(ctx: StepContext, services_made: set[str]) -> tuple[list[ModulePlan], RoutesPlan]:
    """`services_made`: names of the services the deploy creates first (bindings to them are fine)."""
    plan = ctx.plan
    switching = plan.blue_green and plan.live_version  # new apps next to the live ones, switched on resume
    deploy_model, live_model = ctx.model("idle" if plan.live_version else "live"), ctx.model("live")
    old = observe.old_apps(ctx)
    routes, to_create = RoutesPlan(), []
    plans, replaced = [], set()
    for spec in deploy_model.apps:
        live_spec = live_model.app(spec.module)
        name = plan.new_app_name(spec)
        target = cc_apps.find(ctx.cc, ctx.op.space_guid, name)
        live = _replaced(ctx, old, spec.module) if switching else None
        baseline = cc_apps.get(ctx.cc, live.guid) if live else target
        item = ModulePlan(spec.module, CREATE, name, existing_app=target is not None,
                          replaces=live.name if live else None, tasks=[t.name for t in spec.tasks])
        if live:
            replaced.add(live.guid)
        _check_bindings(ctx, spec, services_made)
        if baseline is not None:
            changes, restart = _changes(ctx, live_spec, baseline, fresh=target is None)
            item.action = UPDATE if changes.aspects() else UNCHANGED
            item.changes = changes if changes.aspects() else None
            item.restart = restart if (target is not None and not switching) else None
        plans.append(item)
        to_create += _route_moves(ctx, routes, spec, live_spec, name, target, switching)
    for app in old:
        if app.guid not in replaced:
            plans.append(ModulePlan(app.module, DELETE, app.name, existing_app=True))
        for url in _urls(ctx, app.guid):
            routes.unmap.append(RouteMove(url, app.name, AT_RESUME if switching else AT_DEPLOY))
    routes.create = _missing(ctx, to_create)
    return plans, routes


def _replaced(ctx: StepContext, old: list[DeployedApp], module: str) -> DeployedApp | None:
    """The productive app of the module: the live colour's (idle/live names: X-live)."""
    mine = [a for a in old if a.module == module]

    def live_first(app: DeployedApp) -> bool:
        return not (app.color == ctx.plan.live_color if ctx.plan.scheme == COLORS else app.name.endswith(LIVE_SUFFIX))

    return min(mine, key=live_first) if mine else None


def _changes(ctx: StepContext, spec: AppSpec, app: App, *, fresh: bool) -> tuple[ModuleChanges, bool]:
    """How `app` differs from what the module wants, and whether updating it in place restarts it.
    A fresh app (created by the deploy) gets CC's single instance when the module names no count."""
    cc, changes = ctx.cc, ModuleChanges()
    current = cc_apps.env(cc, app.guid)
    patch = env_patch(current, app_env(ctx, spec), keep_others=spec.keep_existing_env)
    if patch:
        changes.env = EnvChange(added=sorted(k for k, v in patch.items() if v is not None and k not in current),
                                changed=sorted(k for k, v in patch.items() if v is not None and k in current),
                                removed=sorted(k for k, v in patch.items() if v is None))
    proc = cc_processes.web(cc, app.guid)
    wanted = replace(spec, instances=incremental.desired_instances(spec)) if fresh else spec
    process = process_changes(proc, wanted)
    for key, attr, now in (("instances", "instances", proc.instances), ("memory_in_mb", "memory_mb", proc.memory_mb),
                           ("disk_in_mb", "disk_mb", proc.disk_mb)):
        if key in process.scale:
            setattr(changes, attr, FromTo(now, process.scale[key]))
    if "command" in process.patch:
        changes.command = FromTo(proc.command, process.patch["command"])
    if "health_check" in process.patch:
        changes.health_check = FromTo({"type": proc.health_check.type, "data": proc.health_check.data},
                                      process.patch["health_check"])
    to_map, to_unmap = route_changes(_urls(ctx, app.guid), [] if spec.no_route else spec.routes, unmap_others=True)
    if to_map or to_unmap:
        changes.routes = RouteChange([r.url for r in to_map], to_unmap)
    changes.bindings = _binding_changes(ctx, spec, app, fresh=fresh)
    if spec.content is not None:
        deployed, digest = app.annotations.get(DIGEST_ANNOTATION, ""), bits.module_digest(ctx, spec)
        changes.bits = None if bits.runs_these_bits(ctx, app.guid, deployed, digest) else True
    lifecycle = desired_lifecycle(spec)
    if lifecycle_differs(app, lifecycle):
        changes.lifecycle = FromTo(app.lifecycle.get("data"), lifecycle["data"])
    changes.metadata = True if metadata_differs(app, app_metadata(ctx, spec)) else None
    starts = _starts(ctx, spec)
    state = "STARTED" if starts else ("STOPPED" if fresh else app.state)
    if state != app.state:
        changes.state = FromTo(app.state, state)
    # As the deploy decides it (restart-on-env-change may turn some of these off).
    restart = starts and app.state == "STARTED" and bool(
        (patch and spec.restart_on.get("user-provided", True)) or process.restart
        or (changes.bindings and spec.restart_on.get("vcap-services", True))
        or changes.bits)
    return changes, restart


def _starts(ctx: StepContext, spec: AppSpec) -> bool:
    """Whether the app runs once the operation is through (deploy-apps or, after the resume, prepare-live
    start it unless `no-start`); a fresh app is created stopped."""
    no_start = spec.no_start if spec.no_start is not None else ctx.options.no_start
    return not no_start


def _binding_changes(ctx: StepContext, spec: AppSpec, app: App, *, fresh: bool) -> BindingChange | None:
    """Services bound in addition, and (as ensure_bindings does, unless `keep-existing: service-bindings`)
    the bindings the module does not name: unbound in place, left behind by a fresh app."""
    guids = service_guids(ctx, [b.service_name for b in spec.bindings])
    bound = {b.instance_guid for b in cc_bindings.for_app(ctx.cc, app.guid)}
    bind = [b.service_name for b in missing_bindings(spec, guids, bound)]
    unbind = []
    if not spec.keep_existing_bindings:
        kept = {guids.get(b.service_name) for b in spec.bindings}
        for guid in sorted(bound - kept):
            inst = cc_services.get_instance(ctx.cc, guid)
            unbind.append(inst.name if inst else guid)
    return BindingChange(bind, sorted(unbind)) if bind or unbind else None


def _check_bindings(ctx: StepContext, spec: AppSpec, services_made: set[str]) -> None:
    """A binding to a service that neither exists nor is created fails the deploy: it fails the plan too."""
    guids = service_guids(ctx, [b.service_name for b in spec.bindings])
    for binding in spec.bindings:
        if binding.service_name not in guids and binding.service_name not in services_made:
            raise no_such_service(spec, binding)


def _route_moves(ctx: StepContext, routes: RoutesPlan, spec: AppSpec, live_spec: AppSpec, name: str,
                 target: App | None, switching: bool) -> list[Route]:
    """Add the module's route moves to `routes`; returns the routes it maps (some may not exist yet)."""
    if spec.no_route:
        return []
    mapped = _urls(ctx, target.guid) if target else []
    if switching:  # temporary routes while testing, the productive ones on resume
        routes.temporary += [RouteMove(r.url, name, AT_DEPLOY) for r in spec.idle_routes]
        productive = [r for r in live_spec.routes if r.url not in mapped]
        routes.map += [RouteMove(r.url, name, AT_RESUME) for r in productive]
        return [*spec.idle_routes, *productive]
    to_map, to_unmap = route_changes(mapped, spec.routes, unmap_others=True)
    routes.map += [RouteMove(r.url, name, AT_DEPLOY) for r in to_map]
    routes.unmap += [RouteMove(url, name, AT_DEPLOY) for url in to_unmap]
    return to_map


def _urls(ctx: StepContext, app_guid: str) -> list[str]:
    return [r.url for r in cc_routes.for_app(ctx.cc, app_guid)]


def _missing(ctx: StepContext, wanted: list[Route]) -> list[str]:
    """The routes among `wanted` that the deploy creates; a domain that does not exist fails the plan."""
    missing: list[str] = []
    for route in wanted:
        if route.url not in missing and cc_routes.find(ctx.cc, domain_guid(ctx, route.domain), route.host,
                                                       route.path) is None:
            missing.append(route.url)
    return missing
