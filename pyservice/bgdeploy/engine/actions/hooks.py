"""Hooks and `tasks` of a module, run on one app one after another, and stopping an app between its
before-stop and after-stop hooks. Which phases apply when is `engine.hook_moments`' business."""

from __future__ import annotations

from bgdeploy import messages as msg
from bgdeploy.cc import apps as cc_apps
from bgdeploy.engine.actions.tasks import advance_task
from bgdeploy.engine.hook_moments import Phases, hooks_at
from bgdeploy.engine.plan import AppWork
from bgdeploy.engine.step import StepContext
from bgdeploy.engine.timeouts import task_timeout
from bgdeploy.mta.model import AppSpec


def run_hooks(ctx: StepContext, spec: AppSpec | None, app_guid: str, app_name: str, phases: Phases) -> float | None:
    """The hooks at `phases`, in descriptor order; None once all succeeded, else when to look again."""
    if spec is None:
        return None
    names = set(hooks_at(spec, phases))
    for hook in (h for h in spec.hooks if h.name in names):
        again = advance_task(ctx, f"{app_guid}/{phases[0]}/{hook.name}", app_guid, app_name, hook.task,
                             task_timeout(ctx.options, spec), hook=hook.name)
        if again is not None:
            return again
    return None


def run_tasks(ctx: StepContext, spec: AppSpec, app_guid: str, app_name: str) -> float | None:
    """The module's `tasks`, in order, once per operation."""
    for i, task in enumerate(spec.tasks):
        again = advance_task(ctx, f"{app_guid}/tasks/{i}", app_guid, app_name, task, task_timeout(ctx.options, spec))
        if again is not None:
            return again
    return None


def stop_with_hooks(ctx: StepContext, work: AppWork, spec: AppSpec, before: Phases, after: Phases) -> float | None:
    """Before a restart: when the module has hooks around a stop, stop the app between them (a restart
    without such hooks stays one restart). None when done (`work.app_state` says whether it is stopped)."""
    if not hooks_at(spec, before + after):
        return None
    if work.app_state == "STARTED":
        again = run_hooks(ctx, spec, work.guid, work.name, before)
        if again is not None:
            return again
        ctx.log.info(msg.STOPPING_APP.format(app=work.name), app=work.name, module=spec.module)
        work.hook_stop = True  # before the stop: a crash right after it still runs the after-stop hooks
        ctx.save()
        cc_apps.stop(ctx.cc, work.guid)
        work.app_state = "STOPPED"
        ctx.save()
    if not work.hook_stop:  # nothing was stopped (a new app, or one stopped already)
        return None
    return run_hooks(ctx, spec, work.guid, work.name, after)
