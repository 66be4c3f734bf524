"""deploy-apps against the in-process simulator: the writes of a first run, none on a second run, and the
stage a crash or retry continues from."""

from __future__ import annotations

import time

import pytest

from bgdeploy.engine.plan import COLORS, DeployedApp, DeploymentPlan
from bgdeploy.engine.step import DONE
from bgdeploy.engine.steps.deploy_apps import DeployApps, DeployOne, work_of
from bgdeploy.engine.steps.services import CreateOrUpdateServices
from bgdeploy.errors import CloudControllerError, InfrastructureError

from .world import World, deploy


def first_deploy_plan() -> DeploymentPlan:
    return DeploymentPlan(scheme=COLORS, default_domain="apps.sim.test", idle_color="BLUE", detected=True)


def test_first_run_creates_each_app_once_and_a_second_run_writes_nothing(world: World) -> None:
    ctx = world.context("1.0.0", plan=first_deploy_plan())
    world.run(CreateOrUpdateServices(), ctx)
    before = len(world.sim.mutations())
    assert world.run(DeployApps(), ctx) == DONE
    writes = world.sim.mutations()[before:]
    assert writes.count("POST /v3/apps") == 2
    assert writes.count("POST /v3/packages") == 2
    assert writes.count("POST /v3/builds") == 2
    assert sorted(a["name"] for a in world.sim.state()["apps"]) == ["api-blue", "web-blue"]
    assert {a["state"] for a in world.sim.state()["apps"]} == {"STARTED"}

    plan = first_deploy_plan()  # a new operation, whose detect step found the apps (by their labels)
    plan.deployed = [DeployedApp(a["guid"], a["name"], a["name"].split("-")[0], "BLUE", "")
                     for a in world.sim.state()["apps"]]
    again = world.context("1.0.0", plan=plan)
    before = len(world.sim.mutations())
    assert world.run(DeployApps(), again) == DONE
    new = world.sim.mutations()[before:]
    assert new == [], new
    assert "Content of application \"web-blue\" is not changed - upload will be skipped." in world.messages(again)


def test_a_failed_staging_is_staged_again_on_retry(world: World) -> None:
    ctx = world.context("1.0.0", plan=first_deploy_plan())
    world.run(CreateOrUpdateServices(), ctx)
    world.sim.faults(staging_failures=["web-blue"])
    with pytest.raises(CloudControllerError, match="Staging failed"):
        world.run(DeployApps(), ctx)
    assert ctx.plan.apps["web"].stage == "build"
    world.sim.faults()
    assert world.run(DeployApps(), ctx) == DONE
    web = world.app("web-blue")
    assert web is not None and web["state"] == "STARTED"
    builds = [r for r in world.sim.requests() if r["method"] == "POST" and r["path"] == "/v3/builds"]
    assert len(builds) == 3  # api once, web twice


def test_a_lost_answer_to_create_app_adopts_the_app_instead_of_failing(world: World) -> None:
    ctx = world.context("1.0.0", plan=first_deploy_plan())
    world.run(CreateOrUpdateServices(), ctx)
    world.sim.faults(rules=[{"target": "api", "path": "^/v3/apps$", "methods": ["POST"], "rate_lost": 1.0,
                             "times": 2}])
    assert world.run(DeployApps(), ctx) == DONE
    assert sorted(a["name"] for a in world.sim.state()["apps"]) == ["api-blue", "web-blue"]


def test_only_a_build_of_this_package_is_adopted(world: World) -> None:
    """A build of another package of the app (an aborted operation's) is waited out, never adopted."""
    ctx = world.context("1.0.0", plan=first_deploy_plan())
    world.run(CreateOrUpdateServices(), ctx)
    world.run(DeployApps(), ctx)
    sim = world.sim.sim
    app = next(a for a in sim.store.all("apps") if a["name"] == "web-blue")
    old_droplet = app["droplet_guid"]
    redo = world.context("1.0.0", plan=first_deploy_plan())
    work = work_of(redo, "web")
    work.stage, work.guid, work.name = "build", app["guid"], "web-blue"
    source = next(p for p in sim.store.all("packages") if p["app_guid"] == app["guid"])

    def package() -> dict:
        return sim.store.add("packages", {**{k: v for k, v in source.items() if k not in ("guid", "_seq")},
                                          "metadata": {"labels": {}, "annotations": {}}})

    work.package_guid = package()["guid"]  # ours: READY, not staged yet
    foreign = package()
    sim.store.add("builds", {"state": "STAGING", "app_guid": app["guid"], "package_guid": foreign["guid"],
                             "droplet_guid": None, "error": None, "metadata": {"labels": {}, "annotations": {}},
                             "lifecycle": {"type": "buildpack", "data": {}}, "created_by": {}})
    result = DeployOne(redo, redo.model("live").app("web"), "live").advance()
    assert result is not None  # it waits: CC stages one build per app at a time
    assert work.stage == "build" and not work.build_guid
    assert app["droplet_guid"] == old_droplet
    sim.store.where("builds", package_guid=foreign["guid"])[0]["state"] = "STAGED"  # the other build ends
    assert world.run_advance(DeployOne(redo, redo.model("live").app("web"), "live")) is None
    ours = sim.store.where("builds", package_guid=work.package_guid)
    assert len(ours) == 1 and app["droplet_guid"] == ours[0]["droplet_guid"] != old_droplet


