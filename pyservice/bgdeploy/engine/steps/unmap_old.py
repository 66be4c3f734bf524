"""The point of no return: the old apps leave the productive routes and the temporary routes go; from
here on the new version is the live one (phase UNDEPLOY)."""

from __future__ import annotations

from bgdeploy import messages as msg
from bgdeploy.cc import routes as cc_routes
from bgdeploy.cc.errors import NotFound
from bgdeploy.cc.models import Route as CcRoute
from bgdeploy.engine import observe
from bgdeploy.engine.actions import jobs
from bgdeploy.engine.actions.routes import find_route, unmap
from bgdeploy.engine.concurrency import map_all
from bgdeploy.engine.plan import DeployedApp, Pending
from bgdeploy.engine.polling import next_poll
from bgdeploy.engine.step import DONE, Step, StepContext, StepResult, Wait

ROUTE_JOB_TIMEOUT_S = 600


class UnmapOldApps(Step):
    name = "unmap-old"
    error_message = "Error unmapping the productive routes from the old applications"
    phase = "UNDEPLOY"

    def run(self, ctx: StepContext) -> StepResult:
        work = ctx.plan.pending.setdefault(self.name, Pending())
        if work.jobs:  # temporary routes being deleted
            work.jobs = jobs.pending(ctx, work.jobs, "Deleting the route", work.since, ROUTE_JOB_TIMEOUT_S)
            ctx.save()
            if work.jobs:
                work.polls += 1
                return Wait(next_poll(ctx.now(), work.polls))
            return DONE
        todo: list[tuple[DeployedApp, CcRoute]] = []
        for old in observe.old_apps(ctx):
            ctx.check_aborted()
            try:
                routes = cc_routes.for_app(ctx.cc, old.guid)
            except NotFound:
                routes = []
            if routes:
                ctx.log.info(msg.DELETING_ROUTES.format(app=old.name), app=old.name)
            todo.extend((old, route) for route in routes)
        doomed = self._temporary_routes(ctx) if ctx.plan.live_version else []
        if todo or doomed:
            # Saved before the writes: a crash right after them must not skip the wait on retry.
            ctx.plan.settle["after_unmap"] = ctx.now() + ctx.settings.route_settle_s
            ctx.save()
        map_all(lambda item: unmap(ctx, item[1], item[0].guid), todo, ctx.settings.max_parallel_apps)
        self._delete(ctx, work, doomed)
        ctx.save()
        return Wait(next_poll(ctx.now(), 0)) if work.jobs else DONE

    @staticmethod
    def _temporary_routes(ctx: StepContext) -> list[tuple[str, str]]:
        doomed: list[tuple[str, str]] = []  # (route guid, url)
        for spec in ctx.model("live").apps:
            live_urls = {r.url for r in spec.routes}
            for route in spec.idle_routes:
                if route.url in live_urls:
                    continue
                found = find_route(ctx, route)
                if found is not None:
                    doomed.append((found.guid, route.url))
        return doomed

    @staticmethod
    def _delete(ctx: StepContext, work: Pending, doomed: list[tuple[str, str]]) -> None:
        def delete(item: tuple[str, str]) -> str | None:
            ctx.log.info(msg.DELETING_IDLE_ROUTE.format(route=item[1]), route=item[1])
            return cc_routes.delete(ctx.cc, item[0])

        work.jobs = [j for j in map_all(delete, doomed, ctx.settings.max_parallel_apps) if j]
        work.since, work.polls = ctx.now(), 0
