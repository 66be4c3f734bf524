"""Waiting for the routers (steps routes-after_*): probes against the simulator's routers, the fallback to
the timer, timeouts before and after the switch, and no wait where nothing is live."""

from __future__ import annotations

import http.server
import threading
import time
from collections.abc import Iterator
from dataclasses import replace

import pytest

from bgdeploy.engine import route_check
from bgdeploy.engine.options import DeployOptions
from bgdeploy.engine.plan import DeploymentPlan, ProbeTarget, RouteCheck
from bgdeploy.engine.step import DONE, Wait
from bgdeploy.engine.steps.confirm_routes import AFTER_MAP, AFTER_UNMAP, ConfirmRoutes
from bgdeploy.engine.steps.map_live_routes import MapProductiveRoutes
from bgdeploy.engine.steps.unmap_old import UnmapOldApps
from bgdeploy.errors import StepTimeoutError
from bgdeploy.routers.addresses import AddressMap
from bgdeploy.routers.probe import FAILING, NOT_REGISTERED, ROUTER_ERROR, SERVED, UNREACHABLE, Answer, Prober

from .fake_routers import Routers, old_instances
from .world import World, deploy


def probe_of(world: World) -> Prober:
    return Prober(AddressMap.parse([world.router_address]))


def app_guid(world: World, name: str) -> str:
    app = world.app(name)
    assert app is not None
    return str(app["guid"])


def propagation(world: World, seconds: float) -> None:
    world.sim.sim.config.update({"route_propagation_s": seconds})


