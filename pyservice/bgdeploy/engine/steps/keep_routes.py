"""`keep-existing-routes`: the routes mapped to the live app today (productive routes the descriptor does
not name, such as one per tenant) join the new app right after its productive routes, before the old app
leaves them, so they never lose a destination; routes-after_map then waits until they answer from the new
instances too."""

from __future__ import annotations

from bgdeploy.cc import routes as cc_routes
from bgdeploy.engine import observe
from bgdeploy.engine.actions.kept import live_routes
from bgdeploy.engine.actions.routes import join
from bgdeploy.engine.concurrency import map_all
from bgdeploy.engine.step import DONE, Step, StepContext, StepResult


class MapKeptRoutes(Step):
    name = "map-kept-routes"
    error_message = "Error mapping the kept routes to the new applications"
    phase = "AFTER_RESUME"

    def run(self, ctx: StepContext) -> StepResult:
        if not ctx.plan.live_version:
            return DONE
        todo: list[tuple[str, str, str, str]] = []  # (route guid, url, app guid, app name)
        for spec in ctx.model("live").apps:
            kept = live_routes(ctx, spec)
            if not kept:
                continue
            found = observe.new_app(ctx, spec)
            if found is None:
                continue
            app_guid, name = found
            mapped = {r.url for r in cc_routes.for_app(ctx.cc, app_guid)}
            temporary = {r.url for r in spec.idle_routes} - {r.url for r in spec.routes}
            todo.extend((r.guid, r.url, app_guid, name) for r in kept if r.url not in mapped | temporary)
        map_all(lambda item: join(ctx, *item), todo, ctx.settings.max_parallel_apps)
        return DONE
