"""Incremental blue-green: the new app starts on 1 instance, then takes over one instance at a time (old -1,
new +1 and running), never more than N+1 instances, inside a space quota a plain switch does not fit in;
a crash mid-way leaves both versions serving and a retry finishes the move."""

from __future__ import annotations

from typing import Any

import pytest

from bgdeploy.engine.options import DeployOptions
from bgdeploy.engine.plan import DeploymentPlan
from bgdeploy.engine.processes import BLUE_GREEN_DEPLOY
from bgdeploy.engine.step import Done, Pause, Step, StepContext
from bgdeploy.engine.steps.incremental_switch import IncrementalSwitch
from bgdeploy.errors import InfrastructureError

from .custom_mta import use
from .world import World, deploy

DESCRIPTOR = """\
_schema-version: "3.3"
ID: bg.sample
version: "@VERSION@"
modules:
  - name: web
    type: python
    path: web/
    parameters:
      memory: 64M
      instances: 3
      # v2's instances other than the first crash until the marker file exists
      command: 'test "$MTA_VERSION" = 1.0.0 -o "$CF_INSTANCE_INDEX" = 0 -o -f "$MARKER" && exec python3 server.py'
      routes:
        - route: web-${space}.${default-domain}
    properties:
      MTA_VERSION: "@VERSION@"
      MARKER: "@MARKER@"
"""
INCREMENTAL = DeployOptions(strategy="incremental-blue-green")


@pytest.fixture
def marker(world: World) -> Any:
    path = world.dir / "instances-may-start"
    use(world, DESCRIPTOR.replace("@MARKER@", str(path)))
    return path


def running(world: World) -> dict[str, int]:
    """app name -> instances placed (STARTING or RUNNING)."""
    names = {a["guid"]: a["name"] for a in world.sim.state()["apps"]}
    counts: dict[str, int] = {}
    for inst in world.sim.state()["instances"]:
        if inst["state"] in ("STARTING", "RUNNING"):
            counts[names[inst["app_guid"]]] = counts.get(names[inst["app_guid"]], 0) + 1
    return counts


def run_sampling(world: World, step: Step, ctx: StepContext, samples: list[dict[str, int]]) -> None:
    for _ in range(2000):
        result = step.run(ctx)
        samples.append(running(world))
        if isinstance(result, Done | Pause):
            return
        world.clock.wait(ctx.aborted, result.until - world.clock.now())
    raise AssertionError("still waiting")


def test_instances_move_one_at_a_time(world: World, marker: Any) -> None:
    marker.touch()
    deploy(world, "1.0.0", options=INCREMENTAL)  # first deploy: the standard way, 3 instances at once
    assert running(world) == {"web-blue": 3}
    ctx = deploy(world, "2.0.0", options=INCREMENTAL, until="pause")
    assert running(world) == {"web-blue": 3, "web-green": 1}  # the new version starts on one instance
    samples: list[dict[str, int]] = []
    resume = BLUE_GREEN_DEPLOY[[s.name for s in BLUE_GREEN_DEPLOY].index("pause"):]
    before = len(world.sim.requests())
    ctx.plan.resumed = True
    for step in resume:
        run_sampling(world, step, ctx, samples)
    assert max(sum(s.values()) for s in samples) == 4  # N+1, never more
    greens = [s.get("web-green", 0) for s in samples]
    assert greens == sorted(greens) and greens[-1] == 3
    assert running(world) == {"web-green": 3}
    moves = [(r["path"].split("/")[3]) for r in world.sim.requests()[before:]
             if r["method"] == "POST" and r["path"].endswith("/actions/scale")]
    assert len(moves) == 4  # old -1, new +1, old -1, new +1
    assert moves[0] == moves[2] != moves[1] == moves[3]
    texts = world.messages(ctx)
    assert 'Starting incremental application instance update for "web-green"...' in texts
    assert 'Application "web-green" started and available at "web-space.apps.sim.test"' in texts


def test_the_space_needs_room_for_one_more_instance_only(world: World, marker: Any) -> None:
    marker.touch()
    deploy(world, "1.0.0")
    cc = world.cc()
    org = world.org["guid"]
    cc.post("/v3/space_quotas", {"name": "tight", "apps": {"total_instances": 4, "total_memory_in_mb": 256},
                                 "relationships": {"organization": {"data": {"guid": org}},
                                                   "spaces": {"data": [{"guid": world.space["guid"]}]}}})
    with pytest.raises(InfrastructureError, match="space_app_instance_limit_exceeded"):
        deploy(world, "2.0.0")  # a plain switch would run both versions in full
    world.cc().delete(f"/v3/apps/{world.app('web-green')['guid']}")
    world.sim.settle()
    deploy(world, "2.0.0", options=INCREMENTAL)
    assert running(world) == {"web-green": 3}


def test_a_crash_mid_way_leaves_both_serving_and_a_retry_finishes(world: World, marker: Any) -> None:
    deploy(world, "1.0.0")
    ctx = deploy(world, "2.0.0", options=INCREMENTAL, until="incremental-switch")
    with pytest.raises(InfrastructureError, match='"web-green" crashed while its instances were scaled up to 2'):
        world.run(IncrementalSwitch(), ctx)
    world.sim.settle()
    assert running(world) == {"web-blue": 3, "web-green": 1}  # rolled back: both versions serve
    route = next(r for r in world.sim.state()["routes"] if r["host"] == "web-space")
    assert sorted(d["app_name"] for d in route["destinations"]) == ["web-blue", "web-green"]
    texts = world.messages(ctx)
    assert 'Scaling down new application: "web-green" to one instance' in texts
    assert 'Scaling up old application: "web-blue" to 3 instances' in texts

    marker.touch()
    retry = world.context("2.0.0", options=INCREMENTAL,
                          plan=DeploymentPlan.of(world.store.get_operation(ctx.op.id).data))
    world.run(IncrementalSwitch(), retry)
    assert running(world) == {"web-blue": 1, "web-green": 3}  # the old app's last instance goes with it