@pytest.fixture
def not_a_router() -> Iterator[str]:
    """A proxy that answers 200 to anything, whatever instance is asked for."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"apps.sim.test=http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_a_probe_tells_a_registered_instance_from_one_the_router_does_not_know(world: World) -> None:
    deploy(world, "1.0.0")
    probe = probe_of(world)
    web = app_guid(world, "web-blue")
    deadline = time.monotonic() + 5  # a first deploy does not wait for the routers to learn its routes
    while probe.probe("web-space.apps.sim.test", "", f"{web}:0").seen != SERVED:
        assert time.monotonic() < deadline, "the router never routed to web-blue"
        time.sleep(0.02)
    # every probe asks for a connection of its own, and the router closes it after saying so: none is
    # sent again on a connection the router has just hung up
    for n in range(40):
        answer = probe.probe("web-space.apps.sim.test", "", f"{web}:{9 if n % 2 else 0}")
        assert answer.seen == (NOT_REGISTERED if n % 2 else SERVED), answer.detail
    assert probe.probe("org-space-api.apps.sim.test", "", f"{web}:0").seen == NOT_REGISTERED
    assert probe.gorouter_problem("web-space.apps.sim.test", "") == ""
    assert "refused" in Prober(AddressMap.parse(["apps.sim.test=http://127.0.0.1:1"])).gorouter_problem(
        "web-space.apps.sim.test", "")


def test_a_first_deploy_waits_for_no_router(world: World) -> None:
    ctx = deploy(world, "1.0.0")
    assert all(c.mode == "none" and not c.targets for c in ctx.plan.checks.values())
    assert not [m for m in world.messages(ctx) if "routers" in m]


def test_no_start_waits_for_no_router(world: World) -> None:
    deploy(world, "1.0.0")
    ctx = deploy(world, "2.0.0", options=DeployOptions(no_start=True), until="pause")
    assert ctx.plan.checks["routes-after_deploy"].mode == "none"


def test_the_pause_comes_once_the_temporary_routes_answer_from_green(world: World) -> None:
    deploy(world, "1.0.0")
    propagation(world, 0.6)
    started = time.monotonic()
    ctx = deploy(world, "2.0.0", until="pause")
    assert time.monotonic() - started >= 0.6  # the routers took that long to learn the temporary routes
    check = ctx.plan.checks["routes-after_deploy"]
    assert check.mode == "probe" and all(t.confirmed for t in check.targets)
    hosts = {t.host for t in check.targets}
    assert hosts == {"org-space-web-idle.apps.sim.test", "org-space-api-idle.apps.sim.test"}
    web = app_guid(world, "web-green")
    assert probe_of(world).probe("org-space-web-idle.apps.sim.test", "", f"{web}:0").seen == SERVED
    assert "The routers have learnt the route changes" in " ".join(world.messages(ctx))


def test_the_old_instances_leave_the_routers_then_drain(world: World) -> None:
    deploy(world, "1.0.0")
    ctx = deploy(world, "2.0.0", until="unmap-old")
    blue = app_guid(world, "web-blue")
    world.run(UnmapOldApps(), ctx)
    step = ConfirmRoutes(AFTER_UNMAP)
    while not ctx.plan.checks.get(step.name) or not ctx.plan.checks[step.name].done:
        result = step.run(ctx)
        assert isinstance(result, Wait)
        world.clock.wait(ctx.aborted, result.until - world.clock.now())
    check = ctx.plan.checks[step.name]
    assert {t.instance.split(":")[0] for t in check.targets} >= {blue}
    assert not any(t.present for t in check.targets)
    assert check.drain_until == pytest.approx(check.confirmed_at + world.settings.drain_s, abs=1e-6)
    assert probe_of(world).probe("web-space.apps.sim.test", "", f"{blue}:0").seen == NOT_REGISTERED
    world.clock.t = check.drain_until
    assert step.run(ctx) == DONE


def test_routers_that_cannot_be_probed_fall_back_to_the_timer(world: World, not_a_router: str) -> None:
    deploy(world, "1.0.0")
    ctx = deploy(world, "2.0.0", until="routes-after_map")
    world.settings = replace(world.settings, route_addresses=(not_a_router,))
    ctx.settings = world.settings
    step = ConfirmRoutes(AFTER_MAP)
    first = step.run(ctx)
    settled = world.clock.now() + world.settings.route_settle_s
    assert isinstance(first, Wait) and first.until == pytest.approx(settled, abs=1e-6)
    said = [m for m in world.messages(ctx) if "Cannot probe the routers" in m]
    assert len(said) == 1 and "not a gorouter" in said[0]
    world.clock.t = first.until
    assert step.run(ctx) == DONE


def test_timer_and_none_modes(world: World) -> None:
    deploy(world, "1.0.0")
    ctx = deploy(world, "2.0.0", until="routes-after_map", options=DeployOptions(route_check="timer"))
    result = ConfirmRoutes(AFTER_MAP).run(ctx)
    assert isinstance(result, Wait) and result.until == pytest.approx(world.clock.now() + 5.0, abs=1e-6)
    ctx.options = replace(ctx.options, route_check="none")
    ctx.plan.checks.clear()
    assert ConfirmRoutes(AFTER_MAP).run(ctx) == DONE


def test_a_timeout_before_the_switch_fails_and_blue_keeps_serving(world: World) -> None:
    deploy(world, "1.0.0")
    ctx = deploy(world, "2.0.0", until="map-live-routes", options=DeployOptions(route_check_timeout_s=3))
    propagation(world, 60.0)  # these routers learn nothing within the test
    world.run(MapProductiveRoutes(), ctx)
    step = ConfirmRoutes(AFTER_MAP)
    with pytest.raises(StepTimeoutError, match="did not confirm within 3s") as failed:
        world.run(step, ctx)
    assert "web-space.apps.sim.test" in str(failed.value) and "previous applications still serve" in str(failed.value)
    assert step.name not in ctx.plan.checks  # a retry waits afresh
    blue = app_guid(world, "web-blue")
    assert probe_of(world).probe("web-space.apps.sim.test", "", f"{blue}:0").seen == SERVED


def test_a_timeout_after_the_switch_keeps_green_and_says_what_is_unconfirmed(world: World) -> None:
    deploy(world, "1.0.0")
    ctx = deploy(world, "2.0.0", until="unmap-old", options=DeployOptions(route_check_timeout_s=3, drain_seconds=0))
    propagation(world, 60.0)
    world.run(UnmapOldApps(), ctx)
    assert world.run(ConfirmRoutes(AFTER_UNMAP), ctx) == DONE
    warned = [m for m in world.messages(ctx) if "did not confirm" in m]
    assert len(warned) == 1 and "no longer routes to" in warned[0] and "new applications are kept" in warned[0]


def test_confirmations_must_be_consecutive_and_spread(world: World) -> None:
    """A probe that does not confirm starts the count again; N confirmations must span the spread."""
    from bgdeploy.engine import route_check
    from bgdeploy.engine.plan import ProbeTarget

    ctx = world.context("1.0.0", plan=DeploymentPlan(), options=DeployOptions(route_check_probes=3,
                                                                              route_check_spread_ms=400))
    rules = route_check.policy(ctx)
    target = ProbeTarget("h", "", "g:0", "app", present=True)
    for t, seen in [(0.0, [SERVED]), (0.2, [SERVED]), (0.3, [NOT_REGISTERED]), (0.5, [SERVED]), (0.6, [SERVED]),
                    (0.7, [SERVED, SERVED])]:
        route_check._count(target, seen, t, rules, needed=3)
    assert not target.confirmed  # three in a row, but only 0.2 s apart
    route_check._count(target, [SERVED, SERVED], 0.9, rules, needed=3)
    assert target.confirmed
    # one probe of a round reached a router behind
    route_check._count(target, [SERVED, NOT_REGISTERED], 1.0, rules, needed=3)
    assert not target.confirmed and target.confirmations == 0 and target.last == NOT_REGISTERED


class _Answers:
    """A prober whose answers the test sets: SERVED once `learnt` is true, NOT_REGISTERED before."""

    def __init__(self) -> None:
        self.learnt = False

    def probe(self, host: str, path: str, instance: str) -> Answer:
        return Answer(SERVED if self.learnt else NOT_REGISTERED)


def test_rounds_back_off_while_nothing_is_learnt_and_confirm_at_the_short_pace(world: World) -> None:
    ctx = deploy(world, "1.0.0")
    rules = route_check.policy(ctx)
    check = RouteCheck(mode=route_check.PROBE, started_at=world.clock.now(), until=world.clock.now() + 300,
                       targets=[ProbeTarget("web-space.apps.sim.test", "", "g:0", "web-green", present=True)])
    answers = _Answers()
    world.clock.t += 30.0  # half a minute of routers that know nothing yet: rounds half a second apart
    again = route_check.advance(ctx, check, answers, after_switch=False)  # type: ignore[arg-type]
    assert again == pytest.approx(world.clock.now() + route_check.MAX_ROUND_S, abs=1e-6)
    answers.learnt = True
    times = []
    while again is not None:
        world.clock.t = again
        times.append(again)
        again = route_check.advance(ctx, check, answers, after_switch=False)  # type: ignore[arg-type]
    # once seen learnt, the confirmations follow each other at spread / (probes - 1), not half a second
    assert len(times) == rules.probes
    assert times[-1] - times[0] == pytest.approx(rules.spread_s, abs=1e-4)
    assert check.done and check.targets[0].confirmed


def _wait_out(world: World, ctx: object, check: RouteCheck, prober: object) -> None:
    """Round after round on the fake clock, until the wait is over (after the switch: no timeout error)."""
    again = route_check.advance(ctx, check, prober, after_switch=True)  # type: ignore[arg-type]
    while again is not None:
        world.clock.t = again
        again = route_check.advance(ctx, check, prober, after_switch=True)  # type: ignore[arg-type]


def test_a_router_that_lags_behind_its_peers_holds_the_wait_back(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    """With the defaults, one router of two still routing to the old instances is seen, not outvoted by
    lucky draws of the other one: none of 200 seeded waits ends before the slow router learnt.
    (With one probe per target and round, and learnt targets no longer probed, most of them did.)"""
    ctx = world.context("1.0.0", plan=DeploymentPlan())
    monkeypatch.setattr(route_check, "map_all", lambda fn, items, workers: [fn(item) for item in items])
    early = 0
    for seed in range(200):
        start = world.clock.now()
        routers = Routers(world.clock, seed, slow_at=start + 2.0)
        check = old_instances(start)
        _wait_out(world, ctx, check, routers)
        early += world.clock.now() < routers.slow_at
        world.clock.t += 1.0
    assert early == 0, f"{early} of 200 waits ended while a router still routed to the old instances"


def test_a_learnt_target_is_probed_on_until_all_are_learnt_together(world: World) -> None:
    """web is learnt at once, api only after 1 s, and a router shows web-blue again from 0.5 to 1.2 s:
    web counts again from there, and the routers' disagreement asks for more rounds."""
    ctx = world.context("1.0.0", plan=DeploymentPlan())
    start = world.clock.now()

    class Scripted:
        def probe(self, host: str, path: str, instance: str) -> Answer:
            t = world.clock.now() - start
            gone = t >= 1.0 if instance == "a:0" else not 0.5 <= t < 1.2
            return Answer(NOT_REGISTERED if gone else SERVED)

    check = old_instances(start)
    _wait_out(world, ctx, check, Scripted())
    rules = route_check.policy(ctx)
    assert check.done and check.split
    # web's count restarted when its relapse ended, and needs SPLIT_FACTOR times the rounds since
    assert world.clock.now() - start >= 1.2 + rules.round_s * (rules.probes * route_check.SPLIT_FACTOR - 1) - 1e-6
    assert all(t.confirmed for t in check.targets)


def test_only_a_router_showing_the_old_state_counts_as_behind() -> None:
    """A router error or no answer in a round starts the count again but shows no router behind."""
    rules = route_check.Policy(mode=route_check.PROBE, probes=3, spread_s=0.05, timeout_s=300, timer_s=20, drain_s=2)
    gone = ProbeTarget("h", "", "g:0", "app", present=False)
    assert not route_check._count(gone, [NOT_REGISTERED, ROUTER_ERROR], 0.0, rules, needed=3)
    assert not route_check._count(gone, [NOT_REGISTERED, UNREACHABLE], 0.1, rules, needed=3)
    assert route_check._count(gone, [NOT_REGISTERED, FAILING], 0.2, rules, needed=3)
    assert not route_check._count(gone, [NOT_REGISTERED], 0.3, rules, needed=3)
    assert route_check._count(gone, [SERVED], 0.4, rules, needed=3)  # it was confirming: a relapse
    assert not route_check._count(gone, [SERVED], 0.5, rules, needed=3)  # still behind: nothing new