def test_an_upload_whose_answer_was_lost_is_not_sent_again(world: World) -> None:
    ctx = world.context("1.0.0", plan=first_deploy_plan())
    world.run(CreateOrUpdateServices(), ctx)
    world.sim.faults(rules=[{"target": "api", "path": "/upload$", "rate_lost": 1.0, "times": 2}])
    assert world.run(DeployApps(), ctx) == DONE
    uploads = [r for r in world.sim.requests() if r["path"].endswith("/upload")]
    assert len(uploads) == 2  # one per app: the lost answers were recognised by the package state
    assert {a["state"] for a in world.sim.state()["apps"]} == {"STARTED"}


def test_a_crashed_start_is_retried_with_a_restart(world: World) -> None:
    ctx = world.context("1.0.0", plan=first_deploy_plan())
    world.run(CreateOrUpdateServices(), ctx)
    one = DeployOne(ctx, ctx.model("live").app("api"), "live")
    for _ in range(500):
        one.advance()
        if one.work.stage == "running":
            break
        world.clock.wait(ctx.aborted, 0.05)
    runner = world.sim.sim.runner
    deadline = time.monotonic() + 10
    while not (procs := [i.proc for live in runner.instances.values() for i in live if i.proc]):
        assert time.monotonic() < deadline
        time.sleep(0.01)
    procs[0].kill()
    with pytest.raises(InfrastructureError, match='"api-blue" crashed while starting'):
        world.run_advance(one)
    assert one.work.stage == "start" and one.work.restart
    world.run_advance(DeployOne(ctx, ctx.model("live").app("api"), "live"))
    assert any(w.endswith("/actions/restart") for w in world.sim.mutations())
    api = world.app("api-blue")
    assert api is not None and api["state"] == "STARTED"
    assert [i["state"] for i in world.sim.state()["instances"] if i["app_guid"] == api["guid"]] == ["RUNNING"]


def test_unchanged_bits_reuse_the_live_droplet_without_upload_or_staging(world: World) -> None:
    """A v2 with the same module files as v1, in a rebuilt archive (other zip dates)."""
    deploy(world, "1.0.0")
    before = len(world.sim.mutations())
    ctx = deploy(world, "2.0.0", until="routes-after_deploy", bits_version="1.0.0")
    writes = world.sim.mutations()[before:]
    assert writes.count("POST /v3/droplets") == 2
    assert not [w for w in writes if w.endswith("/upload") or w in ("POST /v3/packages", "POST /v3/builds")], writes
    said = world.messages(ctx)
    assert 'Application "web-green" uses the unchanged droplet of "web-blue"' in said
    assert 'Application "api-green" uses the unchanged droplet of "api-blue"' in said
    assert {a.digest for a in ctx.plan.deployed} == {ctx.plan.apps["web"].digest, ctx.plan.apps["api"].digest}


def test_a_refused_droplet_copy_falls_back_to_an_upload(world: World) -> None:
    deploy(world, "1.0.0")
    with world.sim.sim.lock:  # CC expires old droplets; an expired one cannot be copied
        for droplet in world.sim.sim.store.all("droplets"):
            droplet["state"] = "EXPIRED"
    before = len(world.sim.mutations())
    ctx = deploy(world, "2.0.0", until="routes-after_deploy", bits_version="1.0.0")
    writes = world.sim.mutations()[before:]
    assert writes.count("POST /v3/builds") == 2 and sum(w.endswith("/upload") for w in writes) == 2
    assert ctx.plan.apps["web"].stage == "done"
