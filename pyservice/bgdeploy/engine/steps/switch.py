"""The pause and the switch: productive routes move from the live colour to the new one, safely.

Order (no request may fail): the new apps get their live environment and are running; each productive
route gets the new app as a destination; wait until routers know; only then the old apps leave the
productive routes; wait again until no router can still send them traffic; only then may they stop.
"""

from __future__ import annotations

import time

from bgdeploy import messages as msg
from bgdeploy.cc import apps as cc_apps
from bgdeploy.cc import routes as cc_routes
from bgdeploy.engine import app_deployer as deployer
from bgdeploy.engine.context import OperationContext
from bgdeploy.engine.step import DONE, PAUSE, Step, StepResult, Wait
from bgdeploy.engine.steps.apps import has_live_version, new_app_name
from bgdeploy.engine.steps.selection import not_selected


def old_apps(ctx: OperationContext) -> list[dict]:
    """Deployed apps that the new version replaces: every detected app not among the new names."""
    new_names = {new_app_name(ctx, spec) for spec in ctx.model("live").apps}
    return [a for a in not_selected(ctx, ctx.data("detect").get("apps", [])) if a["name"] not in new_names]


class AwaitConfirmation(Step):
    name = "pause"
    error_message = "Error entering the validation phase"

    def run(self, ctx: OperationContext) -> StepResult:
        if not has_live_version(ctx) or ctx.options.get("no_confirm") or ctx.options.get("skip_idle_start"):
            return DONE
        ctx.info(msg.TESTING_PHASE)
        return PAUSE


class PrepareLiveApps(Step):
    """Give the new apps their live environment (restarting them while they serve only temporary routes)."""

    name = "prepare-live"
    error_message = "Error preparing the new applications for the switch"
    phase = "AFTER_RESUME"

    def run(self, ctx: OperationContext) -> StepResult:
        if not has_live_version(ctx):
            return DONE
        model = ctx.model("live")
        for spec in model.apps:
            ctx.check_aborted()
            name = new_app_name(ctx, spec)
            app = cc_apps.find(ctx.cc, ctx.op.space_guid, name)
            if app is None:
                continue
            changed = cc_apps.set_env(ctx.cc, app["guid"], spec.env)
            no_start = spec.no_start if spec.no_start is not None else bool(ctx.options.get("no_start"))
            if no_start:
                continue
            if changed or app.get("state") != "STARTED":
                deployer.ensure_running(ctx, spec, app, name, restart=changed, urls=[])
        return DONE


class MapProductiveRoutes(Step):
    name = "map-live-routes"
    error_message = "Error mapping the productive routes to the new applications"
    phase = "AFTER_RESUME"

    def run(self, ctx: OperationContext) -> StepResult:
        if not has_live_version(ctx):
            return DONE
        changed = False
        for spec in ctx.model("live").apps:
            if spec.no_route:
                continue
            name = new_app_name(ctx, spec)
            app = cc_apps.find(ctx.cc, ctx.op.space_guid, name)
            if app is None:
                continue
            changed |= deployer.map_routes(ctx, app["guid"], name, spec.routes, unmap_others=False)
        if changed:
            ctx.update("settle", after_map=time.time() + ctx.settings.route_settle_s)
        return DONE


class SettleRoutes(Step):
    """Wait (crash-safely: the deadline is persisted) until routers have learned the last route change."""

    def __init__(self, key: str) -> None:
        self.key = key
        self.name = f"settle-{key}"
        self.error_message = "Error waiting for the routers"

    def run(self, ctx: OperationContext) -> StepResult:
        until = ctx.data("settle").get(self.key)
        if not until:
            return DONE
        left = until - time.time()
        if left <= 0:
            return DONE
        if not ctx.data("settle").get(f"{self.key}-said"):
            ctx.info(msg.ROUTES_SETTLING.format(seconds=round(left, 1)))
            ctx.update("settle", **{f"{self.key}-said": True})
        return Wait(left)


class UnmapOldApps(Step):
    """The point of no return: from here on the new colour is the live one (phase UNDEPLOY)."""

    name = "unmap-old"
    error_message = "Error unmapping the productive routes from the old applications"
    phase = "UNDEPLOY"

    def run(self, ctx: OperationContext) -> StepResult:
        changed = False
        for old in old_apps(ctx):
            ctx.check_aborted()
            routes = cc_routes.for_app(ctx.cc, old["guid"]) if _exists(ctx, old) else []
            if routes:
                ctx.info(msg.DELETING_ROUTES.format(app=old["name"]), app=old["name"])
            for route in routes:
                cc_routes.remove_app_destinations(ctx.cc, route, old["guid"])
                changed = True
        if has_live_version(ctx):
            changed |= self._delete_temporary_routes(ctx)
        if changed:
            ctx.update("settle", after_unmap=time.time() + ctx.settings.route_settle_s)
        return DONE

    @staticmethod
    def _delete_temporary_routes(ctx: OperationContext) -> bool:
        changed = False
        for spec in ctx.model("live").apps:
            live_urls = {r.url for r in spec.routes}
            for route in spec.idle_routes:
                if route.url in live_urls:
                    continue
                found = _find_route(ctx, route)
                if found is None:
                    continue
                ctx.info(msg.DELETING_IDLE_ROUTE.format(route=route.url), route=route.url)
                cc_routes.delete(ctx.cc, found["guid"])
                changed = True
        return changed


def _exists(ctx: OperationContext, app: dict) -> bool:
    return ctx.cc.get_or_none(f"/v3/apps/{app['guid']}") is not None


def _find_route(ctx: OperationContext, route) -> dict | None:  # type: ignore[no-untyped-def]
    domain = cc_routes.domain_by_name(ctx.cc, route.domain)
    return cc_routes.find(ctx.cc, domain["guid"], route.host, route.path) if domain else None
