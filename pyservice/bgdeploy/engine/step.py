"""The step contract and what a step may use.

`Step.run(ctx)` observes Cloud Controller, acts on the difference, and returns:
- `DONE`: go on with the next step;
- `Wait(until)`: call this step again at wall time `until` (polls and settling; the runner waits, with an
  injected clock, so a step never sleeps);
- `PAUSE`: stop in ACTION_REQUIRED until the user resumes; the step then runs again and lets the
  operation past it.
Any exception fails the step; `error_message` says what failed. A step imports plan, observe and
actions, never another step.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bgdeploy.cc import CloudController
from bgdeploy.clock import Clock
from bgdeploy.engine.events import ProgressLog
from bgdeploy.engine.group_save import GroupSave
from bgdeploy.engine.options import DeployOptions
from bgdeploy.engine.plan import DeploymentPlan
from bgdeploy.engine.settings import EngineSettings
from bgdeploy.engine.smoke_box import SmokeBox
from bgdeploy.errors import OperationAborted
from bgdeploy.mta.model import DeploymentModel, Phase
from bgdeploy.store import OperationRecord


@dataclass(frozen=True)
class Done:
    pass


@dataclass(frozen=True)
class Wait:
    until: float  # wall-clock seconds


@dataclass(frozen=True)
class Pause:
    pass


StepResult = Done | Wait | Pause
DONE = Done()
PAUSE = Pause()


class Step:
    name: str = ""
    error_message: str = "Step failed"
    phase: str | None = None  # operation phase recorded when the step starts
    pauses: bool = False  # may stop for the user: no later step looks ahead past it

    def run(self, ctx: StepContext) -> StepResult:  # pragma: no cover - interface
        raise NotImplementedError

    def blocks_look_ahead(self, ctx: StepContext) -> bool:
        """True when this step may stop for the user or change what later steps read: none reads past it."""
        return self.pauses

    def look_ahead(self, ctx: StepContext) -> None:
        """Reads only: what `run` will need, made while an earlier step waits (the drain), kept in
        `ctx.looks[self.name]` for `run` to use once. Only for reads that stay true until then (this MTA's
        own resources, held by its lock); none by default."""


@dataclass
class History:
    """Earlier operations of this MTA in this space (newest first), for the colour decision."""

    previous: Callable[[], list[OperationRecord]]


@dataclass
class StepContext:
    op: OperationRecord
    plan: DeploymentPlan
    options: DeployOptions
    models: dict[str, DeploymentModel]  # by phase, resolved once at pre-flight
    cc: CloudController
    log: ProgressLog
    clock: Clock
    settings: EngineSettings
    archive_path: str
    history: History
    aborted: threading.Event
    persist: Callable[[OperationRecord], None]
    smoke: SmokeBox = field(default_factory=SmokeBox)  # where the shim's smoke-test report arrives
    looks: dict[str, Any] = field(default_factory=dict)  # Step.look_ahead's reads (in memory: a new run reads)
    _lock: threading.RLock = field(default_factory=threading.RLock)
    _saves: GroupSave = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._saves = GroupSave(self._write, self._lock)

    def model(self, phase: Phase = "live") -> DeploymentModel:
        return self.models.get(phase) or self.models["live"]

    def save(self) -> None:
        """Persist the operation and its plan in one write (steps call this after every change); when it
        returns, a write made after the call holds the change (saves side by side share one: group_save)."""
        self._saves.save()

    def _write(self) -> None:
        with self._lock:
            self.op.data = self.plan.plain()
            self.persist(self.op)

    def check_aborted(self) -> None:
        if self.aborted.is_set():
            raise OperationAborted("The operation was aborted")

    def now(self) -> float:
        return self.clock.now()

    @property
    def lock(self) -> threading.RLock:
        return self._lock
