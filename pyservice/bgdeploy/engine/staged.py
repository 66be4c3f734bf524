"""A work item advanced stage by stage: its `stage` is persisted in the plan, each `stage_<name>` method runs
one stage and returns None (go on) or the wall time to look again, and the item is saved after every stage.
So a crash or retry continues at the stage that did not finish, and waiting goes back to the runner."""

from __future__ import annotations

from typing import Any

from bgdeploy.engine.polling import FIRST_S, expired, next_poll
from bgdeploy.engine.step import StepContext
from bgdeploy.errors import BgDeployError, StepTimeoutError

DONE_STAGE = "done"


class Staged:
    first_stage = "begin"
    ctx: StepContext
    work: Any  # a plan dataclass with `stage`, `since`, `polls` and `due`

    def advance(self) -> float | None:
        # Items advanced together wake when the earliest of them is due: the others keep their own schedule
        # instead of asking CC again before their time.
        if self.work.stage != DONE_STAGE and self.work.due > self.ctx.now():
            return float(self.work.due)
        while self.work.stage != DONE_STAGE:
            self.ctx.check_aborted()
            stage = self.work.stage or self.first_stage
            try:
                again = getattr(self, f"stage_{stage}")()
            except BgDeployError:
                self.failed(stage)
                raise
            self.ctx.save()
            if again is not None:
                self.work.polls += 1
                self.work.due = again
                return again
        return None

    def failed(self, stage: str) -> None:
        """A stage raised: where a retry should start (by default the same stage again)."""

    def go(self, stage: str) -> None:
        self.work.stage, self.work.since, self.work.polls, self.work.due = stage, self.ctx.now(), 0, 0.0

    def poll(self, first_s: float = FIRST_S) -> float:
        return next_poll(self.ctx.now(), self.work.polls, first_s)

    def check_time(self, timeout_s: float, what: str) -> None:
        if expired(self.ctx.now(), self.work.since, timeout_s):
            raise StepTimeoutError(f"{what} did not finish within {int(timeout_s)} seconds")
