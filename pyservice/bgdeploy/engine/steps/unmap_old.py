"""The point of no return: the old apps leave the productive routes and the temporary routes go; from
here on the new version is the live one (phase UNDEPLOY).

Which old instances left which route is recorded before the change (plan.unmapped), so the next step
can ask the routers whether they still send traffic to them, even after a crash right after the change.
Lookups are one request each (all old apps' routes and their instance counts, side by side, made ahead
during the wait for the routers when there is one; all temporary routes), then the changes go out as one
burst.
"""

from __future__ import annotations

from bgdeploy import messages as msg
from bgdeploy.cc import processes as cc_processes
from bgdeploy.cc import routes as cc_routes
from bgdeploy.cc.models import Route as CcRoute
from bgdeploy.engine import observe
from bgdeploy.engine.actions import jobs
from bgdeploy.engine.actions.routes import domain_guid, unmap
from bgdeploy.engine.concurrency import both, map_all
from bgdeploy.engine.plan import DeployedApp, Pending, Unmapped
from bgdeploy.engine.polling import next_poll
from bgdeploy.engine.step import DONE, Step, StepContext, StepResult, Wait
from bgdeploy.errors import ContentError

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
        old = observe.old_apps(ctx)
        looked = ctx.looks.pop(self.name, None)
        routes, instances = looked if looked is not None else self._lookup(ctx, old)
        todo = [(app, route) for app in old for route in routes if route.destinations_of(app.guid)]
        if todo:
            self._record(ctx, todo, instances)
        for app in old:
            if any(a is app for a, _ in todo):
                ctx.log.info(msg.DELETING_ROUTES.format(app=app.name), app=app.name)
        map_all(lambda item: unmap(ctx, item[1], item[0].guid), todo, ctx.settings.max_parallel_apps)
        if ctx.plan.live_version:
            self._delete_temporary_routes(ctx, work)
        ctx.save()
        return Wait(next_poll(ctx.now(), 0)) if work.jobs else DONE

    def look_ahead(self, ctx: StepContext) -> None:
        """During the wait for the routers to learn the new apps: the productive routes already hold both
        colours, and the old apps are this MTA's, held by its lock."""
        work = ctx.plan.pending.get(self.name)
        if work is None or not work.jobs:  # not once it is deleting the temporary routes
            ctx.looks[self.name] = self._lookup(ctx, observe.old_apps(ctx))

    @staticmethod
    def _lookup(ctx: StepContext, old: list[DeployedApp]) -> tuple[list[CcRoute], dict[str, int]]:
        guids = [a.guid for a in old]
        return both(lambda: cc_routes.for_apps(ctx.cc, guids), lambda: cc_processes.web_instances(ctx.cc, guids))

    @staticmethod
    def _record(ctx: StepContext, todo: list[tuple[DeployedApp, CcRoute]], instances: dict[str, int]) -> None:
        """Persist which old instances leave which route, before they do."""
        known = {(u.host, u.path, u.app_guid) for u in ctx.plan.unmapped}
        for app, route in todo:
            host = route.url.split("/", 1)[0]
            if (host, route.path, app.guid) not in known:
                ctx.plan.unmapped.append(Unmapped(host, route.path, app.guid, app.name, instances.get(app.guid, 1)))
        ctx.save()

    @staticmethod
    def _delete_temporary_routes(ctx: StepContext, work: Pending) -> None:
        wanted: dict[tuple[str, str, str], str] = {}  # (domain guid, host, path) -> url
        for spec in ctx.model("live").apps:
            live_urls = {r.url for r in spec.routes}
            for route in spec.idle_routes:
                if route.url in live_urls:
                    continue
                try:
                    wanted[(domain_guid(ctx, route.domain), route.host, route.path)] = route.url
                except ContentError:
                    continue  # no such domain: no such route
        found = cc_routes.with_hosts(ctx.cc, [d for d, _, _ in wanted], [h for _, h, _ in wanted if h])
        doomed = [(r.guid, wanted[key]) for r in found if (key := (r.domain_guid, r.host, r.path)) in wanted]

        def delete(item: tuple[str, str]) -> str | None:
            ctx.log.info(msg.DELETING_IDLE_ROUTE.format(route=item[1]), route=item[1])
            return cc_routes.delete(ctx.cc, item[0])

        work.jobs = [j for j in map_all(delete, doomed, ctx.settings.max_parallel_apps) if j]
        work.since, work.polls = ctx.now(), 0
