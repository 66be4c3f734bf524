"""The descriptor's smoke checks (`bg-smoke-tests`), before the pause: each check of each module GETs each of
the module's temporary routes, through the routers as a user would. A check passes on the expected status
(and text); a failed try is repeated after a back-off, `retries` times; then the step fails naming it, the
old version still serving and the new one left on its temporary routes. `-a retry` checks all over again.

Tries of one round go out side by side; the progress of each check is in the plan, so a restart continues.
"""

from __future__ import annotations

from bgdeploy import messages as msg
from bgdeploy.engine import smoke
from bgdeploy.engine.concurrency import map_all
from bgdeploy.engine.plan import SmokeCheckRun
from bgdeploy.engine.step import DONE, Step, StepContext, StepResult, Wait
from bgdeploy.errors import ContentError
from bgdeploy.mta.model import SmokeCheck
from bgdeploy.routers.addresses import AddressMap
from bgdeploy.routers.fetch import Fetched, fetch

MAX_BACKOFF_S = 5.0


class DescriptorSmokeChecks(Step):
    name = "smoke-checks"
    error_message = "Smoke test failed"

    def run(self, ctx: StepContext) -> StepResult:
        if not smoke.wanted(ctx):
            return DONE
        if not smoke.applies(ctx):
            if ctx.plan.once(self.name):
                ctx.log.info(smoke.skipped_reason(ctx))
                ctx.save()
            return DONE
        work = ctx.plan.smoke
        if work.checks is None:
            work.checks = _planned(ctx)
            if work.checks:
                ctx.log.info(msg.SMOKE_CHECKING.format(what=smoke.counted(len(work.checks), "smoke check")))
            ctx.save()
        specs = {spec.module: spec.smoke_tests for spec in ctx.model("idle").apps}
        now = ctx.now()
        due = [run for run in work.checks if not run.passed and run.next_at <= now]
        addresses = AddressMap.parse(ctx.settings.route_addresses)
        answers = map_all(lambda run: _try(ctx, addresses, run, specs[run.module][run.check]), due,
                          ctx.settings.max_parallel_apps)
        for run, answer in zip(due, answers, strict=True):
            check = specs[run.module][run.check]
            run.tries += 1
            if _passes(check, answer):
                run.passed = True
                ctx.log.info(msg.SMOKE_CHECK_PASSED.format(url=run.url + check.path, answer=answer.status),
                             module=run.module)
                continue
            run.last = _got(check, answer)
            if run.tries > check.retries:
                work.checks = None  # a retry checks all over again
                ctx.save()
                raise ContentError(msg.SMOKE_CHECK_FAILED.format(module=run.module, url=run.url + check.path,
                                                                 got=run.last, expected=_expected(check),
                                                                 tries=run.tries))
            ctx.log.info(msg.SMOKE_CHECK_RETRY.format(url=run.url + check.path, got=run.last,
                                                      left=check.retries + 1 - run.tries), module=run.module)
            run.next_at = ctx.now() + min(MAX_BACKOFF_S, 2.0 ** (run.tries - 1))
        ctx.save()
        left = [run.next_at for run in work.checks if not run.passed]
        return Wait(min(left)) if left else DONE


def _planned(ctx: StepContext) -> list[SmokeCheckRun]:
    runs = []
    for spec in ctx.model("idle").apps:
        if spec.no_route:
            continue
        for index in range(len(spec.smoke_tests)):
            runs.extend(SmokeCheckRun(spec.module, index, smoke.route_url(ctx, route)) for route in spec.idle_routes)
    return runs


def _try(ctx: StepContext, addresses: AddressMap, run: SmokeCheckRun, check: SmokeCheck) -> Fetched:
    ctx.check_aborted()
    return fetch(addresses, run.url + check.path, timeout_s=check.timeout_ms / 1000, verify_tls=not ctx.op.skip_ssl)


def _passes(check: SmokeCheck, answer: Fetched) -> bool:
    return answer.status == check.expect_status and (check.expect_body is None or check.expect_body in answer.body)


def _got(check: SmokeCheck, answer: Fetched) -> str:
    if answer.status == check.expect_status:
        return f"answered {answer.status} without {_quoted(check.expect_body or '')}"
    return answer.describe()


def _expected(check: SmokeCheck) -> str:
    text = f"status {check.expect_status}"
    return text + (f" with {_quoted(check.expect_body)}" if check.expect_body else "")


def _quoted(text: str) -> str:
    return "'" + text.replace("'", "\\'") + "'"
