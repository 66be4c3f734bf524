"""A long wait lets the later steps read ahead (up to a pause); each step uses its early read once."""

from __future__ import annotations

from bgdeploy.engine.runner import LOOK_AHEAD_S, run_steps
from bgdeploy.engine.step import DONE, PAUSE, Step, StepContext, StepResult, Wait
from bgdeploy.engine.steps.delete_keys import DeleteAbandonedServiceKeys
from bgdeploy.engine.steps.delete_services import DeleteDiscontinuedServices

from .world import World, deploy


class Waits(Step):
    name = "waits"

    def __init__(self, seconds: float) -> None:
        self.seconds, self.waited = seconds, False

    def run(self, ctx: StepContext) -> StepResult:
        if self.waited:
            return DONE
        self.waited = True
        return Wait(ctx.now() + self.seconds)


class Reads(Step):
    def __init__(self, name: str) -> None:
        self.name, self.looked, self.used = name, 0, None

    def look_ahead(self, ctx: StepContext) -> None:
        self.looked += 1
        ctx.looks[self.name] = "early"

    def run(self, ctx: StepContext) -> StepResult:
        self.used = ctx.looks.pop(self.name, "its own read")
        return DONE


class Pauses(Step):
    name = "pauses"
    pauses = True

    def run(self, ctx: StepContext) -> StepResult:
        return PAUSE


def test_a_long_wait_lets_later_steps_read_ahead_but_not_past_a_pause(world: World) -> None:
    before, after = Reads("before-pause"), Reads("after-pause")
    run_steps(world.context(), [Waits(LOOK_AHEAD_S), Waits(LOOK_AHEAD_S), before, Pauses(), after])
    assert before.looked == 1 and before.used == "early"  # looked once, though two steps waited
    assert after.looked == 0


def test_a_short_wait_reads_nothing_ahead(world: World) -> None:
    later = Reads("later")
    run_steps(world.context(), [Waits(LOOK_AHEAD_S / 2), later])
    assert later.looked == 0 and later.used == "its own read"


def test_the_cleanup_after_the_switch_reads_nothing_once_it_looked_ahead(world: World) -> None:
    deploy(world, "1.0.0")
    ctx = deploy(world, "2.0.0", until="delete-service-keys")
    keys, services = DeleteAbandonedServiceKeys(), DeleteDiscontinuedServices()
    keys.look_ahead(ctx)
    services.look_ahead(ctx)
    before = len(world.sim.requests())
    world.run(keys, ctx)
    world.run(services, ctx)
    assert world.sim.requests()[before:] == []
    assert ctx.looks == {}  # used up: a second run reads again
