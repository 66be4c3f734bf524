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
from bgdeploy.engine.parallel import run_all
from bgdeploy.engine.step import DONE, PAUSE, Step, StepResult, Wait
from bgdeploy.engine.steps.apps import has_live_version, new_app_name
from bgdeploy.engine.steps.selection import not_selected
from bgdeploy.mta.model import AppSpec


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
        keep_names = ctx.options.get("keep_original_app_names")  # deploy --strategy blue-green
        ctx.info(msg.TESTING_PHASE_STRATEGY if keep_names else msg.TESTING_PHASE)
        return PAUSE


class PrepareLiveApps(Step):
    """Give the new apps their live environment (restarting them while they serve only temporary routes)."""

    name = "prepare-live"
    error_message = "Error preparing the new applications for the switch"
    phase = "AFTER_RESUME"

    def run(self, ctx: OperationContext) -> StepResult:
        if not has_live_version(ctx):
            return DONE
        run_all(lambda spec: self._prepare(ctx, spec), ctx.model("live").apps, ctx.settings.max_parallel_apps)
        return DONE

    @staticmethod
    def _prepare(ctx: OperationContext, spec: AppSpec) -> None:
        ctx.check_aborted()
        name = new_app_name(ctx, spec)
        app = cc_apps.find(ctx.cc, ctx.op.space_guid, name)
        if app is None:
            return
        changed = cc_apps.set_env(ctx.cc, app["guid"], spec.env)
        no_start = spec.no_start if spec.no_start is not None else bool(ctx.options.get("no_start"))
        if not no_start and (changed or app.get("state") != "STARTED"):
            deployer.ensure_running(ctx, spec, app, name, restart=changed, urls=[])


class MapProductiveRoutes(Step):
    name = "map-live-routes"
    error_message = "Error mapping the productive routes to the new applications"
    phase = "AFTER_RESUME"

    def run(self, ctx: OperationContext) -> StepResult:
        if not has_live_version(ctx):
            return DONE
        # Look everything up first, so the switch itself is a burst of destination POSTs.
        todo: list[tuple[str, str, str, str]] = []  # (route guid, url, app guid, app name)
        for spec in ctx.model("live").apps:
            if spec.no_route:
                continue
            name = new_app_name(ctx, spec)
            app = cc_apps.find(ctx.cc, ctx.op.space_guid, name)
            if app is None:
                continue
            mapped = {cc_routes.url(r) for r in cc_routes.for_app(ctx.cc, app["guid"])}
            for route in spec.routes:
                if route.url not in mapped:
                    todo.append((deployer.ensure_route(ctx, route)["guid"], route.url, app["guid"], name))

        def add(item: tuple[str, str, str, str]) -> None:
            route_guid, url, app_guid, name = item
            ctx.info(msg.MAPPING_ROUTE.format(route=url, app=name), app=name, route=url)
            cc_routes.add_destination(ctx.cc, route_guid, app_guid)

        run_all(add, todo, ctx.settings.max_parallel_apps)
        if todo:
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
        todo: list[tuple[dict, dict]] = []  # (old app, route)
        for old in old_apps(ctx):
            ctx.check_aborted()
            routes = cc_routes.for_app(ctx.cc, old["guid"]) if _exists(ctx, old) else []
            if routes:
                ctx.info(msg.DELETING_ROUTES.format(app=old["name"]), app=old["name"])
            todo.extend((old, route) for route in routes)
        run_all(lambda item: cc_routes.remove_app_destinations(ctx.cc, item[1], item[0]["guid"]), todo,
                ctx.settings.max_parallel_apps)
        changed = bool(todo)
        if has_live_version(ctx):
            changed |= self._delete_temporary_routes(ctx)
        if changed:
            ctx.update("settle", after_unmap=time.time() + ctx.settings.route_settle_s)
        return DONE

    @staticmethod
    def _delete_temporary_routes(ctx: OperationContext) -> bool:
        doomed: list[tuple[str, str]] = []  # (route guid, url)
        for spec in ctx.model("live").apps:
            live_urls = {r.url for r in spec.routes}
            for route in spec.idle_routes:
                if route.url in live_urls:
                    continue
                found = deployer.find_route(ctx, route)
                if found is not None:
                    doomed.append((found["guid"], route.url))

        def delete(item: tuple[str, str]) -> None:
            ctx.info(msg.DELETING_IDLE_ROUTE.format(route=item[1]), route=item[1])
            cc_routes.delete(ctx.cc, item[0])

        run_all(delete, doomed, ctx.settings.max_parallel_apps)
        return bool(doomed)


def _exists(ctx: OperationContext, app: dict) -> bool:
    return ctx.cc.get_or_none(f"/v3/apps/{app['guid']}") is not None
