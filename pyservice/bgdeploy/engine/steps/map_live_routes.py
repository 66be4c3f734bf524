"""The new apps join the productive routes: everything is looked up first (all routes in one request),
then the switch itself is one burst of destination POSTs."""

from __future__ import annotations

from bgdeploy.cc import routes as cc_routes
from bgdeploy.cc.models import Route as CcRoute
from bgdeploy.engine import observe
from bgdeploy.engine.actions.routes import domain_guid, ensure_route, join
from bgdeploy.engine.concurrency import map_all
from bgdeploy.engine.step import DONE, Step, StepContext, StepResult


class MapProductiveRoutes(Step):
    name = "map-live-routes"
    error_message = "Error mapping the productive routes to the new applications"
    phase = "AFTER_RESUME"

    def run(self, ctx: StepContext) -> StepResult:
        if not ctx.plan.live_version:
            return DONE
        apps = [(spec, *found) for spec in ctx.model("live").apps if spec.routes and not spec.no_route
                if (found := observe.new_app(ctx, spec)) is not None]
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
        map_all(lambda item: join(ctx, *item), todo, ctx.settings.max_parallel_apps)
        return DONE

