"""Give the new apps their live environment, restarting them while they serve only temporary routes
(between their before-stop.idle, after-stop.idle and before-start.live hooks, when they have any)."""

from __future__ import annotations

from bgdeploy.cc import apps as cc_apps
from bgdeploy.engine.actions import running
from bgdeploy.engine.actions.apps import apply_env
from bgdeploy.engine.actions.hooks import run_hooks, stop_with_hooks
from bgdeploy.engine.actions.kept import desired_env
from bgdeploy.engine.actions.key_env import app_env
from bgdeploy.engine.concurrency import map_all
from bgdeploy.engine.hook_moments import LIVE_BEFORE_START, NEW_AFTER_STOP, NEW_BEFORE_STOP, hooks_at
from bgdeploy.engine.plan import AppWork
from bgdeploy.engine.step import DONE, Step, StepContext, StepResult, Wait
from bgdeploy.engine.timeouts import app_timeouts
from bgdeploy.mta.model import AppSpec

DONE_STAGE = "done"
SWITCH_POLL_S = 0.1  # the switch waits for these restarts: look often (a few requests more, in the resume only)


class PrepareLiveApps(Step):
    name = "prepare-live"
    error_message = "Error preparing the new applications for the switch"
    phase = "AFTER_RESUME"

    def run(self, ctx: StepContext) -> StepResult:
        if not ctx.plan.live_version:
            return DONE
        waits = [w for w in map_all(lambda spec: _advance(ctx, spec), ctx.model("live").apps,
                                    ctx.settings.max_parallel_apps) if w is not None]
        ctx.save()
        return Wait(min(waits)) if waits else DONE


def _advance(ctx: StepContext, spec: AppSpec) -> float | None:
    with ctx.lock:
        work = ctx.plan.live.setdefault(spec.module, AppWork(spec.module))
    while work.stage != DONE_STAGE:
        ctx.check_aborted()
        if work.stage == "":
            name = ctx.plan.new_app_name(spec)
            deployed = ctx.plan.apps.get(spec.module)
            if deployed is not None and deployed.guid and deployed.name == name and _same_env(ctx, spec):
                # deploy-apps gave it this environment already: nothing to read or change
                work.guid, work.name, work.app_state = deployed.guid, name, deployed.app_state
                work.stage = "start"
                continue
            app = cc_apps.find(ctx.cc, ctx.op.space_guid, name)
            if app is None:
                work.stage = DONE_STAGE
                break
            work.guid, work.name, work.app_state = app.guid, name, app.state
            apply_env(ctx, work, app.guid, desired_env(ctx, spec, app_env(ctx, spec)),
                      keep_others=spec.keep_existing_env, restart=spec.restart_on.get("user-provided", True))
            work.stage = "start"
        elif work.stage == "start":
            no_start = spec.no_start if spec.no_start is not None else ctx.options.no_start
            started = work.app_state == "STARTED"
            # Hooks of the resume's stop and start make it restart, as the deploy service always does.
            hooked = started and bool(hooks_at(spec, NEW_BEFORE_STOP + NEW_AFTER_STOP + LIVE_BEFORE_START))
            if no_start or not (work.restart or not started or hooked):
                work.stage = DONE_STAGE
                break
            again = stop_with_hooks(ctx, work, spec, NEW_BEFORE_STOP, NEW_AFTER_STOP)
            if again is None:
                again = run_hooks(ctx, spec, work.guid, work.name, LIVE_BEFORE_START)
            if again is not None:
                work.restart = True  # a stop may have happened: the start must follow whatever else changed
                ctx.save()
                return again
            running.begin_start(ctx, work, started=work.app_state == "STARTED", module=spec.module)
            work.stage = "running"
            ctx.save()
            return ctx.now() + SWITCH_POLL_S
        elif work.stage == "running":
            if not running.instances_running(ctx, work, app_timeouts(ctx.options, ctx.settings, spec).start_s):
                ctx.save()
                return ctx.now() + SWITCH_POLL_S
            running.say_started(ctx, work, spec.module, [])
            work.restart, work.stage = False, DONE_STAGE
        ctx.save()
    return None


def _same_env(ctx: StepContext, spec: AppSpec) -> bool:
    """Whether the module's live environment is the one its new app got in the idle phase."""
    idle = next((s for s in ctx.model("idle").apps if s.module == spec.module), None)
    return idle is not None and idle.env == spec.env
