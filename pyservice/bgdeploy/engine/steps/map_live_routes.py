"""The new apps join the productive routes: everything is looked up first (all routes in one request),
then the switch itself is one burst of destination POSTs."""

from __future__ import annotations

from bgdeploy import messages as msg
from bgdeploy.cc import apps as cc_apps
from bgdeploy.cc import routes as cc_routes
from bgdeploy.cc.models import Route as CcRoute
from bgdeploy.engine.actions.routes import domain_guid, ensure_route
from bgdeploy.engine.concurrency import map_all
from bgdeploy.engine.step import DONE, Step, StepContext, StepResult
from bgdeploy.mta.model import AppSpec


class MapProductiveRoutes(Step):
    name = "map-live-routes"
    error_message = "Error mapping the productive routes to the new applications"
    phase = "AFTER_RESUME"

    def run(self, ctx: StepContext) -> StepResult:
        if not ctx.plan.live_version:
            return DONE
        apps = [(spec, *found) for spec in ctx.model("live").apps if spec.routes and not spec.no_route
                if (found := _new_app(ctx, spec)) is not None]
        wanted = {(domain_guid(ctx, r.domain), r.host, r.path) for spec, _, _ in apps for r in spec.routes}
        existing: dict[tuple[str, str, str], CcRoute] = {
            (r.domain_guid, r.host, r.path): r
            for r in cc_routes.with_hosts(ctx.cc, [d for d, _, _ in wanted], [h for _, h, _ in wanted if h])}
        todo: list[tuple[str, str, str, str]] = []  # (route guid, url, app guid, app name)
        for spec, app_guid, name in apps:
            for route in spec.routes:
                found = existing.get((domain_guid(ctx, route.domain), route.host, route.path))
                if found is None:
                    found = ensure_route(ctx, route)
                if not found.destinations_of(app_guid):
                    todo.append((found.guid, route.url, app_guid, name))

        def add(item: tuple[str, str, str, str]) -> None:
            route_guid, url, app_guid, name = item
            ctx.log.info(msg.MAPPING_ROUTE.format(route=url, app=name), app=name, route=url)
            cc_routes.add_destination(ctx.cc, route_guid, app_guid)

        map_all(add, todo, ctx.settings.max_parallel_apps)
        return DONE


def _new_app(ctx: StepContext, spec: AppSpec) -> tuple[str, str] | None:
    """(guid, name) of the module's new app: as deploy-apps recorded it, else looked up."""
    name = ctx.plan.new_app_name(spec)
    work = ctx.plan.apps.get(spec.module)
    if work is not None and work.guid and work.name == name:
        return work.guid, name
    app = cc_apps.find(ctx.cc, ctx.op.space_guid, name)
    return (app.guid, name) if app is not None else None
