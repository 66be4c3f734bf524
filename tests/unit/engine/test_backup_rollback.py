"""--backup-previous-version and rollback-mta on the in-process simulator: a resume keeps the old colour
(stopped, unmapped, annotated); the next deploy is not confused by it and replaces it; a rollback starts it,
switches back with resume's own steps and deletes the newer colour; both naming schemes; what a rollback
refuses; and the colour decision after a rollback that stopped before or after its point of no return."""

from __future__ import annotations

import json
from typing import Any

import pytest

from bgdeploy.engine import backup
from bgdeploy.engine.operations import ABORTED, BLUE_GREEN_DEPLOY, FINISHED, ROLLBACK_MTA
from bgdeploy.engine.options import DeployOptions
from bgdeploy.engine.plan import IDLE_LIVE, DeploymentPlan
from bgdeploy.engine.processes import BLUE_GREEN_DEPLOY as BG_STEPS
from bgdeploy.engine.processes import ROLLBACK_MTA as ROLLBACK_STEPS
from bgdeploy.engine.rollback import resolve_rollback
from bgdeploy.engine.step import StepContext
from bgdeploy.engine.steps.detect_deployed import DetectDeployedMta
from bgdeploy.errors import ContentError, NotFoundError

from .world import World, engine_for, wait_state
from .world import deploy as run_steps

BACKUP = DeployOptions(backup_previous_version=True)
DAY = 24 * 3600


def deploy(world: World, version: str, **kw: Any) -> StepContext:
    """The process's steps in-process, then the operation recorded as finished (it holds no lock)."""
    ctx = run_steps(world, version, **kw)
    ctx.op.state, ctx.op.locked = FINISHED, False
    ctx.op.live_color = ctx.plan.idle_color or ctx.plan.live_color
    ctx.save()
    return ctx


def apps(world: World) -> dict[str, dict[str, Any]]:
    return {a["name"]: a for a in world.sim.state()["apps"]}


def routes(world: World) -> dict[str, list[str]]:
    return {r["host"]: sorted(d["app_name"] for d in r["destinations"]) for r in world.sim.state()["routes"]}


def annotations(app: dict[str, Any]) -> dict[str, str]:
    return app["metadata"]["annotations"]


def test_the_rollback_switches_with_the_steps_of_resume() -> None:
    names = [s.name for s in BG_STEPS]
    resume = BG_STEPS[names.index("map-live-routes"): names.index("rename-idle") + 1]
    assert [s.name for s in ROLLBACK_STEPS] == ["rollback-detect", "rollback-start",
                                               *[s.name for s in resume if s.name != "backup-old"]]
    assert all(any(s is r for r in resume) for s in ROLLBACK_STEPS[2:])  # the very same step objects


def test_resume_keeps_the_old_colour_stopped_unmapped_and_marked(world: World) -> None:
    deploy(world, "1.0.0")
    ctx = deploy(world, "2.0.0", options=BACKUP)
    found = apps(world)
    assert sorted(found) == ["api-blue", "api-green", "web-blue", "web-green"]
    for name in ("web-blue", "api-blue"):
        assert found[name]["state"] == "STOPPED"
        assert annotations(found[name])[backup.REPLACED_BY] == ctx.op.id
        assert annotations(found[name])[backup.KEPT_UNTIL] == backup.iso(world.clock.now() + DAY)
    assert json.loads(annotations(found["web-blue"])[backup.ROUTES]) == [["web-space", "apps.sim.test", ""]]
    assert annotations(found["web-blue"])[backup.INSTANCES] == "2"
    assert routes(world)["web-space"] == ["web-green"] and routes(world)["org-space-api"] == ["api-green"]
    assert not any("blue" in " ".join(d) for d in routes(world).values())
    assert any(m.startswith('Keeping application "web-blue" (version 1.0.0) stopped for rollback until')
               for m in world.messages(ctx))


def test_the_next_deploy_is_not_confused_by_the_kept_apps_and_replaces_them(world: World) -> None:
    deploy(world, "1.0.0")
    deploy(world, "2.0.0", options=BACKUP)
    kept = {apps(world)[n]["guid"] for n in ("web-blue", "api-blue")}
    ctx = deploy(world, "3.0.0")
    text = world.messages(ctx)
    assert "Deployed MTA color: GREEN" in text and "New MTA color: BLUE" in text
    assert not any("both blue and green" in m for m in text)
    assert any(m.startswith("Deleting the applications of version 1.0.0 kept for rollback") for m in text)
    found = apps(world)
    assert sorted(found) == ["api-blue", "web-blue"] and not kept & {a["guid"] for a in found.values()}
    assert annotations(found["web-blue"])["mta_version"] == "3.0.0"
    assert backup.REPLACED_BY not in annotations(found["web-blue"])


def test_the_kept_apps_are_replaced_from_the_look_detect_took(world: World) -> None:
    deploy(world, "1.0.0")
    deploy(world, "2.0.0", options=BACKUP)
    before = len(world.sim.requests())
    ctx = deploy(world, "3.0.0", until="services")  # collect, detect, backup-replace
    mta_lists = [r for r in world.sim.requests()[before:]
                 if r["method"] == "GET" and r["path"] == "/v3/apps" and "label_selector" in (r.get("query") or "")]
    assert len(mta_lists) == 1
    assert sorted(apps(world)) == ["api-green", "web-green"]
    assert any(m.startswith("Deleting the applications of version 1.0.0 kept for rollback")
               for m in world.messages(ctx))


