"""Wait until the routers have learnt a route change before the next step relies on it
(engine/route_check.py: probes, or the timer where the routers cannot be probed).

- after_deploy: the temporary routes answer from every new instance before the smoke tests and the pause, so
  they reach the new version (only when one of them follows);
- after_map: every productive route answers from every new instance before any old destination goes;
- after_unmap: no productive route still routes to an old instance; then the drain lets requests in
  flight on them finish, probing on for a router that still routes to one. Only then may the old apps stop.
Nothing is live on a first deploy, and apps that were not started have no instances: no wait.
"""

from __future__ import annotations

from collections.abc import Callable

from bgdeploy import messages as msg
from bgdeploy.engine import route_check, smoke
from bgdeploy.engine.actions.kept import live_routes
from bgdeploy.engine.plan import ProbeTarget, RouteCheck
from bgdeploy.engine.step import DONE, Step, StepContext, StepResult, Wait
from bgdeploy.errors import StepTimeoutError
from bgdeploy.mta.model import AppSpec, Route
from bgdeploy.routers.probe import Prober

AFTER_DEPLOY, AFTER_MAP, AFTER_UNMAP = "after_deploy", "after_map", "after_unmap"


class ConfirmRoutes(Step):
    error_message = "Error waiting for the routers"

    def __init__(self, key: str) -> None:
        self.key = key
        self.name = f"routes-{key}"

    def run(self, ctx: StepContext) -> StepResult:
        probe = route_check.prober(ctx)
        try:
            again = self._wait(ctx, probe)
        finally:
            probe.close()
        return DONE if again is None else Wait(again)

    def _wait(self, ctx: StepContext, probe: Prober) -> float | None:
        plan = ctx.plan
        check = plan.checks.get(self.name)
        if check is None:
            check = route_check.begin(ctx, TARGETS[self.key](ctx), probe)
            plan.checks[self.name] = check
            ctx.save()
        if check.done and check.drain_until:
            return _drain(ctx, check, probe)
        try:
            again = route_check.advance(ctx, check, probe, after_switch=self.key == AFTER_UNMAP)
        except StepTimeoutError:
            del plan.checks[self.name]  # a retry waits afresh
            ctx.save()
            raise
        if again is None and self.key == AFTER_UNMAP:
            again = _drain(ctx, check, probe)
        ctx.save()
        return again


def _drain(ctx: StepContext, check: RouteCheck, probe: Prober) -> float | None:
    """Requests in flight on the old instances finish. The routers are probed on meanwhile: one that
    still routes to an old instance sends the wait back to confirming, and the drain starts again after
    it. A round that changes nothing is not saved: a restart goes on draining from the saved deadline."""
    seconds = route_check.policy(ctx).drain_s
    if not check.targets or seconds <= 0:
        return None
    if not check.drain_until:
        check.drain_until = ctx.now() + seconds
        ctx.log.info(msg.DRAINING.format(seconds=f"{seconds:g}"))
    left = check.drain_until - ctx.now()
    if left <= 0:
        return None
    if left < route_check.DRAIN_ROUND_S:
        return check.drain_until  # a round now would end after the drain: the stop must not wait for it
    if route_check.recheck(ctx, check, probe):
        check.drain_until = 0.0
        ctx.save()
        return ctx.now()
    return min(check.drain_until, ctx.now() + route_check.DRAIN_ROUND_S)


def _new_instances(ctx: StepContext, routes_of: Callable[[AppSpec], list[Route]]) -> list[ProbeTarget]:
    """Every started new instance on each of its routes (as `routes_of` gives them)."""
    targets = []
    for spec in ctx.model("live").apps:
        work = ctx.plan.apps.get(spec.module)
        if spec.no_route or work is None or not work.guid or work.app_state != "STARTED":
            continue
        for route in routes_of(spec):
            host = f"{route.host}.{route.domain}" if route.host else route.domain
            targets.extend(ProbeTarget(host, route.path, f"{work.guid}:{index}", work.name, present=True)
                           for index in range(work.instances))
    return targets


def temporary_routes(ctx: StepContext) -> list[ProbeTarget]:
    plan, options = ctx.plan, ctx.options
    if not plan.live_version or options.skip_idle_start:
        return []  # no temporary routes
    if options.no_confirm and not smoke.wanted(ctx):
        return []  # neither the pause nor smoke tests follow: nobody uses the temporary routes
    idle = {spec.module: spec for spec in ctx.model("idle").apps}
    return _new_instances(ctx, lambda spec: idle[spec.module].idle_routes if spec.module in idle else [])


def productive_routes(ctx: StepContext) -> list[ProbeTarget]:
    """The descriptor's productive routes and, with keep-existing-routes, the live app's other routes."""
    if not ctx.plan.live_version:
        return []
    return _new_instances(ctx, lambda spec: spec.routes + _kept(ctx, spec))


def _kept(ctx: StepContext, spec: AppSpec) -> list[Route]:
    named = {r.url for r in spec.routes}
    # a probe only needs the whole hostname: it goes in `domain`, with no host
    return [Route("", r.url.removesuffix(r.path), r.path) for r in live_routes(ctx, spec) if r.url not in named]


def old_instances_gone(ctx: StepContext) -> list[ProbeTarget]:
    return [ProbeTarget(u.host, u.path, f"{u.app_guid}:{index}", u.app, present=False)
            for u in ctx.plan.unmapped for index in range(u.instances)]


TARGETS: dict[str, Callable[[StepContext], list[ProbeTarget]]] = {
    AFTER_DEPLOY: temporary_routes, AFTER_MAP: productive_routes, AFTER_UNMAP: old_instances_gone,
}
