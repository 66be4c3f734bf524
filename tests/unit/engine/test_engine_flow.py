"""The engine end to end on the in-process simulator: bg-deploy v1, v2 to the pause, resume; the pause is
one atomic transition that only a resume gets past."""

from __future__ import annotations

from bgdeploy.engine.operations import ACTION_REQUIRED, BLUE_GREEN_DEPLOY, ERROR, FINISHED, RESUME, RETRY
from bgdeploy.engine.plan import DeploymentPlan
from bgdeploy.engine.processes import BLUE_GREEN_DEPLOY as BG_STEPS

from .world import World, engine_for, upload, wait_state

PAUSE_INDEX = [s.name for s in BG_STEPS].index("pause")


def live_apps(world: World) -> dict[str, list[str]]:
    """productive host -> names of the apps it routes to."""
    return {r["host"]: sorted(d["app_name"] for d in r["destinations"]) for r in world.sim.state()["routes"]}


def test_v1_v2_pause_resume(world: World) -> None:
    engine, target = engine_for(world)
    token = world.sim.bearer()
    v1 = engine.start_operation(target, token, BLUE_GREEN_DEPLOY, archive_id=upload(world, world.archive("1.0.0")))
    assert wait_state(world, v1.id, FINISHED, ERROR).state == FINISHED
    assert live_apps(world)["web-space"] == ["web-blue"]

    v2 = engine.start_operation(target, token, BLUE_GREEN_DEPLOY, archive_id=upload(world, world.archive("2.0.0")))
    paused = wait_state(world, v2.id, ACTION_REQUIRED, ERROR)
    assert paused.state == ACTION_REQUIRED and paused.cursor == PAUSE_INDEX
    assert live_apps(world)["web-space"] == ["web-blue"]
    assert live_apps(world)["org-space-web-idle"] == ["web-green"]

    engine.act(v2.id, RESUME, token, target)
    assert wait_state(world, v2.id, FINISHED, ERROR).state == FINISHED
    assert live_apps(world)["web-space"] == ["web-green"]
    assert "org-space-web-idle" not in live_apps(world)
    assert sorted(a["name"] for a in world.sim.state()["apps"]) == ["api-green", "web-green"]


def test_a_retry_behind_the_pause_stops_at_the_pause_again(world: World) -> None:
    """An operation that failed (or whose engine died) at the pause must not switch without a resume."""
    engine, target = engine_for(world)
    token = world.sim.bearer()
    v1 = engine.start_operation(target, token, BLUE_GREEN_DEPLOY, archive_id=upload(world, world.archive("1.0.0")))
    wait_state(world, v1.id, FINISHED)
    v2 = engine.start_operation(target, token, BLUE_GREEN_DEPLOY, archive_id=upload(world, world.archive("2.0.0")))
    paused = wait_state(world, v2.id, ACTION_REQUIRED)
    # As after a crash between the pause and anything else: the record says ERROR at the pause step.
    paused.state = ERROR
    world.store.save_operation(paused)
    engine.act(v2.id, RETRY, token, target)
    again = wait_state(world, v2.id, ACTION_REQUIRED, FINISHED, ERROR)
    assert again.state == ACTION_REQUIRED
    assert not DeploymentPlan.of(again.data).resumed
    assert live_apps(world)["web-space"] == ["web-blue"]
