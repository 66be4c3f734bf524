"""The steps around the switch, on a v1 (blue) deployed by the same steps: detect, pause, prepare-live,
map-live-routes, unmap-old, undeploy-old. Each writes what it must, and nothing when run again."""

from __future__ import annotations

import dataclasses

import pytest

from bgdeploy.engine.options import DeployOptions
from bgdeploy.engine.plan import DeploymentPlan
from bgdeploy.engine.step import DONE, PAUSE, Wait
from bgdeploy.engine.steps.confirm_routes import AFTER_MAP, ConfirmRoutes
from bgdeploy.engine.steps.deploy_apps import DeployApps
from bgdeploy.engine.steps.detect_deployed import DetectDeployedMta
from bgdeploy.engine.steps.map_live_routes import MapProductiveRoutes
from bgdeploy.engine.steps.pause import AwaitConfirmation
from bgdeploy.engine.steps.prepare_live import PrepareLiveApps
from bgdeploy.engine.steps.stop_old import StopOldApps
from bgdeploy.engine.steps.undeploy_old import UndeployOldApps
from bgdeploy.engine.steps.unmap_old import UnmapOldApps
from bgdeploy.errors import CloudControllerError

from .world import World, deploy


def routes(world: World) -> dict[str, list[str]]:
    return {r["host"]: sorted(d["app_name"] for d in r["destinations"]) for r in world.sim.state()["routes"]}


def writes_of(world: World, step: object, ctx: object) -> list[str]:
    before = len(world.sim.mutations())
    world.run(step, ctx)  # type: ignore[arg-type]
    return world.sim.mutations()[before:]


def test_detect_finds_blue_live_and_picks_green(world: World) -> None:
    deploy(world, "1.0.0")
    ctx = world.context("2.0.0")
    assert writes_of(world, DetectDeployedMta(), ctx) == []
    assert (ctx.plan.live_color, ctx.plan.idle_color, ctx.plan.live_version) == ("BLUE", "GREEN", True)
    assert sorted(a.name for a in ctx.plan.deployed) == ["api-blue", "web-blue"]
    assert "Deployed MTA color: BLUE" in world.messages(ctx)


def test_detect_renames_apps_deployed_without_colours_to_blue(world: World) -> None:
    deploy(world, "1.0.0", scheme="plain", process_type="DEPLOY")
    ctx = world.context("2.0.0")
    writes = writes_of(world, DetectDeployedMta(), ctx)
    assert len(writes) == 2 and all(w.startswith("PATCH /v3/apps/") for w in writes)
    assert sorted(a["name"] for a in world.sim.state()["apps"]) == ["api-blue", "web-blue"]
    assert ctx.plan.live_color == "BLUE"
    assert writes_of(world, DetectDeployedMta(), world.context("2.0.0")) == []


def test_v2_apps_go_on_temporary_routes_and_the_pause_holds_until_resumed(world: World) -> None:
    deploy(world, "1.0.0")
    ctx = deploy(world, "2.0.0", until="routes-after_deploy")
    assert routes(world)["web-space"] == ["web-blue"]
    assert routes(world)["org-space-web-idle"] == ["web-green"]
    assert world.run(AwaitConfirmation(), ctx) == PAUSE
    assert world.run(AwaitConfirmation(), ctx) == PAUSE
    ctx.plan.resumed = True
    assert world.run(AwaitConfirmation(), ctx) == DONE
    assert writes_of(world, DeployApps(), ctx) == []


def test_prepare_live_restarts_green_with_the_live_env(world: World) -> None:
    deploy(world, "1.0.0")
    ctx = deploy(world, "2.0.0", until="pause")
    writes = writes_of(world, PrepareLiveApps(), ctx)
    web = world.app("web-green")
    assert web is not None and "idle" not in web["environment_variables"]["API_URL"]
    assert any(w.endswith("/environment_variables") for w in writes)
    assert any(w.endswith("/actions/restart") for w in writes)
    assert writes_of(world, PrepareLiveApps(), ctx) == []


def test_a_crash_after_the_env_write_still_restarts(world: World) -> None:
    """The restart intent is saved before the env PATCH: a retry after a crash right after it restarts."""
    deploy(world, "1.0.0")
    ctx = deploy(world, "2.0.0", until="pause")
    world.sim.faults(rules=[{"target": "api", "path": "/actions/restart$", "rate_reset": 1.0, "times": 10}])
    try:
        world.run(PrepareLiveApps(), ctx)
    except Exception as exc:
        assert "connection" in str(exc).lower() or "reset" in str(exc).lower()
    else:
        raise AssertionError("the restart should have failed")
    world.sim.faults()
    retry = world.context("2.0.0", plan=type(ctx.plan).of(world.store.get_operation(ctx.op.id).data))
    writes = writes_of(world, PrepareLiveApps(), retry)
    assert not any(w.endswith("/environment_variables") for w in writes)  # nothing left to patch...
    assert any(w.endswith("/actions/restart") for w in writes)  # ...but the restart happens


