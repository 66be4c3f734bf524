"""Updating services as the deploy service does: one aspect per request (plan, parameters or credentials,
tags, metadata), `skip-service-updates` and `fail-on-service-update` per aspect, and a service whose type or
offering changed recreated with --delete-services (refused in the service's words without it)."""

from __future__ import annotations

import pytest

from bgdeploy.engine.plan import COLORS, DeploymentPlan
from bgdeploy.engine.step import DONE
from bgdeploy.engine.steps.services import CreateOrUpdateServices
from bgdeploy.errors import CloudControllerError, ContentError

from .custom_mta import build
from .world import World, with_options

HEAD = """\
_schema-version: "3.3"
ID: bg.sample
version: "{version}"
modules:
  - name: web
    type: python
    path: web
    requires: [{{name: db}}, {{name: config}}]
resources:
"""
DB = """\
  - name: db
    type: org.cloudfoundry.managed-service
    parameters:
      service: {offering}
      service-plan: {plan}
{extra}
"""
CONFIG = """\
  - name: config
    type: org.cloudfoundry.user-provided-service
    parameters:
      config: {{greeting: {greeting}}}
"""


def descriptor(version: str, *, offering: str = "postgresql", plan: str = "small", extra: str = "",
               greeting: str = "hello", config_type: str = "") -> str:
    config = CONFIG.format(greeting=greeting)
    if config_type:
        config = config.replace("org.cloudfoundry.user-provided-service", config_type)
    return HEAD.format(version=version) + DB.format(offering=offering, plan=plan, extra=extra) + config


def use(world: World, versions: dict[str, str]) -> None:
    def archive(version: str, bits_version: str | None = None):  # type: ignore[no-untyped-def]
        path = world.dir / f"services-{version}.mtar"
        return path if path.exists() else build(path, versions[version], ["web"])

    world.archive = archive  # type: ignore[method-assign]


def plan() -> DeploymentPlan:
    return DeploymentPlan(scheme=COLORS, default_domain="apps.sim.test", idle_color="BLUE")


def services(world: World) -> dict[str, dict]:
    return {s["name"]: s for s in world.sim.state()["service_instances"]}


def service_writes(world: World, since: int) -> list[str]:
    """`PATCH db:plan` style: which instance each write was about, and what it changed."""
    names = {s["guid"]: s["name"] for s in world.sim.state()["service_instances"]}
    return [f"{r['method']} {names.get(r['path'].rsplit('/', 1)[-1], '?')}" for r in world.sim.requests()[since:]
            if r["method"] in ("PATCH", "POST", "DELETE") and r["path"].startswith("/v3/service_instances")]


def test_each_aspect_is_its_own_update_and_a_second_run_writes_nothing(world: World) -> None:
    use(world, {"1.0.0": descriptor("1.0.0"),
                "2.0.0": descriptor("2.0.0", plan="large", extra="      config: {max_connections: 50}",
                                    greeting="hello v2")})
    assert world.run(CreateOrUpdateServices(), world.context("1.0.0", plan=plan())) == DONE
    before = len(world.sim.requests())
    ctx = world.context("2.0.0", plan=plan())
    assert world.run(CreateOrUpdateServices(), ctx) == DONE
    # db: plan, then parameters (each a broker operation), then its metadata; config: credentials, metadata.
    assert sorted(service_writes(world, before)) == ["PATCH config", "PATCH config", "PATCH db", "PATCH db", "PATCH db"]
    db, config = services(world)["db"], services(world)["config"]
    assert (db["plan"], db["parameters"]) == ("large", {"max_connections": 50})
    assert db["metadata"]["annotations"]["mta_version"] == "2.0.0"
    assert config["credentials"] == {"greeting": "hello v2"}
    assert 'Updating service "db"...' in world.messages(ctx) and 'Updating service "config"...' in world.messages(ctx)

    before = len(world.sim.requests())
    again = world.context("2.0.0", plan=plan())
    assert world.run(CreateOrUpdateServices(), again) == DONE
    assert service_writes(world, before) == []
    assert world.messages(again).count('Service "db" is up to date') == 1


