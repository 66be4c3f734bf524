"""The step loop of one operation: run the step at the cursor; on Done move on, on Wait let the clock
wait (an abort wakes it), on Pause stop in ACTION_REQUIRED. Every state change is one write; the
cursor's moves ride on the next one."""

from __future__ import annotations

import logging

from bgdeploy.engine.operations import ACTION_REQUIRED, ERROR, FINISHED
from bgdeploy.engine.step import Done, Pause, Step, StepContext, Wait
from bgdeploy.errors import BgDeployError, ContentError, OperationAborted, TokenExpiredError

log = logging.getLogger(__name__)
LOOK_AHEAD_S = 0.5  # waiting at least this long lets later steps read what they will need


class Outcome:
    FINISHED, PAUSED, FAILED, ABORTED = "finished", "paused", "failed", "aborted"


def run_steps(ctx: StepContext, steps: list[Step]) -> str:
    """Run from the stored cursor until the operation finishes, pauses, fails or is aborted."""
    op = ctx.op
    waiting: tuple[int, float] | None = None  # (cursor, since when) of the step that keeps waiting
    while op.cursor < len(steps):
        if ctx.aborted.is_set():
            return Outcome.ABORTED
        step = steps[op.cursor]
        if step.phase and op.phase != step.phase:
            op.phase = step.phase
            ctx.save()
        try:
            result = step.run(ctx)
        except OperationAborted:
            return Outcome.ABORTED
        except BgDeployError as exc:
            return _fail(ctx, step, exc)
        except Exception as exc:  # a bug: keep the traceback in the engine log, not in the user's face
            log.exception("step %s of operation %s failed", step.name, op.id)
            return _fail(ctx, step, exc)
        if ctx.aborted.is_set():
            return Outcome.ABORTED
        if isinstance(result, Wait):
            now = ctx.clock.now()
            if waiting is None or waiting[0] != op.cursor:
                waiting = (op.cursor, now)
            # one long wait, or a step that keeps coming back (a route check's rounds) for as long
            if result.until - now >= LOOK_AHEAD_S or now - waiting[1] >= LOOK_AHEAD_S:
                _look_ahead(ctx, steps[op.cursor + 1:])
            ctx.clock.wait(ctx.aborted, result.until - ctx.clock.now())
            continue
        if isinstance(result, Pause):
            op.state = ACTION_REQUIRED  # the cursor stays: only a resume lets the pause step through
            ctx.save()
            return Outcome.PAUSED
        assert isinstance(result, Done)
        # Not written on its own: the next write carries it (every step saves what it changed, and steps
        # are idempotent, so a crash before that runs the steps since the last write again, which
        # changes nothing). On a switch, that is a dozen writes less between its CC requests.
        op.cursor += 1
    op.state, op.locked, op.ended_at = FINISHED, False, ctx.clock.now()
    op.live_color = ctx.plan.idle_color or ctx.plan.live_color
    ctx.save()
    return Outcome.FINISHED


def _look_ahead(ctx: StepContext, later: list[Step]) -> None:
    """A long wait is time the later steps' reads can use (up to a pause, where the user may take hours, or
    a step that changes what they read)."""
    for step in later:
        if step.blocks_look_ahead(ctx):
            return
        if step.name in ctx.looks:
            continue
        try:
            step.look_ahead(ctx)
        except BgDeployError as exc:  # the step reads for itself when it runs
            log.debug("look-ahead of %s failed: %s", step.name, exc)


def _fail(ctx: StepContext, step: Step, exc: Exception) -> str:
    if ctx.aborted.is_set():
        return Outcome.ABORTED
    content = isinstance(exc, ContentError)
    text = str(exc) if isinstance(exc, TokenExpiredError) else f"{step.error_message}: {exc}"
    ctx.log.error(text)
    ctx.op.state, ctx.op.error_type, ctx.op.error_message = ERROR, "CONTENT" if content else "INFRASTRUCTURE", text
    ctx.save()
    return Outcome.FAILED