def test_switch_map_unmap_undeploy(world: World) -> None:
    deploy(world, "1.0.0")
    ctx = deploy(world, "2.0.0", until="map-live-routes")
    writes = writes_of(world, MapProductiveRoutes(), ctx)
    assert sorted(writes)[0].startswith("POST /v3/routes/") and all("/destinations" in w for w in writes)
    assert routes(world)["web-space"] == ["web-blue", "web-green"]
    assert writes_of(world, MapProductiveRoutes(), ctx) == []

    writes_of(world, UnmapOldApps(), ctx)
    assert routes(world)["web-space"] == ["web-green"]
    assert sorted((u.host, u.app) for u in ctx.plan.unmapped) == [
        ("org-space-api.apps.sim.test", "api-blue"), ("web-space.apps.sim.test", "web-blue")]
    assert "org-space-web-idle" not in routes(world)
    assert world.app("web-blue") is not None  # still there: only unmapped
    assert writes_of(world, UnmapOldApps(), ctx) == []

    writes_of(world, UndeployOldApps(), ctx)
    assert sorted(a["name"] for a in world.sim.state()["apps"]) == ["api-green", "web-green"]
    assert writes_of(world, UndeployOldApps(), ctx) == []


def test_a_crash_after_mapping_green_still_waits_for_the_routers(world: World) -> None:
    """If the destination writes land but the step dies, the retry (which finds nothing left to map) still
    waits for the routers: what they must learn is decided from the productive routes, not from the writes."""
    deploy(world, "1.0.0")
    ctx = deploy(world, "2.0.0", until="map-live-routes")
    world.sim.faults(rules=[{"target": "api", "path": "/destinations$", "methods": ["POST"], "rate_lost": 1.0}])
    with pytest.raises(CloudControllerError):
        MapProductiveRoutes().run(ctx)
    world.sim.faults()
    assert routes(world)["web-space"] == ["web-blue", "web-green"]  # the writes landed
    retry = world.context("2.0.0", plan=DeploymentPlan.of(world.store.get_operation(ctx.op.id).data))
    assert writes_of(world, MapProductiveRoutes(), retry) == []
    assert isinstance(ConfirmRoutes(AFTER_MAP).run(retry), Wait)


def test_old_apps_go_with_their_bindings_in_one_delete(world: World) -> None:
    deploy(world, "1.0.0")
    ctx = deploy(world, "2.0.0", until="undeploy-old")
    before = len(world.sim.mutations())
    world.run(UndeployOldApps(), ctx)
    writes = world.sim.mutations()[before:]
    assert not [w for w in writes if w.startswith("DELETE /v3/service_credential_bindings")], writes
    assert not [b for b in world.sim.state()["service_credential_bindings"] if b["app_guid"] not in
                {a["guid"] for a in world.sim.state()["apps"]}]


def test_when_cc_cannot_delete_the_bindings_with_the_app_they_go_first(world: World, monkeypatch) -> None:
    """CC fails an app deletion that triggered asynchronous unbinding (AppDelete's
    AsyncBindingDeletionsTriggered); the removal then unbinds first and deletes the app again."""
    from ccsim.errors import CCError
    from ccsim.resources import apps as sim_apps

    deploy(world, "1.0.0")
    ctx = deploy(world, "2.0.0", until="stop-old")
    real = sim_apps.destroy_app
    failed: list[str] = []

    def async_unbinding(sim: object, guid: str) -> None:
        if world.sim.sim.store.where("service_credential_bindings", app_guid=guid) and guid not in failed:
            failed.append(guid)
            raise CCError(422, 90008, "CF-AsyncServiceBindingOperationInProgress",
                          "An operation for the service binding is in progress.")
        real(sim, guid)

    monkeypatch.setattr(sim_apps, "destroy_app", async_unbinding)
    before = len(world.sim.mutations())
    world.run(StopOldApps(), ctx)  # deletes each old app after its stop
    world.run(UndeployOldApps(), ctx)
    writes = world.sim.mutations()[before:]
    assert failed and any(w.startswith("DELETE /v3/service_credential_bindings") for w in writes)
    assert sorted(a["name"] for a in world.sim.state()["apps"]) == ["api-green", "web-green"]


