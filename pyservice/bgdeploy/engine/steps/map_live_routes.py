"""The new apps join the productive routes: everything is looked up first, then the switch itself is one
burst of destination POSTs."""

from __future__ import annotations

from bgdeploy import messages as msg
from bgdeploy.cc import apps as cc_apps
from bgdeploy.cc import routes as cc_routes
from bgdeploy.engine.actions.routes import ensure_route
from bgdeploy.engine.concurrency import map_all
from bgdeploy.engine.step import DONE, Step, StepContext, StepResult


class MapProductiveRoutes(Step):
    name = "map-live-routes"
    error_message = "Error mapping the productive routes to the new applications"
    phase = "AFTER_RESUME"

    def run(self, ctx: StepContext) -> StepResult:
        if not ctx.plan.live_version:
            return DONE
        todo: list[tuple[str, str, str, str]] = []  # (route guid, url, app guid, app name)
        for spec in ctx.model("live").apps:
            if spec.no_route:
                continue
            name = ctx.plan.new_app_name(spec)
            app = cc_apps.find(ctx.cc, ctx.op.space_guid, name)
            if app is None:
                continue
            mapped = {r.url for r in cc_routes.for_app(ctx.cc, app.guid)}
            todo.extend((ensure_route(ctx, route).guid, route.url, app.guid, name)
                        for route in spec.routes if route.url not in mapped)

        def add(item: tuple[str, str, str, str]) -> None:
            route_guid, url, app_guid, name = item
            ctx.log.info(msg.MAPPING_ROUTE.format(route=url, app=name), app=name, route=url)
            cc_routes.add_destination(ctx.cc, route_guid, app_guid)

        if todo:
            # Saved before the writes: a crash right after them must not skip the wait on retry.
            ctx.plan.settle["after_map"] = ctx.now() + ctx.settings.route_settle_s
            ctx.save()
        map_all(add, todo, ctx.settings.max_parallel_apps)
        return DONE
