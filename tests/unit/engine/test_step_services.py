"""services: created once, untouched when unchanged, updated only where they differ, and a managed
instance whose creation failed is created again."""

from __future__ import annotations

import pytest

from bgdeploy.cc import services as cc_services
from bgdeploy.engine.plan import COLORS, DeploymentPlan
from bgdeploy.engine.step import DONE
from bgdeploy.engine.steps.services import CreateOrUpdateServices
from bgdeploy.errors import CloudControllerError

from .world import World


def plan() -> DeploymentPlan:
    return DeploymentPlan(scheme=COLORS, default_domain="apps.sim.test", idle_color="BLUE")


def test_creates_both_services_then_a_second_run_writes_nothing(world: World) -> None:
    assert world.run(CreateOrUpdateServices(), world.context("1.0.0", plan=plan())) == DONE
    assert sorted(world.sim.mutations()) == ["POST /v3/service_instances", "POST /v3/service_instances"]
    assert sorted(s["name"] for s in world.sim.state()["service_instances"]) == ["config", "db"]
    before = len(world.sim.mutations())
    ctx = world.context("1.0.0", plan=plan())
    assert world.run(CreateOrUpdateServices(), ctx) == DONE
    assert world.sim.mutations()[before:] == []
    assert world.messages(ctx).count('Service "db" is up to date') == 1


def test_a_new_version_updates_what_differs_before_it_is_done(world: World) -> None:
    world.run(CreateOrUpdateServices(), world.context("1.0.0", plan=plan()))
    before = len(world.sim.requests())
    world.run(CreateOrUpdateServices(), world.context("2.0.0", plan=plan()))
    writes = [r for r in world.sim.requests()[before:] if r["method"] in ("POST", "PATCH", "DELETE")]
    assert all(w["method"] == "PATCH" and w["path"].startswith("/v3/service_instances/") for w in writes)
    # The sample's v2: db gets a new plan and parameters (broker operations, 202), config new credentials.
    assert sorted(w["status"] for w in writes) == [200, 200, 200, 202, 202]
    state = {s["name"]: s for s in world.sim.state()["service_instances"]}
    assert (state["db"]["plan"], state["db"]["parameters"]) == ("large", {"max_connections": 50})
    assert state["config"]["credentials"] == {"greeting": "hello again"}


def test_failed_creation_is_deleted_and_created_again(world: World) -> None:
    world.sim.faults(broker_failures=["db"])
    ctx = world.context("1.0.0", plan=plan())
    with pytest.raises(CloudControllerError, match='Creating service "db" failed'):
        world.run(CreateOrUpdateServices(), ctx)
    db = next(s for s in world.sim.state()["service_instances"] if s["name"] == "db")
    assert db["last_operation"]["state"] == "failed"
    world.sim.faults()
    retry = world.context("1.0.0", plan=plan())
    assert world.run(CreateOrUpdateServices(), retry) == DONE
    db2 = next(s for s in world.sim.state()["service_instances"] if s["name"] == "db")
    assert db2["guid"] != db["guid"] and db2["last_operation"]["state"] == "succeeded"
    assert "DELETE /v3/service_instances/" + db["guid"] in world.sim.mutations()


def test_service_instances_are_looked_up_in_one_request_with_their_plans(world: World) -> None:
    assert world.run(CreateOrUpdateServices(), world.context("1.0.0", plan=plan())) == DONE
    before = len(world.sim.requests())
    assert world.run(CreateOrUpdateServices(), world.context("2.0.0", plan=plan())) == DONE
    reads = [r for r in world.sim.requests()[before:] if r["method"] == "GET"]
    lookups = [r for r in reads if r["path"] == "/v3/service_instances"]
    assert len(lookups) == 1 and "fields%5Bservice_plan%5D" in lookups[0]["query"], lookups
    assert not [r for r in reads if r["path"].startswith(("/v3/service_plans/", "/v3/service_offerings/"))], reads


def test_a_second_look_at_one_instance_brings_its_plan_offering_and_broker_names(world: World) -> None:
    world.run(CreateOrUpdateServices(), world.context("1.0.0", plan=plan()))
    [db] = [s for s in world.sim.state()["service_instances"] if s["name"] == "db"]
    before = len(world.sim.requests())
    found = cc_services.get_instance(world.cc(), db["guid"])
    assert found is not None and (found.plan_name, found.offering_name) == ("small", "postgresql")
    assert found.broker_name
    assert len(world.sim.requests()) - before == 1  # not three more lookups for the names


def test_a_synchronous_update_answer_is_the_next_look_at_the_instance(world: World) -> None:
    """config (user-provided) gets new credentials, then new metadata: both answered 200 with the instance,
    so neither is followed by a read of it, and its credentials are read once."""
    world.run(CreateOrUpdateServices(), world.context("1.0.0", plan=plan()))
    config = next(s for s in world.sim.state()["service_instances"] if s["name"] == "config")
    before = len(world.sim.requests())
    assert world.run(CreateOrUpdateServices(), world.context("2.0.0", plan=plan())) == DONE
    about_config = [f'{r["method"]} {r["path"]}' for r in world.sim.requests()[before:]
                    if config["guid"] in r["path"]]
    path = f"/v3/service_instances/{config['guid']}"
    assert about_config == [f"GET {path}/credentials", f"PATCH {path}", f"PATCH {path}"], about_config
    state = next(s for s in world.sim.state()["service_instances"] if s["name"] == "config")
    assert state["credentials"] == {"greeting": "hello again"}
    assert state["metadata"]["annotations"]["mta_version"] == "2.0.0"
