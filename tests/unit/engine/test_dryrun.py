"""A dry run against the in-process simulator: it writes nothing, and the deploy after it does what it said
(its requests and the state it leaves, held against the plan by plancheck), for every naming scheme, for a
first deploy, a v2 with changes, an unchanged v2, and a v3 that drops a module and a service."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from bgdeploy.engine.operations import ACTION_REQUIRED, BLUE_GREEN_DEPLOY, DEPLOY, ERROR, FINISHED, RESUME
from bgdeploy.engine.options import DeployOptions
from bgdeploy.errors import ContentError
from plancheck import Space, check, shop, validate

from .world import World, engine_for, upload, wait_state


class Deployer:
    """Plans, then deploys (resuming at the pause), and checks the plan against the deploy."""

    def __init__(self, world: World, process: str, options: DeployOptions | None = None) -> None:
        self.world, self.process, self.options = world, process, options or DeployOptions()
        self.engine, self.target = engine_for(world)

    def plan(self, archive: Path, **options: Any) -> tuple[dict[str, Any], str]:
        world, token = self.world, self.world.sim.bearer()
        file_id = upload(world, archive)
        before = len(world.sim.mutations())
        plan = self.engine.preview(self.target, token, self.process, archive_id=file_id,
                                   options=self._options(**options))
        assert world.sim.mutations()[before:] == [], "a dry run wrote to Cloud Controller"
        assert world.store.list_operations(self.target.space_guid) == self._ops, "a dry run made an operation"
        doc = json.loads(plan.to_json())
        validate(doc)
        return doc, file_id

    def deploy(self, archive: Path, **options: Any) -> dict[str, Any]:
        doc, file_id = self.plan(archive, **options)
        world, token = self.world, self.world.sim.bearer()
        before, since = Space.of(world.sim.state()), len(world.sim.requests())
        op = self.engine.start_operation(self.target, token, self.process, archive_id=file_id,
                                         options=self._options(**options))
        if wait_state(world, op.id, FINISHED, ERROR, ACTION_REQUIRED).state == ACTION_REQUIRED:
            assert doc["test_phase"]
            self.engine.act(op.id, RESUME, token, self.target)
        assert wait_state(world, op.id, FINISHED, ERROR).state == FINISHED, world.store.get_operation(op.id)
        self.evidence = (before, Space.of(world.sim.state()), world.sim.requests()[since:])
        check(doc, *self.evidence)
        return doc

    @property
    def _ops(self) -> list[Any]:
        return self.world.store.list_operations(self.target.space_guid)

    def _options(self, **values: Any) -> DeployOptions:
        return DeployOptions(**{**self.options.plain(), **values})


def modules(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {m["app"]: m for m in doc["modules"]}


def services(doc: dict[str, Any]) -> dict[str, str]:
    return {s["name"]: s["action"] for s in doc["services"]}


def test_bg_deploy_first_v2_unchanged_and_a_module_dropped(world: World) -> None:
    d = Deployer(world, BLUE_GREEN_DEPLOY, DeployOptions(strategy="blue-green"))
    first = d.deploy(shop(world.dir, "1.0.0"))
    assert first["changes"] and first["colors"] == {"new": "BLUE"} and not first["test_phase"]
    assert {m["app"]: m["action"] for m in first["modules"]} == {"web-blue": "create", "worker-blue": "create"}
    assert services(first) == {"db": "create", "config": "create"}
    assert [r["route"] for r in first["routes"]["map"]] == ["shop-space.apps.sim.test"]

    v2 = d.deploy(shop(world.dir, "2.0.0"))
    assert v2["colors"] == {"live": "BLUE", "new": "GREEN"} and v2["test_phase"] and v2["changes"]
    web = modules(v2)["web-green"]
    assert web["replaces"] == "web-blue" and web["action"] == "update"
    assert web["changes"]["env"] == {"added": ["NEW_KEY"], "changed": ["GREETING"], "removed": ["OLD_KEY"]}
    assert web["changes"]["instances"] == {"from": 1, "to": 2}
    assert web["changes"]["memory_mb"] == {"from": 64, "to": 128}
    assert web["changes"]["routes"] == {"map": ["shop2-space.apps.sim.test"], "unmap": []}
    assert web["changes"]["bindings"] == {"bind": ["config"], "unbind": []}
    assert "bits" not in web["changes"] and modules(v2)["worker-green"]["changes"]["bits"] is True
    assert services(v2) == {"db": "update", "config": "update", "cache": "create"}
    assert next(s for s in v2["services"] if s["name"] == "config")["changes"] == ["credentials", "metadata"]
    assert {r["route"] for r in v2["routes"]["temporary"]} == {"org-space-web-idle.apps.sim.test"}

    same = d.deploy(shop(world.dir, "2.0.0"))
    assert not same["changes"] and same["colors"] == {"live": "GREEN", "new": "BLUE"}
    assert {m["action"] for m in same["modules"]} == {"unchanged"} and set(services(same).values()) == {"unchanged"}

    v3 = d.deploy(shop(world.dir, "3.0.0"), delete_services=True)
    assert modules(v3)["worker-blue"]["action"] == "delete"  # BLUE is live again after the unchanged v2
    assert modules(v3)["web-green"]["changes"]["bindings"] == {"bind": [], "unbind": ["config"]}
    assert services(v3) == {"db": "update", "cache": "update", "config": "delete"}


def test_plain_deploy_writes_exactly_what_the_plan_says(world: World) -> None:
    d = Deployer(world, DEPLOY)
    first = d.deploy(shop(world.dir, "1.0.0"))
    assert first["naming"] == "plain" and first["process"] == "deploy" and "colors" not in first
    v2 = d.deploy(shop(world.dir, "2.0.0"))
    web = modules(v2)["web"]
    assert web["existing_app"] and web["restart"] and "replaces" not in web
    assert set(web["changes"]) == {"env", "instances", "memory_mb", "routes", "bindings", "metadata"}
    assert set(modules(v2)["worker"]["changes"]) == {"bits", "metadata"}
    same = d.deploy(shop(world.dir, "2.0.0"))
    assert not same["changes"] and same["routes"] == {"map": [], "unmap": [], "temporary": [], "create": []}
    v3 = d.deploy(shop(world.dir, "3.0.0"))  # no --delete-services: config stays
    assert modules(v3)["worker"]["action"] == "delete"
    config = next(s for s in v3["services"] if s["name"] == "config")
    assert config["action"] == "unchanged" and "--delete-services" in config["note"]


def test_idle_live_names_rename_first_and_keep_the_names(world: World) -> None:
    Deployer(world, DEPLOY).deploy(shop(world.dir, "1.0.0"))  # plain names, as `cf deploy` leaves them
    d = Deployer(world, BLUE_GREEN_DEPLOY, DeployOptions(strategy="blue-green", keep_original_app_names=True))
    v2 = d.deploy(shop(world.dir, "2.0.0"))
    assert v2["naming"] == "idle-live" and v2["test_phase"] and "colors" not in v2
    assert v2["renames"] == [{"from": "web", "to": "web-live"}, {"from": "worker", "to": "worker-live"}]
    assert modules(v2)["web-idle"]["replaces"] == "web-live"
    assert sorted(world.app(n)["name"] for n in ("web", "worker")) == ["web", "worker"]


def test_the_plan_of_a_deploy_that_would_fail_is_its_error(world: World) -> None:
    d = Deployer(world, BLUE_GREEN_DEPLOY)
    d.deploy(shop(world.dir, "2.0.0"))
    with pytest.raises(ContentError, match="version"):
        d.plan(shop(world.dir, "1.0.0"))  # SAME_HIGHER refuses a downgrade, as the detect step does
    doc, _ = d.plan(shop(world.dir, "1.0.0"), version_rule="ALL")
    assert doc["mta"] == {"id": "dr.shop", "version": "1.0.0", "deployed_version": "2.0.0"}


TAMPERED = {  # one wrong word each
    "env": lambda d: modules(d)["web"]["changes"].pop("env"),
    "instances": lambda d: modules(d)["web"]["changes"].update(instances={"from": 1, "to": 3}),
    "bits": lambda d: modules(d)["worker"]["changes"].pop("bits"),
    "restart": lambda d: modules(d)["worker"].update(restart=False),
    "service-update": lambda d: next(s for s in d["services"] if s["name"] == "config").update(action="unchanged"),
    "service-create": lambda d: next(s for s in d["services"] if s["name"] == "cache").update(action="unchanged"),
    "route-create": lambda d: d["routes"]["create"].clear(),
    "module": lambda d: d["modules"].pop(),
}


def test_the_check_tells_a_plan_from_what_the_deploy_did(world: World) -> None:
    """plancheck is the guard against the plan and the deploy drifting apart: it must notice any difference."""
    d = Deployer(world, DEPLOY)
    d.deploy(shop(world.dir, "1.0.0"))
    doc = d.deploy(shop(world.dir, "2.0.0"))
    for name, tamper in TAMPERED.items():
        wrong = copy.deepcopy(doc)
        tamper(wrong)
        with pytest.raises(AssertionError):
            check(wrong, *d.evidence)
            pytest.fail(f"a plan with a wrong {name} passed")


def test_every_session_of_a_dry_run_is_read_only(world: World) -> None:
    engine, target = engine_for(world)
    made: list[Any] = []
    factory = engine.cc_factory

    def recording(*args: Any, **kwargs: Any) -> Any:
        made.append(factory(*args, **kwargs))
        return made[-1]

    engine.cc_factory = recording
    engine.preview(target, world.sim.bearer(), BLUE_GREEN_DEPLOY, archive_id=upload(world, shop(world.dir, "1.0.0")))
    assert len(made) >= 2 and all(cc.writes_forbidden for cc in made)
