"""The pause before the switch: ACTION_REQUIRED until the user resumes (or aborts).

Pausing does not move the operation past this step; a resume marks the plan `resumed` and runs this
step again, which then lets it through. So no crash, restart or retry can get past the pause without
the user's resume.
"""

from __future__ import annotations

from bgdeploy import messages as msg
from bgdeploy.engine import observe
from bgdeploy.engine.plan import IDLE_LIVE
from bgdeploy.engine.step import DONE, PAUSE, Step, StepContext, StepResult


class AwaitConfirmation(Step):
    name = "pause"
    error_message = "Error entering the validation phase"
    pauses = True

    def run(self, ctx: StepContext) -> StepResult:
        if not observe.pauses_for_testing(ctx):
            return DONE
        if ctx.plan.resumed:
            return DONE
        ctx.log.info(msg.TESTING_PHASE_STRATEGY if ctx.plan.scheme == IDLE_LIVE else msg.TESTING_PHASE)
        return PAUSE
