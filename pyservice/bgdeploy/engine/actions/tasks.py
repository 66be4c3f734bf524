"""Running one task to its end: created once (found again by its annotation after a lost answer),
watched until SUCCEEDED; FAILED, or running past its timeout (then cancelled), fails the step.

Progress is the plan's `TaskRun` under a key the caller chooses (app, moment, hook), so a retry after a
failure runs the task again, and a retry after anything else does not run a finished task twice.
"""

from __future__ import annotations

from bgdeploy import messages as msg
from bgdeploy.cc import tasks as cc_tasks
from bgdeploy.cc.models import Task
from bgdeploy.engine.actions.create import create_or_adopt
from bgdeploy.engine.plan import TaskRun
from bgdeploy.engine.polling import expired, next_poll
from bgdeploy.engine.step import StepContext
from bgdeploy.errors import InfrastructureError, StepTimeoutError
from bgdeploy.mta.model import TaskSpec

TASK_ANNOTATION = "bgdeploy/task"


def advance_task(ctx: StepContext, key: str, app_guid: str, app_name: str, spec: TaskSpec, timeout_s: int, *,
                 hook: str = "") -> float | None:
    """One look (and at most one write): None once the task succeeded, else when to look again."""
    with ctx.lock:
        run = ctx.plan.tasks.setdefault(key, TaskRun())
    if run.done:
        return None
    if not run.guid:
        _start(ctx, run, key, app_guid, app_name, spec, hook)
    task = cc_tasks.get(ctx.cc, run.guid)
    if task.state == "SUCCEEDED":
        run.done = True
        ctx.save()
        return None
    if task.state == "FAILED":
        _again_later(ctx, run)
        raise InfrastructureError(msg.TASK_FAILED.format(task=spec.name, app=app_name, state=task.state,
                                                         reason=task.failure_reason or "no reason given"))
    if expired(ctx.now(), run.since, timeout_s):
        ctx.log.info(msg.CANCELING_TASK.format(task=spec.name, app=app_name), app=app_name)
        cc_tasks.cancel(ctx.cc, run.guid)
        _again_later(ctx, run)
        raise StepTimeoutError(msg.TASK_TIMED_OUT.format(task=spec.name, app=app_name, seconds=timeout_s))
    run.polls += 1
    return next_poll(ctx.now(), run.polls)


def _start(ctx: StepContext, run: TaskRun, key: str, app_guid: str, app_name: str, spec: TaskSpec,
           hook: str) -> None:
    mark = f"{ctx.op.id}/{key}#{run.attempt}"

    def find() -> Task | None:
        return next((t for t in cc_tasks.named(ctx.cc, app_guid, spec.name)
                     if t.annotations.get(TASK_ANNOTATION) == mark), None)

    if hook:
        ctx.log.info(msg.EXECUTING_HOOK.format(hook=hook), app=app_name)
    ctx.log.info(msg.EXECUTING_TASK.format(task=spec.name, app=app_name), app=app_name)
    task = create_or_adopt(find, lambda: cc_tasks.create(ctx.cc, app_guid, spec.name, spec.command,
                                                         memory_mb=spec.memory_mb, disk_mb=spec.disk_mb,
                                                         annotations={TASK_ANNOTATION: mark}))
    run.guid, run.since, run.polls = task.guid, ctx.now(), 0
    ctx.save()


def _again_later(ctx: StepContext, run: TaskRun) -> None:
    """A retry of the step runs a new task (with a new mark, so the failed one is never adopted)."""
    run.guid, run.attempt = "", run.attempt + 1
    ctx.save()
