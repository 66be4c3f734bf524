"""A long wait lets the later steps read ahead (up to a pause); each step uses its early read once."""

from __future__ import annotations

from dataclasses import replace

from bgdeploy.engine.runner import LOOK_AHEAD_S, run_steps
from bgdeploy.engine.step import DONE, PAUSE, Step, StepContext, StepResult, Wait
from bgdeploy.engine.steps.delete_keys import DeleteAbandonedServiceKeys
from bgdeploy.engine.steps.delete_services import DeleteDiscontinuedServices
from bgdeploy.engine.steps.incremental_switch import IncrementalSwitch
from bgdeploy.engine.steps.old_app_hooks import BeforeUnmapRoutesHooks
from bgdeploy.engine.steps.unmap_old import UnmapOldApps
from bgdeploy.errors import ContentError

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


class Rounds(Step):
    """Comes back every `gap` seconds until `total` have passed, as a route check's rounds do."""

    name = "rounds"

    def __init__(self, gap: float, total: float) -> None:
        self.gap, self.total, self.started = gap, total, None

    def run(self, ctx: StepContext) -> StepResult:
        self.started = self.started if self.started is not None else ctx.now()
        return DONE if ctx.now() - self.started >= self.total else Wait(ctx.now() + self.gap)


class Changes(Step):
    """A step that changes what later steps read when `acts` (incremental switch, hooks)."""

    name = "changes"

    def __init__(self, acts: bool) -> None:
        self.acts = acts

    def blocks_look_ahead(self, ctx: StepContext) -> bool:
        return self.acts

    def run(self, ctx: StepContext) -> StepResult:
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


def test_a_step_that_keeps_coming_back_lets_later_steps_read_ahead(world: World) -> None:
    """Short waits that add up (a route check's rounds, 25 ms apart) count as one long wait."""
    later = Reads("later")
    run_steps(world.context(), [Rounds(0.025, 2 * LOOK_AHEAD_S), later])
    assert later.looked == 1 and later.used == "early"
    brief = Reads("brief")
    run_steps(world.context(), [Rounds(0.025, LOOK_AHEAD_S / 2), brief])
    assert brief.looked == 0


def test_no_step_reads_ahead_past_one_that_changes_what_it_reads(world: World) -> None:
    passed, blocked = Reads("passed"), Reads("blocked")
    run_steps(world.context(), [Waits(LOOK_AHEAD_S), Changes(False), passed, Changes(True), blocked])
    assert passed.looked == 1 and blocked.looked == 0 and blocked.used == "its own read"


def test_unmapping_the_old_apps_reads_nothing_once_it_looked_ahead(world: World) -> None:
    deploy(world, "1.0.0")
    ctx = deploy(world, "2.0.0", until="unmap-old")
    step = UnmapOldApps()
    step.look_ahead(ctx)
    before = len(world.sim.requests())
    world.run(step, ctx)
    reads = [(r["method"], r["path"]) for r in world.sim.requests()[before:] if r["method"] == "GET"]
    assert ("GET", "/v3/processes") not in reads and reads.count(("GET", "/v3/routes")) == 1  # the temporary ones
    assert len(ctx.plan.unmapped) == 2 and ctx.looks == {}
    serving = {d["app_name"] for r in world.sim.state()["routes"] for d in r["destinations"]}
    assert serving and not {name for name in serving if name.endswith("-blue")}


def test_the_incremental_switch_and_hooks_before_unmapping_hold_the_look_ahead_back(world: World) -> None:
    deploy(world, "1.0.0")
    ctx = deploy(world, "2.0.0", until="unmap-old")
    assert not IncrementalSwitch().blocks_look_ahead(ctx) and not BeforeUnmapRoutesHooks().blocks_look_ahead(ctx)
    ctx.options = replace(ctx.options, strategy="incremental-blue-green")
    assert IncrementalSwitch().blocks_look_ahead(ctx)


class Fails(Step):
    name = "fails"

    def run(self, ctx: StepContext) -> StepResult:
        raise ContentError("no good")


def test_steps_that_change_nothing_cost_no_write_and_a_failure_records_where(world: World) -> None:
    """The cursor's moves ride on the next write: three steps that change nothing, then the end, are one
    write. A failure writes the cursor at the failed step, so a retry runs it (and none before it) again."""
    ctx = world.context()
    writes: list[int] = []
    persist = ctx.persist
    ctx.persist = lambda op: (writes.append(op.cursor), persist(op))[1]  # type: ignore[method-assign]
    run_steps(ctx, [Reads("a"), Reads("b"), Reads("c")])
    assert writes == [3]
    ctx = world.context()
    writes.clear()
    ctx.persist = lambda op: (writes.append(op.cursor), persist(op))[1]  # type: ignore[method-assign]
    run_steps(ctx, [Reads("a"), Reads("b"), Fails()])
    assert writes == [2] and world.store.get_operation(ctx.op.id).cursor == 2  # type: ignore[union-attr]
