"""The user's --smoke-test commands, before the pause. They run on the user's machine, so the engine asks an
attached shim to run them (a request in the operation's smoke box, handed over on the Watch stream, with the
temporary and productive URLs) and waits for its report. All passed: on to the pause (or, with --no-confirm,
the switch). One failed: the step fails naming it, the old version still serving. Nobody attached to run them,
or no report in time: the step fails too, saying how to run them (`-a retry` asks again, a new attempt).
"""

from __future__ import annotations

from bgdeploy import messages as msg
from bgdeploy.engine import smoke
from bgdeploy.engine.plan import IDLE_LIVE
from bgdeploy.engine.smoke_box import SmokeOutcome, SmokeRequest
from bgdeploy.engine.step import DONE, Step, StepContext, StepResult, Wait
from bgdeploy.errors import ContentError, InfrastructureError

DEFAULT_TIMEOUT_S = 300
DELIVERY_S = 30.0  # a shim that watches gets the request within a poll; none after this long: nobody watches
REPORT_GRACE_S = 30.0
POLL_S = 0.2


class ShimSmokeTests(Step):
    name = "smoke-tests"
    error_message = "Smoke test failed"

    def run(self, ctx: StepContext) -> StepResult:
        count = ctx.options.smoke_tests
        work = ctx.plan.smoke
        if count <= 0 or work.passed or not smoke.applies(ctx):
            return DONE
        box = ctx.smoke
        if not work.asked_at or box.attempt() != work.attempt:  # a new attempt (also after an engine restart)
            return self._ask(ctx)
        now = ctx.now()
        outcomes = box.answer(work.attempt)
        if outcomes is None:
            timeout = ctx.options.smoke_test_timeout_s or DEFAULT_TIMEOUT_S
            if not box.was_delivered(work.attempt) and now - work.asked_at > DELIVERY_S:
                self._reset(ctx)
                raise InfrastructureError(msg.SMOKE_NOBODY.format(command=_command(ctx), id=ctx.op.id))
            limit = DELIVERY_S + count * timeout + REPORT_GRACE_S
            if now - work.asked_at > limit:
                self._reset(ctx)
                raise InfrastructureError(msg.SMOKE_NO_REPORT.format(seconds=int(limit)))
            return Wait(now + POLL_S)
        for outcome in outcomes:
            ctx.log.debug(f"smoke test {outcome.command!r}: {'passed' if outcome.passed else 'failed'}, "
                          f"{outcome.why()}")
        failed = next((o for o in outcomes if not o.passed), None)
        if failed is None and len(outcomes) < count:
            failed = SmokeOutcome("", False, error=f"the cf CLI reported {len(outcomes)} of {count} commands")
        if failed is not None:
            self._reset(ctx)
            raise ContentError(msg.SMOKE_COMMAND_FAILED.format(command=failed.command, why=failed.why()))
        work.passed = True
        box.withdraw()
        ctx.log.info(msg.SMOKE_PASSED)
        ctx.save()
        return DONE

    @staticmethod
    def _ask(ctx: StepContext) -> StepResult:
        work = ctx.plan.smoke
        work.attempt += 1
        work.asked_at = ctx.now()
        ctx.save()  # the attempt first: a report always names the attempt the plan knows
        idle, live = smoke.urls(ctx)
        model = ctx.model("idle")
        ctx.log.info(msg.SMOKE_COMMANDS.format(what=smoke.counted(ctx.options.smoke_tests, "smoke-test command")))
        ctx.smoke.post(SmokeRequest(  # after the line above: watchers hand it over only after the lines before it
            attempt=work.attempt, idle_urls=idle, live_urls=live, mta_id=model.mta_id, mta_version=model.version,
            timeout_s=ctx.options.smoke_test_timeout_s or DEFAULT_TIMEOUT_S, commands=ctx.options.smoke_tests))
        return Wait(ctx.now() + POLL_S)

    @staticmethod
    def _reset(ctx: StepContext) -> None:
        ctx.plan.smoke.asked_at = 0.0
        ctx.smoke.withdraw()
        ctx.save()


def _command(ctx: StepContext) -> str:
    return "deploy" if ctx.plan.scheme == IDLE_LIVE else "bg-deploy"