def rollback(world: World) -> Any:
    engine, target = engine_for(world)
    op = engine.start_operation(target, world.sim.bearer(), ROLLBACK_MTA, mta_id="bg.sample")
    return wait_state(world, op.id, FINISHED, "ERROR")


def test_rollback_starts_the_kept_colour_switches_back_and_deletes_the_newer(world: World) -> None:
    deploy(world, "1.0.0")
    deploy(world, "2.0.0", options=BACKUP)
    done = rollback(world)
    assert done.state == FINISHED, done.error_message
    assert (done.mta_version, done.live_color) == ("1.0.0", "BLUE")
    found = apps(world)
    assert sorted(found) == ["api-blue", "web-blue"]
    assert all(a["state"] == "STARTED" and backup.REPLACED_BY not in annotations(a) for a in found.values())
    assert routes(world)["web-space"] == ["web-blue"] and routes(world)["org-space-api"] == ["api-blue"]
    web = found["web-blue"]["guid"]
    assert sum(1 for i in world.sim.state()["instances"] if i["app_guid"] == web and i["state"] == "RUNNING") == 2
    text = [e.text for e in world.store.events(done.id)]
    assert 'Rolling back multi-target app "bg.sample" from version 2.0.0 to version 1.0.0...' in text
    assert any(t.startswith("Services are not rolled back") for t in text)

    ctx = deploy(world, "2.0.0")  # and on it goes: blue is the live colour
    assert "Deployed MTA color: BLUE" in world.messages(ctx) and sorted(apps(world)) == ["api-green", "web-green"]


def test_rollback_with_idle_live_names(world: World) -> None:
    names = DeployOptions(keep_original_app_names=True)
    deploy(world, "1.0.0", scheme=IDLE_LIVE, options=names)
    deploy(world, "2.0.0", scheme=IDLE_LIVE, options=DeployOptions(keep_original_app_names=True,
                                                                    backup_previous_version=True))
    assert {n: a["state"] for n, a in apps(world).items()} == {"web": "STARTED", "api": "STARTED",
                                                               "web-live": "STOPPED", "api-live": "STOPPED"}
    assert rollback(world).state == FINISHED
    found = apps(world)
    assert sorted(found) == ["api", "web"] and annotations(found["web"])["mta_version"] == "1.0.0"
    assert routes(world)["web-space"] == ["web"]


def test_what_a_rollback_refuses(world: World) -> None:
    engine, target = engine_for(world)
    token = world.sim.bearer()
    with pytest.raises(NotFoundError, match=r"Multi-target app bg\.sample not found"):
        engine.start_operation(target, token, ROLLBACK_MTA, mta_id="bg.sample")
    deploy(world, "1.0.0")
    deploy(world, "2.0.0")
    with pytest.raises(ContentError, match="has no version to roll back to: deploy it with --backup-previous-version"):
        engine.start_operation(target, token, ROLLBACK_MTA, mta_id="bg.sample")
    deploy(world, "3.0.0", options=BACKUP)
    world.clock.t += DAY + 1
    with pytest.raises(ContentError, match=r"kept for rollback by operation \d+ expired at .*; the next deploy"):
        engine.start_operation(target, token, ROLLBACK_MTA, mta_id="bg.sample")
    assert sorted(apps(world)) == ["api-blue", "api-green", "web-blue", "web-green"]  # nothing changed


def rollback_ctx(world: World) -> StepContext:
    _, target = engine_for(world)
    ctx = world.context("2.0.0", process_type=ROLLBACK_MTA, plan=DeploymentPlan())
    ctx.models = resolve_rollback(ctx.op, target, world.sim.bearer(), lambda api, tokens, verify=True: world.cc())
    return ctx


@pytest.mark.parametrize(("until", "live"), [("unmap-old", "GREEN"), ("routes-after_unmap", "BLUE")])
def test_a_rollback_that_stopped_counts_as_switched_only_past_unmapping(world: World, until: str, live: str) -> None:
    deploy(world, "1.0.0")
    deploy(world, "2.0.0", options=BACKUP)
    ctx = rollback_ctx(world)
    for step in ROLLBACK_STEPS:
        if step.name == until:
            break
        if step.phase:
            ctx.op.phase = step.phase
        world.run(step, ctx)
    ctx.op.state = ABORTED
    ctx.save()
    assert {"web-blue", "web-green"} <= set(apps(world))  # both colours are there
    detect = world.context("3.0.0", process_type=BLUE_GREEN_DEPLOY)
    world.run(DetectDeployedMta(), detect)
    assert detect.plan.live_color == live
    assert any(f"operation {ctx.op.id} aborted" in m for m in world.messages(detect))


def test_a_rollback_waits_until_the_routers_send_traffic_to_every_kept_instance(world: World) -> None:
    deploy(world, "1.0.0")
    deploy(world, "2.0.0", options=BACKUP)
    ctx = rollback_ctx(world)
    for step in ROLLBACK_STEPS:
        world.run(step, ctx)
        if step.name == "routes-after_map":
            break
    check = ctx.plan.checks["routes-after_map"]
    web = apps(world)["web-blue"]["guid"]
    assert sorted(t.instance for t in check.targets if t.app == "web-blue") == [f"{web}:0", f"{web}:1"]
    assert check.done and all(t.confirmed for t in check.targets)
