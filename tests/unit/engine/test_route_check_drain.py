"""The drain after the switch goes on probing: a router that still routes to an old instance, one that the
confirming rounds did not reach among many behind one load balancer, holds the old apps' stop back."""

from __future__ import annotations

import pytest

from bgdeploy.engine import route_check
from bgdeploy.engine.plan import DeploymentPlan, ProbeTarget, RouteCheck
from bgdeploy.engine.step import DONE, Wait
from bgdeploy.engine.steps.confirm_routes import AFTER_UNMAP, ConfirmRoutes
from bgdeploy.routers.probe import NOT_REGISTERED, SERVED, Answer

from .fake_routers import Routers, old_instances
from .world import World

STEP = ConfirmRoutes(AFTER_UNMAP)


def wait_and_drain(world: World, ctx: object, check: RouteCheck) -> None:
    """The step from its first round to its end (the old apps may stop then), on the fake clock."""
    ctx.plan.checks = {STEP.name: check}  # type: ignore[attr-defined]
    while (result := STEP.run(ctx)) != DONE:  # type: ignore[arg-type]
        assert isinstance(result, Wait)
        world.clock.t = max(world.clock.t, result.until)


@pytest.fixture
def serial(monkeypatch: pytest.MonkeyPatch) -> None:
    """Probes in the order sent, so a seed decides every draw."""
    monkeypatch.setattr(route_check, "map_all", lambda fn, items, workers: [fn(item) for item in items])


def test_a_router_missed_by_the_confirming_rounds_is_found_in_the_drain(world: World, serial: None,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """8 routers, one still routing to the old instances for 3 s, longer than the 2 s drain: no wait of 100
    seeded ones ends before it learnt. (The confirming rounds alone miss it with odds of (7/8)^12, about
    1 in 5: without the probes in the drain, 21 of these 100 waits ended while it still routed to blue.)"""
    ctx = world.context("1.0.0", plan=DeploymentPlan())
    early = relapses = 0
    for seed in range(100):
        start = world.clock.now()
        routers = Routers(world.clock, seed, slow_at=start + 3.0, count=8)
        monkeypatch.setattr(route_check, "prober", lambda ctx, routers=routers: routers)
        check = old_instances(start)
        wait_and_drain(world, ctx, check)
        early += world.clock.now() < routers.slow_at
        relapses += check.split
        world.clock.t += 1.0
    assert early == 0, f"{early} of 100 waits ended while a router still routed to the old instances"
    assert relapses >= 10  # the drain found the lagging router in the waits the confirming rounds missed it


def test_a_relapse_in_the_drain_confirms_again_then_drains_in_full(world: World, serial: None,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """A router shows web-blue again 1 s into the drain, until 1.6 s: the wait confirms again after that, with
    the split's longer count, and a whole drain follows; the user reads one line about it."""
    ctx = world.context("1.0.0", plan=DeploymentPlan())
    start = world.clock.now()

    class Relapsing(Routers):
        def probe(self, host: str, path: str, instance: str) -> Answer:
            t = world.clock.now() - start
            return Answer(SERVED if instance == "w:0" and 1.0 <= t < 1.6 else NOT_REGISTERED)

    monkeypatch.setattr(route_check, "prober", lambda ctx: Relapsing(world.clock, 0, 0.0))
    check = old_instances(start)
    wait_and_drain(world, ctx, check)
    rules = route_check.policy(ctx)
    confirmed_again = 1.6 + rules.round_s * (rules.probes * route_check.SPLIT_FACTOR - 1)
    assert world.clock.now() - start >= confirmed_again + rules.drain_s - 1e-6
    assert check.split and all(t.confirmed for t in check.targets)
    texts = world.messages(ctx)
    assert texts.count('A router still routes "web-space.apps.sim.test" to "web-blue": waiting for the '
                       "routers again before the previous applications stop") == 1, texts
    assert texts.count("Waiting 2s for requests in flight on the previous applications to finish...") == 2


def test_routers_that_agree_drain_in_the_drain_time_with_few_writes(world: World, serial: None,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """No router behind: the step ends one drain after the confirmation, with no round left running past
    it (each probe takes 20 ms here), and the probing rounds in the drain write nothing."""
    ctx = world.context("1.0.0", plan=DeploymentPlan())
    start = world.clock.now()
    probed: list[float] = []

    class Timed(Routers):
        def probe(self, host: str, path: str, instance: str) -> Answer:
            probed.append(world.clock.now())
            world.clock.t += 0.02
            return super().probe(host, path, instance)

    monkeypatch.setattr(route_check, "prober", lambda ctx: Timed(world.clock, 0, slow_at=start))
    saves = []
    monkeypatch.setattr(ctx, "save", lambda: saves.append(world.clock.now()))
    check = old_instances(start)
    wait_and_drain(world, ctx, check)
    rules = route_check.policy(ctx)
    assert world.clock.now() - check.drain_until == pytest.approx(0, abs=1e-6)
    assert check.drain_until - check.confirmed_at == pytest.approx(rules.drain_s, abs=1e-6)
    assert not check.split
    in_drain = [t for t in saves if t > check.confirmed_at]
    assert len(in_drain) == 1, in_drain  # the drain's deadline; its rounds (every DRAIN_ROUND_S) keep nothing
    assert len([t for t in probed if t >= check.confirmed_at]) >= 4 * 10  # a round every 0.1 s + its probes


def test_a_round_in_the_drain_sends_four_probes_taking_the_targets_in_turn(world: World, serial: None) -> None:
    """A lagging router lags on every route, so a drain round need not probe them all: 10 targets are
    probed 4 at a time, in turn."""
    ctx = world.context("1.0.0", plan=DeploymentPlan())
    asked: list[str] = []

    class Learnt(Routers):
        def probe(self, host: str, path: str, instance: str) -> Answer:
            asked.append(instance)
            return Answer(NOT_REGISTERED)

    targets = [ProbeTarget(f"m{i}.apps.sim.test", "", f"g{i}:0", f"m{i}-blue", present=False) for i in range(10)]
    check = RouteCheck(mode=route_check.PROBE, started_at=world.clock.now(), until=world.clock.now() + 300,
                       targets=targets, done=True, confirmed_at=world.clock.now())
    for target in targets:
        target.confirmed = True
    for _ in range(3):
        assert not route_check.recheck(ctx, check, Learnt(world.clock, 0, 0.0))  # type: ignore[arg-type]
    assert asked == [f"g{i % 10}:0" for i in range(12)]
