"""Staged work items advanced together: each one keeps its own poll schedule."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any, cast

from bgdeploy.engine.concurrency import advance_together
from bgdeploy.engine.plan import AppWork
from bgdeploy.engine.staged import Staged
from bgdeploy.engine.step import StepContext


class FakeContext:
    def __init__(self) -> None:
        self.t = 100.0
        self.lock = threading.Lock()

    def now(self) -> float:
        return self.t

    def save(self) -> None:
        pass

    def check_aborted(self) -> None:
        pass


@dataclass
class Poller(Staged):
    """Polls its stage every `every_s` seconds (like a stats or job poll) and counts its looks."""

    ctx: Any
    every_s: float
    work: AppWork = field(default_factory=lambda: AppWork("m"))
    looks: int = 0
    first_stage = "waiting"

    def stage_waiting(self) -> float:
        self.looks += 1
        return float(self.ctx.now() + self.every_s)


def test_an_item_is_not_polled_before_its_time_when_another_item_wakes_earlier() -> None:
    ctx = FakeContext()
    quick, slow = Poller(ctx, 0.25), Poller(ctx, 1.0)
    step_ctx = cast(StepContext, ctx)
    for _ in range(4):  # the runner wakes when the earliest is due: four times within one second
        wake = advance_together(step_ctx, [quick.advance, slow.advance], 2)
        assert wake is not None
        ctx.t = wake
    assert quick.looks == 4
    assert slow.looks == 1  # only its first look; its next one is due at 101.0
    assert ctx.t == 101.0 and advance_together(step_ctx, [quick.advance, slow.advance], 2) == 101.25
    assert slow.looks == 2


def test_a_new_stage_is_run_at_once_whatever_the_last_wait_was() -> None:
    ctx = FakeContext()
    item = Poller(ctx, 5.0)
    assert item.advance() == 105.0
    item.go("waiting")  # e.g. a retry sends it back: no wait left from the stage before
    assert item.advance() == 105.0
    assert item.looks == 2