def test_skip_service_updates_leaves_the_named_aspects_and_says_so(world: World) -> None:
    skip = "      skip-service-updates: {plan: true, parameters: true}\n      service-tags: [fast]"
    use(world, {"1.0.0": descriptor("1.0.0"),
                "2.0.0": descriptor("2.0.0", plan="large", extra=skip + "\n      config: {x: 1}")})
    world.run(CreateOrUpdateServices(), world.context("1.0.0", plan=plan()))
    ctx = world.context("2.0.0", plan=plan())
    assert world.run(CreateOrUpdateServices(), ctx) == DONE
    db = services(world)["db"]
    assert (db["plan"], db["parameters"], db["tags"]) == ("small", {}, ["fast"])
    texts = world.messages(ctx)
    assert 'Service plan for service "db" will not be updated, as the option for skipping service plan updates ' \
           "is enabled." in texts
    assert 'Service parameters for service "db" will not be updated, as the option for skipping service ' \
           "parameter updates is enabled." in texts
    assert 'Updating service tags for service "db"...' in texts
    # The digest still names the parameters the instance was created with, not the skipped ones.
    assert db["metadata"]["annotations"]["bgdeploy/parameters-digest"] == _digest({})


def test_a_refused_plan_change_fails_unless_fail_on_service_update_says_go_on(world: World) -> None:
    use(world, {"1.0.0": descriptor("1.0.0", offering="application-logs", plan="lite"),
                "2.0.0": descriptor("2.0.0", offering="application-logs", plan="standard"),
                "3.0.0": descriptor("3.0.0", offering="application-logs", plan="standard",
                                    extra="      fail-on-service-update: {plan: false}")})
    world.run(CreateOrUpdateServices(), world.context("1.0.0", plan=plan()))
    with pytest.raises(CloudControllerError, match=r'Could not update plan of service "db" : The service does not '
                                                   r"support changing plans\."):
        world.run(CreateOrUpdateServices(), world.context("2.0.0", plan=plan()))
    ctx = world.context("3.0.0", plan=plan())
    assert world.run(CreateOrUpdateServices(), ctx) == DONE
    assert 'Service instance: "db" plan update failed, ignoring failure...' in world.messages(ctx)
    db = services(world)["db"]
    assert db["plan"] == "lite" and db["metadata"]["annotations"]["mta_version"] == "3.0.0"


def test_a_failed_broker_operation_is_warned_about_by_default_and_fails_when_asked(world: World) -> None:
    use(world, {"1.0.0": descriptor("1.0.0"),
                "2.0.0": descriptor("2.0.0", extra="      config: {x: 2}"),
                "3.0.0": descriptor("3.0.0", extra="      config: {x: 2}\n      fail-on-service-update: true")})
    world.run(CreateOrUpdateServices(), world.context("1.0.0", plan=plan()))
    world.sim.faults(broker_failures=["db"])
    ctx = world.context("2.0.0", plan=plan())
    assert world.run(CreateOrUpdateServices(), ctx) == DONE
    assert any(t.startswith('Updating service "db" failed: ') for t in world.messages(ctx))
    # The parameters were not applied: nothing claims they were, so the next deploy sends them again.
    assert services(world)["db"]["metadata"]["annotations"].get("bgdeploy/parameters-digest") != \
        _digest({"x": 2})
    with pytest.raises(CloudControllerError, match=r'Error updating service "db" from offering "postgresql" and '
                                                   r'plan "small": '):
        world.run(CreateOrUpdateServices(), world.context("3.0.0", plan=plan()))
    world.sim.faults()
    assert world.run(CreateOrUpdateServices(), world.context("3.0.0", plan=plan())) == DONE
    assert services(world)["db"]["parameters"] == {"x": 2}


def _digest(parameters: dict) -> str:
    from bgdeploy.engine.actions.services import parameters_digest

    return parameters_digest(parameters)


def config_as_managed(version: str) -> str:
    return HEAD.format(version=version) + DB.format(offering="redis", plan="default", extra="") + """\
  - name: config
    type: org.cloudfoundry.managed-service
    parameters:
      service: objectstore
      service-plan: standard
"""


