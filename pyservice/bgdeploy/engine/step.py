"""The step contract: `run(ctx)` observes Cloud Controller, acts on the difference, and returns
Done, Wait(seconds) or Pause. Any exception fails the step; `error_message` says what failed."""

from __future__ import annotations

from dataclasses import dataclass

from bgdeploy.engine.context import OperationContext


@dataclass(frozen=True)
class Done:
    pass


@dataclass(frozen=True)
class Wait:
    seconds: float  # run the same step again after this long (persisted deadlines make it crash-safe)


@dataclass(frozen=True)
class Pause:
    pass  # ACTION_REQUIRED: wait for the user's resume or abort


StepResult = Done | Wait | Pause
DONE = Done()
PAUSE = Pause()


class Step:
    name: str = ""
    error_message: str = "Step failed"
    phase: str | None = None  # operation phase recorded when the step starts

    def run(self, ctx: OperationContext) -> StepResult:  # pragma: no cover - interface
        raise NotImplementedError
