"""Smoke tests before the pause, on a v1 (blue) deployed by the same steps: the descriptor's checks go through
the simulator's routers to green's temporary routes (retried, then failing with the check named, the
productive routes untouched); the shim's commands are asked for through the smoke box and their report
decides; nobody attached, or no report, fails the step too; a retry asks again."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

import pytest

from bgdeploy.engine.operations import ACTION_REQUIRED, BLUE_GREEN_DEPLOY, ERROR, FINISHED, RETRY
from bgdeploy.engine.options import DeployOptions
from bgdeploy.engine.smoke_box import SmokeOutcome
from bgdeploy.engine.step import DONE, StepContext, Wait
from bgdeploy.engine.steps.smoke_checks import DescriptorSmokeChecks
from bgdeploy.engine.steps.smoke_tests import ShimSmokeTests
from bgdeploy.errors import ContentError, InfrastructureError

from .custom_mta import use
from .world import World, deploy, engine_for, upload, wait_state

DESCRIPTOR = """\
_schema-version: "3.1"
ID: bg.sample
version: "@VERSION@"
modules:
  - name: web
    type: python
    path: web
    parameters:
      memory: 64M
      command: python3 server.py
      bg-smoke-tests:
        - path: /health
          expect-body: '@EXPECT@'
          timeout: 2s
          retries: 2
    properties:
      MODULE: web
      MTA_VERSION: "@VERSION@"
"""
T = TypeVar("T")
IDLE_URL = "http://org-space-web-idle.apps.sim.test"


@pytest.fixture
def routed(world: World) -> World:
    """The world's routers listen on a loopback port, where the engine reaches them (--route-address)."""
    return world


def with_checks(world: World, expect: str) -> None:
    use(world, DESCRIPTOR.replace("@EXPECT@", expect))


def router_hosts(world: World) -> list[str]:
    """The hosts of the requests the routers forwarded, route-check probes (one app instance each) left out."""
    return [r["host"] for r in world.sim.sim.router.requests() if "app_instance" not in r]


def test_descriptor_checks_pass_on_the_temporary_routes(routed: World) -> None:
    with_checks(routed, "2.0.0")  # the sample app answers "web 2.0.0 web-green" on every path
    deploy(routed, "1.0.0")
    assert router_hosts(routed) == []  # a first deploy has no temporary routes to check
    ctx = deploy(routed, "2.0.0", until="smoke-checks")
    assert routed.run(DescriptorSmokeChecks(), ctx) == DONE
    assert f"Smoke check passed: GET {IDLE_URL}/health answered 200" in routed.messages(ctx)
    assert set(router_hosts(routed)) == {"org-space-web-idle.apps.sim.test"}
    assert routed.run(DescriptorSmokeChecks(), ctx) == DONE and len(router_hosts(routed)) == 1  # not again


def test_a_failing_check_is_retried_then_fails_the_step_naming_it(routed: World) -> None:
    with_checks(routed, '"status":"UP"')
    deploy(routed, "1.0.0")
    ctx = deploy(routed, "2.0.0", until="smoke-checks")
    step, waited = DescriptorSmokeChecks(), routed.clock.waited
    with pytest.raises(ContentError) as caught:
        routed.run(step, ctx)
    assert str(caught.value) == (f'module "web": GET {IDLE_URL}/health answered 200 without \'"status":"UP"\' '
                                 "(expected status 200 with '\"status\":\"UP\"', 3 tries)")
    assert routed.clock.waited - waited == pytest.approx(3.0)  # back-off 1 s, 2 s
    assert len(router_hosts(routed)) == 3 and "trying again (2 tries left)" in " ".join(routed.messages(ctx))
    productive = {r["host"]: [d["app_name"] for d in r["destinations"]] for r in routed.sim.state()["routes"]}
    assert productive["org-space-web"] == ["web-blue"]  # the old version serves, untouched
    assert ctx.plan.smoke.checks is None
    with pytest.raises(ContentError):  # a retry checks all over again: three more tries
        routed.run(step, ctx)
    assert len(router_hosts(routed)) == 6


def test_no_checks_on_a_first_deploy_says_so(routed: World) -> None:
    with_checks(routed, "1.0.0")
    ctx = deploy(routed, "1.0.0", until="smoke-checks")
    assert routed.run(DescriptorSmokeChecks(), ctx) == DONE
    assert "No version is live yet, so the new one went straight to its productive routes: no smoke tests." \
        in routed.messages(ctx)
    assert router_hosts(routed) == []


def commands_ctx(world: World, count: int = 2) -> StepContext:
    deploy(world, "1.0.0")
    return deploy(world, "2.0.0", options=DeployOptions(smoke_tests=count, smoke_test_timeout_s=60),
                  until="smoke-tests")


