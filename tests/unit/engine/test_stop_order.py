"""Dependency-aware stop order: on resume the old apps stop consumers first (`deployed-after`), each wave
once the previous one's instances are down; without it they stop side by side."""

from __future__ import annotations

import itertools

from bgdeploy.engine.options import DeployOptions
from bgdeploy.engine.plan import DeployedApp
from bgdeploy.engine.steps.stop_old import StopOldApps
from bgdeploy.engine.stop_order import stop_waves
from bgdeploy.mta.model import AppSpec

from .custom_mta import events, use
from .world import World, deploy


def spec(module: str, after: list[str] | None = None) -> AppSpec:
    return AppSpec(module=module, name=module, content=None, deployed_after=after)


def old(module: str) -> DeployedApp:
    return DeployedApp(guid=module, name=f"{module}-blue", module=module, color="BLUE", created_at="")


def names(waves: list[list[DeployedApp]]) -> list[list[str]]:
    return [sorted(a.module for a in wave) for wave in waves]


def test_waves_follow_deployed_after_consumers_first() -> None:
    specs = {"db": spec("db"), "api": spec("api", ["db"]), "web": spec("web", ["api"]), "jobs": spec("jobs", ["db"])}
    apps = [old("db"), old("api"), old("web"), old("jobs"), old("gone")]
    assert names(stop_waves(apps, specs, True)) == [["gone", "jobs", "web"], ["api"], ["db"]]
    assert names(stop_waves(apps, specs, False)) == [["api", "db", "gone", "jobs", "web"]]
    assert stop_waves([], specs, True) == []


def test_a_module_without_an_old_app_still_orders_the_others() -> None:
    """web needs api needs db; api is new in this version: web still stops before db."""
    specs = {"db": spec("db"), "api": spec("api", ["db"]), "web": spec("web", ["api"])}
    assert names(stop_waves([old("db"), old("web")], specs, True)) == [["web"], ["db"]]


DESCRIPTOR = """\
_schema-version: "3.3"
ID: bg.sample
version: "@VERSION@"
modules:
  - name: db-api
    type: python
    path: db-api/
    parameters: {memory: 64M, no-route: true}
  - name: web
    type: python
    path: web/
    deployed-after: [db-api]
    parameters: {memory: 64M, no-route: true}
  - name: worker
    type: python
    path: worker/
    deployed-after: [web]
    parameters: {memory: 64M, no-route: true}
"""


def stops(world: World, ctx: object) -> list[str]:
    gone = {a.guid: a.name for a in ctx.plan.deployed}  # type: ignore[attr-defined]
    return [e for e in events(world, gone) if e.startswith("stop@")]


def test_old_apps_stop_consumers_first(world: World) -> None:
    use(world, DESCRIPTOR, ["db-api", "web", "worker"])
    ordered = DeployOptions(dependency_aware_stop_order=True)
    deploy(world, "1.0.0", options=ordered)
    ctx = deploy(world, "2.0.0", options=ordered, until="stop-old")
    before = len(world.sim.requests())
    world.run(StopOldApps(), ctx)
    assert stops(world, ctx) == ["stop@worker-blue", "stop@web-blue", "stop@db-api-blue"]
    # Each wave waits for the instances of the one before to be down: stats read between the stops.
    log = [(r["method"], r["path"]) for r in world.sim.requests()[before:]]
    stop_at = [i for i, (m, p) in enumerate(log) if m == "POST" and p.endswith("/actions/stop")]
    assert all(any(p.endswith("/stats") for _, p in log[a:b]) for a, b in itertools.pairwise(stop_at))


def test_the_global_parameter_asks_for_the_same_order(world: World) -> None:
    use(world, DESCRIPTOR.replace("modules:", "parameters:\n  bg-dependency-aware-stop-order: true\nmodules:"),
        ["db-api", "web", "worker"])
    deploy(world, "1.0.0")
    ctx = deploy(world, "2.0.0", until="stop-old")
    assert ctx.model("live").dependency_aware_stop_order
    world.run(StopOldApps(), ctx)
    assert stops(world, ctx) == ["stop@worker-blue", "stop@web-blue", "stop@db-api-blue"]
    assert {a["name"]: a["state"] for a in world.sim.state()["apps"]}["db-api-blue"] == "STOPPED"


def test_a_resume_stops_each_old_app_once(world: World) -> None:
    """stop-old stops them; undeploy-old, which deletes the apps unmap-old took off their routes without
    reading them, does not stop them again."""
    deploy(world, "1.0.0")
    ctx = deploy(world, "2.0.0")
    assert {u.app for u in ctx.plan.unmapped} == {"web-blue", "api-blue"}
    assert sorted(stops(world, ctx)) == ["stop@api-blue", "stop@web-blue"]
    assert not any(a["name"].endswith("-blue") for a in world.sim.state()["apps"])