def test_after_the_switch_old_apps_are_deleted_without_reading_them(world: World) -> None:
    deploy(world, "1.0.0")
    ctx = deploy(world, "2.0.0", until="stop-old")
    blue = {a["guid"] for a in world.sim.state()["apps"] if a["name"].endswith("-blue")}
    before = len(world.sim.requests())
    world.run(StopOldApps(), ctx)
    calls = [(r["method"], r["path"]) for r in world.sim.requests()[before:]]
    on_blue = [c for c in calls if any(g in c[1] for g in blue)]
    # each is deleted right after its own stop (not after the last stop), with no read
    assert sorted(m for m, _ in on_blue) == ["DELETE", "DELETE", "POST", "POST"], on_blue
    before = len(world.sim.requests())
    world.run(UndeployOldApps(), ctx)  # waits for the deletions: no second delete, no stop
    assert not [r for r in world.sim.requests()[before:] if any(g in r["path"] for g in blue)]
    assert sorted(a["name"] for a in world.sim.state()["apps"]) == ["api-green", "web-green"]



def test_stop_old_writes_the_plan_once_per_app_it_stops_and_deletes(world: World) -> None:
    """Each write is on the switch's tail: the stop is recorded with the deletion's job, in one write (a
    crash before it only stops and deletes the app again, and a missing app is stopped and gone)."""
    deploy(world, "1.0.0")
    ctx = deploy(world, "2.0.0", until="stop-old")
    writes = []
    persist = ctx.persist
    ctx.persist = lambda op: (writes.append(1), persist(op))[1]  # type: ignore[method-assign]
    ctx.settings = dataclasses.replace(ctx.settings, max_parallel_apps=1)  # one save each: none shared
    world.run(StopOldApps(), ctx)
    assert len(writes) == 2 * 1 + 1, len(writes)  # two apps, and the step's own save at the end of the wave


def test_stop_old_stops_each_old_app_without_reading_it_first(world: World) -> None:
    deploy(world, "1.0.0")
    ctx = deploy(world, "2.0.0", until="stop-old")
    blue = {a["guid"]: a["name"] for a in world.sim.state()["apps"] if a["name"].endswith("-blue")}
    before = len(world.sim.requests())
    world.run(StopOldApps(), ctx)
    on_blue = [(r["method"], r["path"]) for r in world.sim.requests()[before:] if any(g in r["path"] for g in blue)
               and r["method"] != "DELETE"]  # each goes right after its stop
    assert sorted(on_blue) == sorted(("POST", f"/v3/apps/{g}/actions/stop") for g in blue), on_blue
    assert all(f'Stopping application "{name}"...' in world.messages(ctx) for name in blue.values())


def test_stop_old_counts_an_app_deleted_meanwhile_as_stopped(world: World) -> None:
    deploy(world, "1.0.0")
    ctx = deploy(world, "2.0.0", until="stop-old")
    gone = next(a for a in world.sim.state()["apps"] if a["name"] == "web-blue")
    world.cc().delete(f"/v3/apps/{gone['guid']}")
    assert world.run(StopOldApps(), ctx) == DONE
    assert ctx.plan.stops[gone["guid"]].stage == "done"


def test_stop_old_leaves_the_apps_kept_for_rollback(world: World) -> None:
    deploy(world, "1.0.0")
    ctx = deploy(world, "2.0.0", until="stop-old", options=DeployOptions(backup_previous_version=True))
    before = len(world.sim.mutations())
    world.run(StopOldApps(), ctx)
    assert not [w for w in world.sim.mutations()[before:] if w.startswith("DELETE")]
    assert {a["state"] for a in world.sim.state()["apps"] if a["name"].endswith("-blue")} == {"STOPPED"}


def test_undeploy_old_looks_at_deletions_stop_old_started_when_they_are_due(world: World) -> None:
    deploy(world, "1.0.0")
    ctx = deploy(world, "2.0.0", until="stop-old")
    assert StopOldApps().run(ctx) == DONE  # each old app stopped, its deletion started
    dues = {r.due for r in ctx.plan.removals.values() if r.jobs}
    assert dues and min(dues) > ctx.now()
    before = len(world.sim.requests())
    result = UndeployOldApps().run(ctx)  # at once: no deletion is due yet
    assert isinstance(result, Wait) and result.until == min(dues)
    assert not [r for r in world.sim.requests()[before:] if r["path"].startswith("/v3/jobs/")]
    world.clock.wait(ctx.aborted, result.until - world.clock.now())
    assert world.run(UndeployOldApps(), ctx) == DONE
    assert sorted(a["name"] for a in world.sim.state()["apps"]) == ["api-green", "web-green"]