def test_the_shim_is_asked_with_the_urls_and_its_report_decides(world: World) -> None:
    ctx, step = commands_ctx(world), ShimSmokeTests()
    assert isinstance(step.run(ctx), Wait)
    asked = ctx.smoke.pending()
    assert asked is not None and (asked.attempt, asked.commands, asked.timeout_s) == (1, 2, 60)
    assert asked.idle_urls == {"web": "http://org-space-web-idle.apps.sim.test",
                               "api": "http://org-space-api-idle.apps.sim.test"}
    assert asked.live_urls == {"web": "http://web-space.apps.sim.test", "api": "http://org-space-api.apps.sim.test"}
    assert (asked.mta_id, asked.mta_version) == ("bg.sample", "2.0.0")
    assert isinstance(step.run(ctx), Wait)  # no report yet: still waiting, the same attempt
    assert ctx.smoke.pending() == asked
    assert ctx.smoke.report(1, [SmokeOutcome("./a.sh", True), SmokeOutcome("./b.sh", True)])
    assert step.run(ctx) == DONE and ctx.smoke.pending() is None
    assert "Smoke tests passed." in world.messages(ctx)
    assert step.run(ctx) == DONE  # passed once: never asked again


def test_a_failed_command_fails_the_step_and_a_retry_asks_again(world: World) -> None:
    ctx, step = commands_ctx(world), ShimSmokeTests()
    step.run(ctx)
    ctx.smoke.report(1, [SmokeOutcome("./a.sh", True), SmokeOutcome("./b.sh", False, exit_code=3, seconds=0.25)])
    with pytest.raises(ContentError) as caught:
        step.run(ctx)
    assert str(caught.value) == '"./b.sh": exit code 3 after 0.2 s'
    assert ctx.smoke.pending() is None and not ctx.smoke.report(1, [])  # withdrawn: a late report is refused
    step.run(ctx)
    assert ctx.smoke.pending().attempt == 2  # type: ignore[union-attr]


def test_fewer_outcomes_than_commands_is_a_failure(world: World) -> None:
    ctx, step = commands_ctx(world), ShimSmokeTests()
    step.run(ctx)
    ctx.smoke.report(1, [SmokeOutcome("./a.sh", True)])
    with pytest.raises(ContentError, match="the cf CLI reported 1 of 2 commands"):
        step.run(ctx)


def test_nobody_attached_fails_after_a_while_saying_how_to_run_them(world: World) -> None:
    ctx = commands_ctx(world)
    with pytest.raises(InfrastructureError) as caught:
        world.run(ShimSmokeTests(), ctx)
    assert f'Use "cf bg-deploy -i {ctx.op.id} -a retry" to run them' in str(caught.value)


def test_a_shim_that_never_reports_fails_after_the_commands_time(world: World) -> None:
    ctx, step = commands_ctx(world, count=1), ShimSmokeTests()
    step.run(ctx)
    ctx.smoke.mark_delivered(1)
    start = world.clock.now()
    with pytest.raises(InfrastructureError, match="did not report within 120 seconds"):
        world.run(step, ctx)
    assert world.clock.now() - start == pytest.approx(120, abs=1)


def test_the_engine_pauses_only_after_the_shim_reported(world: World) -> None:
    """Through the Engine: its smoke box is the step's, a report is accepted once, and the runner withdraws
    the request when it stops."""
    engine, target = engine_for(world)
    token = world.sim.bearer()
    v1 = engine.start_operation(target, token, BLUE_GREEN_DEPLOY, archive_id=upload(world, world.archive("1.0.0")))
    wait_state(world, v1.id, FINISHED)
    v2 = engine.start_operation(target, token, BLUE_GREEN_DEPLOY, archive_id=upload(world, world.archive("2.0.0")),
                                options=DeployOptions(smoke_tests=1))
    box = engine.smoke_box(v2.id)
    request = _wait_for(lambda: box.pending())
    box.mark_delivered(request.attempt)
    with pytest.raises(Exception, match="not waiting for the smoke tests of attempt 7"):
        engine.report_smoke_tests(v2.id, target, 7, [SmokeOutcome("./a.sh", True)])
    engine.report_smoke_tests(v2.id, target, request.attempt, [SmokeOutcome("./a.sh", False, exit_code=1)])
    failed = wait_state(world, v2.id, ERROR, ACTION_REQUIRED)
    assert failed.state == ERROR and failed.error_type == "CONTENT"
    assert failed.error_message == 'Smoke test failed: "./a.sh": exit code 1 after 0.0 s'
    assert box.pending() is None

    engine.act(v2.id, RETRY, token, target)
    request = _wait_for(lambda: box.pending())
    assert request.attempt == 2
    engine.report_smoke_tests(v2.id, target, 2, [SmokeOutcome("./a.sh", True)])
    assert wait_state(world, v2.id, ACTION_REQUIRED, ERROR).state == ACTION_REQUIRED


def _wait_for(probe: Callable[[], T | None]) -> T:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if (found := probe()) is not None:
            return found
        time.sleep(0.01)
    raise AssertionError("timed out")


def test_with_no_confirm_the_checks_still_wait_until_the_routers_know_the_temporary_routes(routed: World) -> None:
    with_checks(routed, "2.0.0")
    deploy(routed, "1.0.0")
    routed.sim.sim.config.update({"route_propagation_s": 0.6})  # routers learn the temporary routes late
    ctx = deploy(routed, "2.0.0", options=DeployOptions(no_confirm=True), until="smoke-checks")
    check = ctx.plan.checks["routes-after_deploy"]
    assert {t.host for t in check.targets} == {"org-space-web-idle.apps.sim.test"} and check.done
    assert routed.run(DescriptorSmokeChecks(), ctx) == DONE
    assert "trying again" not in " ".join(routed.messages(ctx))  # passed at its first try
