"""Dry runs in the corners: apps deployed without colours, warnings (values that differ while testing, an active
operation, what is not supported), and the errors a deploy would stop at, which fail the plan the same way."""

from __future__ import annotations

from pathlib import Path

import pytest

from bgdeploy.engine.operations import ACTION_REQUIRED, BLUE_GREEN_DEPLOY, DEPLOY
from bgdeploy.errors import ContentError
from plancheck import mtar, shop

from .test_dryrun import Deployer, modules
from .world import World, upload, wait_state

ONE_MODULE = """_schema-version: "3.1"
ID: dr.one
version: "{version}"
modules:
  - name: web
    type: python
    path: web/
    parameters:
      memory: 64M
      command: python3 server.py
{extra}
"""


def one(world: World, version: str, extra: str = "", content: str = "web 1") -> Path:
    return mtar(world.dir / f"one-{version}.mtar", ONE_MODULE.format(version=version, extra=extra), {"web": content})


def test_apps_deployed_without_colours_are_renamed_to_blue_first(world: World) -> None:
    Deployer(world, DEPLOY).deploy(shop(world.dir, "1.0.0"))
    v2 = Deployer(world, BLUE_GREEN_DEPLOY).deploy(shop(world.dir, "2.0.0"))
    assert v2["renames"] == [{"from": "web", "to": "web-blue"}, {"from": "worker", "to": "worker-blue"}]
    assert v2["colors"] == {"live": "BLUE", "new": "GREEN"} and v2["changes"]
    assert modules(v2)["web-green"]["replaces"] == "web-blue"


def test_a_service_value_that_differs_while_testing_is_a_warning(world: World) -> None:
    extra = """    provides:
      - name: web-api
        properties:
          url: ${default-url}
resources:
  - name: config
    type: org.cloudfoundry.user-provided-service
    requires:
      - name: web-api
    parameters:
      config:
        url: ~{web-api/url}"""
    d = Deployer(world, BLUE_GREEN_DEPLOY)
    first = d.deploy(one(world, "1.0.0", extra))
    assert not any("config" in w for w in first["warnings"])  # no test phase on a first deploy
    doc, _ = d.plan(one(world, "2.0.0", extra))
    assert ('resource "config": credentials differ while the new version is tested (temporary routes); the service '
            "gets the productive values, also during the test phase") in doc["warnings"]


def test_an_active_operation_and_unsupported_settings_are_warnings(world: World) -> None:
    d = Deployer(world, BLUE_GREEN_DEPLOY)
    d.deploy(one(world, "1.0.0"))
    token = world.sim.bearer()
    paused = d.engine.start_operation(d.target, token, BLUE_GREEN_DEPLOY, archive_id=upload(world, one(world, "2.0.0")))
    wait_state(world, paused.id, ACTION_REQUIRED)
    doc, _ = d.plan(one(world, "3.0.0", "      enable-parallel-service-bindings: true"))
    assert any(w.startswith(f"Operation {paused.id} (ACTION_REQUIRED) is active for this MTA") for w in doc["warnings"])
    assert any('"enable-parallel-service-bindings" is not supported' in w for w in doc["warnings"])


@pytest.mark.parametrize(("extra", "error"), [
    ("      routes:\n        - route: web.nowhere.example", 'Domain "nowhere.example" does not exist'),
    ("    requires:\n      - name: ext\nresources:\n  - name: ext\n    type: org.cloudfoundry.existing-service\n"
     "    optional: true", 'Service "ext" required by module "web" does not exist'),
    ("resources:\n  - name: ext\n    type: org.cloudfoundry.existing-service",
     'Service "ext" of resource "ext" does not exist'),
], ids=["domain", "binding", "existing-service"])
def test_what_would_fail_the_deploy_fails_the_plan(world: World, extra: str, error: str) -> None:
    d = Deployer(world, DEPLOY)
    with pytest.raises(ContentError, match=error):
        d.plan(one(world, "1.0.0", extra))
    assert world.sim.mutations() == []


def test_no_start_is_no_restart(world: World) -> None:
    d = Deployer(world, DEPLOY)
    d.deploy(one(world, "1.0.0"))
    v2 = d.deploy(one(world, "2.0.0", "      instances: 2", content="web 2"), no_start=True)
    web = modules(v2)["web"]
    assert web["changes"]["bits"] is True and web["changes"]["instances"] == {"from": 1, "to": 2}
    assert web["restart"] is False  # and plancheck saw no restart request
