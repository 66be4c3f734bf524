"""A rollback brings the kept apps back: each is scaled to the instances it had before the resume that kept
it, started, and waited for until all its instances run (side by side). Only when all of them run are their
backup marks removed, right before the switch: a rollback that stops earlier leaves them a backup still.

Each app's progress is an AppWork in `plan.apps` (by module), which is what the switch steps of resume read
for "the new apps": their guid, name and state.
"""

from __future__ import annotations

from bgdeploy import messages as msg
from bgdeploy.cc import apps as cc_apps
from bgdeploy.cc import processes as cc_processes
from bgdeploy.engine import backup
from bgdeploy.engine.actions import running
from bgdeploy.engine.concurrency import map_all
from bgdeploy.engine.plan import AppWork
from bgdeploy.engine.polling import next_poll
from bgdeploy.engine.step import DONE, Step, StepContext, StepResult, Wait
from bgdeploy.engine.timeouts import app_timeouts
from bgdeploy.errors import ContentError
from bgdeploy.mta.model import AppSpec

UP, DONE_STAGE = "up", "done"


class StartKeptApps(Step):
    name = "rollback-start"
    error_message = "Error starting the applications kept for rollback"

    def run(self, ctx: StepContext) -> StepResult:
        specs = ctx.model("live").apps
        waits = [w for w in map_all(lambda spec: _advance(ctx, spec), specs, ctx.settings.max_parallel_apps)
                 if w is not None]
        ctx.save()
        if waits:
            return Wait(min(waits))
        for spec in specs:  # all run: from here on they are the rollback's new version, not a backup
            work = ctx.plan.apps[spec.module]
            if work.stage == UP:
                cc_apps.update(ctx.cc, work.guid, metadata={"annotations": backup.unmarked()})
                work.stage = DONE_STAGE
                ctx.save()
        return DONE


def _advance(ctx: StepContext, spec: AppSpec) -> float | None:
    with ctx.lock:
        work = ctx.plan.apps.setdefault(spec.module, AppWork(spec.module))
    while work.stage not in (UP, DONE_STAGE):
        ctx.check_aborted()
        if work.stage == "":
            name = ctx.plan.new_app_name(spec)
            app = cc_apps.find(ctx.cc, ctx.op.space_guid, name)
            if app is None:
                raise ContentError(f'Application "{name}" kept for rollback is gone')
            work.guid, work.name, work.app_state = app.guid, name, app.state
            proc = cc_processes.web(ctx.cc, app.guid)
            if spec.instances and proc.instances != spec.instances:
                ctx.log.info(msg.ROLLBACK_SCALING.format(app=name, instances=spec.instances), app=name)
                cc_processes.scale(ctx.cc, proc.guid, {"instances": spec.instances})
            work.instances = spec.instances or proc.instances  # the route checks probe each one
            work.stage = "start"
        elif work.stage == "start":
            if work.app_state == "STARTED" and running.all_running(ctx, work.guid):
                work.stage = UP
                break
            running.begin_start(ctx, work, started=work.app_state == "STARTED", module=spec.module)
            work.stage = "running"
        elif work.stage == "running":
            if not running.instances_running(ctx, work, app_timeouts(ctx.options, ctx.settings, spec).start_s):
                ctx.save()
                return next_poll(ctx.now(), work.polls)
            running.say_started(ctx, work, spec.module, [])
            work.app_state, work.started, work.stage = "STARTED", True, UP
        ctx.save()
    return None