def test_a_changed_type_is_refused_in_the_services_words_without_delete_services(world: World) -> None:
    use(world, {"1.0.0": descriptor("1.0.0"), "2.0.0": config_as_managed("2.0.0")})
    world.run(CreateOrUpdateServices(), world.context("1.0.0", plan=plan()))
    with pytest.raises(ContentError) as err:
        world.run(CreateOrUpdateServices(), world.context("2.0.0", plan=plan()))
    assert str(err.value) in [
        f'Service described by MTA resource "{r}" of type [{w}] does not match already existing service "{r}" of '
        f'type [{e}] and needs to be recreated. Use command line option "--delete-services" to enable the deletion '
        "of the existing one."
        for r, w, e in (("db", "redis/default", "postgresql/small"),
                        ("config", "objectstore/standard", "user-provided-service"))]
    assert services(world)["config"]["type"] == "user-provided"


def test_delete_services_recreates_a_service_whose_offering_or_type_changed(world: World) -> None:
    use(world, {"1.0.0": descriptor("1.0.0"), "2.0.0": config_as_managed("2.0.0")})
    world.run(CreateOrUpdateServices(), world.context("1.0.0", plan=plan()))
    old = services(world)
    ctx = with_options(world.context("2.0.0", plan=plan()), delete_services=True)
    assert world.run(CreateOrUpdateServices(), ctx) == DONE
    new = services(world)
    assert (new["db"]["offering"], new["db"]["plan"]) == ("redis", "default")
    assert (new["config"]["type"], new["config"]["offering"]) == ("managed", "objectstore")
    assert new["db"]["guid"] != old["db"]["guid"] and new["config"]["guid"] != old["config"]["guid"]
    texts = world.messages(ctx)
    assert 'Deleting service "config"...' in texts
    assert 'Creating service "config" from MTA resource "config"...' in texts


def test_another_service_broker_means_recreation_with_delete_services(world: World) -> None:
    partner = "      service-broker: partner-broker"
    use(world, {"1.0.0": descriptor("1.0.0", offering="redis", plan="default"),
                "2.0.0": descriptor("2.0.0", offering="redis", plan="default", extra=partner)})
    world.run(CreateOrUpdateServices(), world.context("1.0.0", plan=plan()))
    first = services(world)["db"]
    with pytest.raises(ContentError, match=r'Service described by MTA resource "db" of type \[redis/default of '
                                           r"service broker partner-broker\] does not match already existing "
                                           r'service "db" of type \[redis/default of service broker sim-broker\]'):
        world.run(CreateOrUpdateServices(), world.context("2.0.0", plan=plan()))
    ctx = with_options(world.context("2.0.0", plan=plan()), delete_services=True)
    assert world.run(CreateOrUpdateServices(), ctx) == DONE
    db = services(world)["db"]
    store = world.sim.sim.store.tables
    offering = store["service_offerings"][store["service_plans"][db_plan_guid(world, db["guid"])]["offering_guid"]]
    assert db["guid"] != first["guid"] and store["service_brokers"][offering["broker_guid"]]["name"] == "partner-broker"
    again = world.context("2.0.0", plan=plan())
    assert world.run(CreateOrUpdateServices(), again) == DONE and services(world)["db"]["guid"] == db["guid"]


def db_plan_guid(world: World, guid: str) -> str:
    return world.sim.sim.store.tables["service_instances"][guid]["plan_guid"]


def test_differences_name_every_differing_aspect_and_write_nothing(world: World) -> None:
    from bgdeploy.cc import services as cc_services
    from bgdeploy.engine.actions.service_updates import differences, type_change

    world.run(CreateOrUpdateServices(), world.context("1.0.0", plan=plan()))  # the sample (see test_step_services)
    ctx = world.context("2.0.0", plan=plan())
    before = len(world.sim.mutations())
    found = {}
    for spec in ctx.model("live").services:
        existing = cc_services.find_instance(ctx.cc, ctx.op.space_guid, spec.name)
        assert existing is not None and type_change(ctx, spec, existing) is None
        found[spec.name] = sorted(differences(ctx, spec, existing))
    assert found == {"db": ["metadata", "parameters", "plan"], "config": ["metadata", "parameters"]}
    assert world.sim.mutations()[before:] == []
