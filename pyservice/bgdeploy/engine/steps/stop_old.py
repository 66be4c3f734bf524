"""The old apps stop, each between its before-stop.live and after-stop.live hooks, once nothing routes
to them any more; with a dependency-aware stop order, consumers first (`stop_order.stop_waves`), each wave
only once the previous one's instances are down. An app that goes (not kept for rollback) is deleted right
after its stop; undeploy-old waits for the deletions and removes the others (bindings, app)."""

from __future__ import annotations

from bgdeploy import messages as msg
from bgdeploy.cc import apps as cc_apps
from bgdeploy.cc import processes as cc_processes
from bgdeploy.cc.errors import NotFound
from bgdeploy.engine import observe
from bgdeploy.engine.actions.hooks import run_hooks
from bgdeploy.engine.actions.removal import advance_removal, removal_of
from bgdeploy.engine.concurrency import map_all
from bgdeploy.engine.hook_moments import OLD_AFTER_STOP, OLD_BEFORE_STOP
from bgdeploy.engine.plan import DeployedApp, OldAppStop
from bgdeploy.engine.polling import expired, next_poll
from bgdeploy.engine.step import DONE, Step, StepContext, StepResult, Wait
from bgdeploy.engine.stop_order import stop_waves
from bgdeploy.errors import CloudControllerError, StepTimeoutError
from bgdeploy.mta.model import AppSpec

STOP_TIMEOUT_S = 600  # Diego gives an instance 10 s after SIGTERM; this is only a safety net


class StopOldApps(Step):
    name = "stop-old"
    error_message = "Error stopping the old applications"
    phase = "UNDEPLOY"

    def run(self, ctx: StepContext) -> StepResult:
        specs = {s.module: s for s in ctx.model("live").apps}
        ordered = ctx.options.dependency_aware_stop_order or ctx.model("live").dependency_aware_stop_order
        for wave in stop_waves(observe.old_apps(ctx), specs, ordered):
            waits = [w for w in map_all(lambda a: _advance(ctx, a, specs.get(a.module), ordered), wave,
                                        ctx.settings.max_parallel_apps) if w is not None]
            ctx.save()
            if waits:
                return Wait(min(waits))
        return DONE


def _advance(ctx: StepContext, old: DeployedApp, spec: AppSpec | None, wait_down: bool) -> float | None:
    with ctx.lock:
        work = ctx.plan.stops.setdefault(old.guid, OldAppStop())
    if work.stage == "":
        again = run_hooks(ctx, spec, old.guid, old.name, OLD_BEFORE_STOP)
        if again is not None:
            return again
        # No look first: the stop is idempotent and a missing app is stopped. It is announced unless the
        # app was found stopped (by detect, the last read of it).
        ctx.check_aborted()
        if old.state != "STOPPED":
            ctx.log.info(msg.STOPPING_APP.format(app=old.name), app=old.name, module=old.module)
        try:
            cc_apps.stop(ctx.cc, old.guid)
        except NotFound:
            work.stage = "done"
            return None
        work.stage, work.since, work.polls = "stopped", ctx.now(), 0
        # saved with the next change: a crash before it stops the app again, which changes nothing
    if work.stage == "stopped":
        if wait_down and _instances_up(ctx, old.guid):  # the next wave waits until these are really down
            if expired(ctx.now(), work.since, STOP_TIMEOUT_S):
                raise StepTimeoutError(f'Application "{old.name}" did not stop within {STOP_TIMEOUT_S} seconds')
            work.polls += 1
            ctx.save()
            return next_poll(ctx.now(), work.polls)
        again = run_hooks(ctx, spec, old.guid, old.name, OLD_AFTER_STOP)
        if again is not None:
            ctx.save()
            return again
        work.stage = "done"
        if not _start_deletion(ctx, old):  # else the deletion's record saved this one with it
            ctx.save()
    return None


def _start_deletion(ctx: StepContext, old: DeployedApp) -> bool:
    """An old app that undeploy-old deletes without looking at it (off every route, stopped, not kept) is
    deleted right after its own stop, as the deploy service undeploys each app on its own: not after the
    last old app stopped. undeploy-old waits for the deletion. True once the deletion is recorded (saved):
    a crash before that stops and deletes the app again, and a missing app counts as stopped and gone."""
    if observe.keeps_old_apps(ctx) or not any(u.app_guid == old.guid for u in ctx.plan.unmapped):
        return False
    removal = removal_of(ctx, old.guid, old.name)
    if removal.stage:
        return False
    try:
        advance_removal(ctx, old.guid, removal, unmapped=True, stopped=True)  # its jobs: undeploy-old's
    except CloudControllerError as exc:  # undeploy-old looks at the app again and deletes it (or fails)
        ctx.log.debug(f"deleting {old.name} after its stop failed ({exc}); undeploy-old tries again")
        return False
    return True


def _instances_up(ctx: StepContext, app_guid: str) -> bool:
    try:
        proc = cc_processes.web(ctx.cc, app_guid)
    except NotFound:  # gone: nothing is up
        return False
    return any(s in ("RUNNING", "STARTING") for s in cc_processes.instance_states(ctx.cc, proc.guid))
