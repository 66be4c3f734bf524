"""Wait until the routers have learnt the last route change (the deadline is persisted, so a crash
does not skip the wait)."""

from __future__ import annotations

from bgdeploy import messages as msg
from bgdeploy.engine.step import DONE, Step, StepContext, StepResult, Wait


class SettleRoutes(Step):
    error_message = "Error waiting for the routers"

    def __init__(self, key: str) -> None:
        self.key = key
        self.name = f"settle-{key}"

    def run(self, ctx: StepContext) -> StepResult:
        until = ctx.plan.settle.get(self.key)
        if not until:
            return DONE
        left = until - ctx.now()
        if left <= 0:
            return DONE
        if ctx.plan.once(f"settle-{self.key}"):
            ctx.log.info(msg.ROUTES_SETTLING.format(seconds=round(left, 1)))
            ctx.save()
        return Wait(until)
