"""Service keys (created, left or recreated with --delete-service-keys, abandoned ones deleted after the apps),
existing service keys in the environment under `env-var-name`, bindings (parameters, names, rebinding,
unbinding, keep-existing), and apps pushed without MTA metadata taken over as the deployed version."""

from __future__ import annotations

import json

from bgdeploy.engine.operations import DEPLOY
from bgdeploy.engine.options import DeployOptions
from bgdeploy.engine.plan import PLAIN
from bgdeploy.engine.steps.undeploy_mta import UndeployMta

from .custom_mta import build
from .world import World, deploy

KEYS = """\
_schema-version: "3.3"
ID: bg.sample
version: "{version}"
modules:
  - name: web
    type: python
    path: web
    requires:
      - name: creds
        parameters: {{env-var-name: CREDS}}
resources:
  - name: db
    type: org.cloudfoundry.managed-service
    parameters:
      service: postgresql
      service-plan: small
      service-keys: {keys}
  - name: creds
    type: org.cloudfoundry.existing-service-key
    parameters:
      service-name: db
      service-key-name: k1
"""
BINDINGS = """\
_schema-version: "3.3"
ID: bg.sample
version: "{version}"
modules:
  - name: web
    type: python
    path: web
    parameters: {web}
    requires:
      - name: db
        parameters: {{config: {{role: {role}}}, binding-name: {binding}}}
  - name: api
    type: python
    path: api
    requires: [{{name: db}}]
resources:
  - name: db
    type: org.cloudfoundry.managed-service
    parameters:
      service: postgresql
      service-plan: small
"""


def use(world: World, versions: dict[str, str], modules: list[str]) -> None:
    def archive(version: str, bits_version: str | None = None):  # type: ignore[no-untyped-def]
        path = world.dir / f"keys-{version}.mtar"
        return path if path.exists() else build(path, versions[version], modules)

    world.archive = archive  # type: ignore[method-assign]


def store(world: World, table: str) -> list[dict]:
    return world.sim.sim.store.all(table)


def keys(world: World) -> dict[str, dict]:
    return {b["name"]: b for b in store(world, "service_credential_bindings") if b["type"] == "key"}


def app_bindings(world: World, app: str) -> dict[str, dict]:
    """service instance name -> binding, of the app named `app`."""
    guid = next(a["guid"] for a in store(world, "apps") if a["name"] == app)
    names = {s["guid"]: s["name"] for s in store(world, "service_instances")}
    return {names[b["si_guid"]]: b for b in store(world, "service_credential_bindings") if b["app_guid"] == guid}


def create(world: World, path: str, body: dict) -> dict:
    resp = world.cc().post(path, body)
    world.sim.settle()  # a managed binding's job
    return resp.json() if resp.content else {}


def test_keys_are_created_kept_recreated_and_the_abandoned_ones_deleted_after_the_apps(world: World) -> None:
    use(world, {"1.0.0": KEYS.format(version="1.0.0", keys="[{name: k1, config: {role: read}}, {name: k2}]"),
                "2.0.0": KEYS.format(version="2.0.0", keys="[{name: k1, config: {role: write}}, {name: k3}]"),
                "3.0.0": KEYS.format(version="3.0.0", keys="[{name: k1, config: {role: write}}, {name: k3}]")},
          ["web"])
    deploy(world, "1.0.0")
    made = keys(world)
    assert set(made) == {"k1", "k2"} and made["k1"]["parameters"] == {"role": "read"}
    assert made["k1"]["metadata"]["labels"]["space_guid"] == world.space["guid"]
    env = next(a for a in store(world, "apps") if a["name"] == "web-blue")["env"]
    assert json.loads(env["CREDS"]) == made["k1"]["credentials"]  # the existing key, under env-var-name
    db = next(s for s in store(world, "service_instances") if s["name"] == "db")
    create(world, "/v3/service_credential_bindings", {"type": "key", "name": "by-hand", "relationships": {
        "service_instance": {"data": {"guid": db["guid"]}}}})

    ctx = deploy(world, "2.0.0")
    now = keys(world)
    assert set(now) == {"k1", "k3", "by-hand"}  # k2 abandoned: deleted; a key made by hand is not the MTA's
    assert now["k1"]["guid"] == made["k1"]["guid"] and now["k1"]["parameters"] == {"role": "read"}
    assert 'Service key "k1" for service "db" will not be updated, as the option for deleting service keys is ' \
           "not specified!" in world.messages(ctx)
    requests = world.sim.requests()
    green_created = max(i for i, r in enumerate(requests) if r["method"] == "POST" and r["path"] == "/v3/apps")
    k2_deleted = next(i for i, r in enumerate(requests)
                      if r["method"] == "DELETE" and r["path"].endswith(made["k2"]["guid"]))
    assert k2_deleted > green_created
    assert 'Deleting service key "k2" for service instance "db"...' in world.messages(ctx)

    deploy(world, "3.0.0", options=DeployOptions(delete_service_keys=True))
    last = keys(world)
    assert last["k1"]["guid"] != made["k1"]["guid"] and last["k1"]["parameters"] == {"role": "write"}
    env = next(a for a in store(world, "apps") if a["name"] == "web-blue")["env"]
    assert json.loads(env["CREDS"]) == last["k1"]["credentials"]  # the renewed key reaches the new app


def test_undeploy_with_delete_service_keys_deletes_only_the_keys_the_mta_made(world: World) -> None:
    use(world, {"1.0.0": KEYS.format(version="1.0.0", keys="[{name: k1}]")}, ["web"])
    deploy(world, "1.0.0")
    db = next(s for s in store(world, "service_instances") if s["name"] == "db")
    create(world, "/v3/service_credential_bindings", {"type": "key", "name": "by-hand", "relationships": {
        "service_instance": {"data": {"guid": db["guid"]}}}})
    ctx = world.context("1.0.0", process_type="UNDEPLOY", options=DeployOptions(delete_service_keys=True))
    world.run(UndeployMta(), ctx)
    assert set(keys(world)) == {"by-hand"} and [s["name"] for s in store(world, "service_instances")] == ["db"]


def bindings_mta(version: str, *, role: str, binding: str = "main", keep: bool = False) -> str:
    web = "{keep-existing: {service-bindings: true}}" if keep else "{}"
    return BINDINGS.format(version=version, role=role, binding=binding, web=web)


def test_bindings_follow_their_parameters_and_foreign_ones_go_unless_kept(world: World) -> None:
    use(world, {"1.0.0": bindings_mta("1.0.0", role="admin"), "2.0.0": bindings_mta("2.0.0", role="reader"),
                "3.0.0": bindings_mta("3.0.0", role="writer", keep=True)}, ["web", "api"])
    deploy(world, "1.0.0", scheme=PLAIN, process_type=DEPLOY)
    first = app_bindings(world, "web")["db"]
    assert (first["name"], first["parameters"]) == ("main", {"role": "admin"})
    extra = create(world, "/v3/service_instances", {"type": "user-provided", "name": "extra", "relationships": {
        "space": {"data": {"guid": world.space["guid"]}}}})
    for app in ("web", "api"):
        guid = next(a["guid"] for a in store(world, "apps") if a["name"] == app)
        create(world, "/v3/service_credential_bindings", {"type": "app", "relationships": {
            "app": {"data": {"guid": guid}}, "service_instance": {"data": {"guid": extra["guid"]}}}})

    ctx = deploy(world, "2.0.0", scheme=PLAIN, process_type=DEPLOY)
    web = app_bindings(world, "web")
    assert set(web) == {"db"} and web["db"]["parameters"] == {"role": "reader"} and web["db"]["guid"] != first["guid"]
    assert set(app_bindings(world, "api")) == {"db"}
    texts = world.messages(ctx)
    assert 'Binding parameters of service instance "db" changed: application "web" is bound again' in texts
    assert 'Unbinding service instance "extra" from application "api"...' in texts

    guid = next(a["guid"] for a in store(world, "apps") if a["name"] == "web")
    create(world, "/v3/service_credential_bindings", {"type": "app", "relationships": {
        "app": {"data": {"guid": guid}}, "service_instance": {"data": {"guid": extra["guid"]}}}})
    ctx = deploy(world, "3.0.0", scheme=PLAIN, process_type=DEPLOY)
    kept = app_bindings(world, "web")
    assert set(kept) == {"db", "extra"} and kept["db"]["parameters"] == {"role": "reader"}
    assert 'Service instance "db" will not be rebound to application "web" because keep existing bindings ' \
           "strategy is defined" in world.messages(ctx)


def test_a_new_colour_keeps_the_old_apps_foreign_bindings_with_keep_existing(world: World) -> None:
    use(world, {"1.0.0": bindings_mta("1.0.0", role="admin", keep=True),
                "2.0.0": bindings_mta("2.0.0", role="admin", keep=True)}, ["web", "api"])
    deploy(world, "1.0.0")
    extra = create(world, "/v3/service_instances", {"type": "user-provided", "name": "extra", "relationships": {
        "space": {"data": {"guid": world.space["guid"]}}}})
    for app in ("web-blue", "api-blue"):
        guid = next(a["guid"] for a in store(world, "apps") if a["name"] == app)
        create(world, "/v3/service_credential_bindings", {"type": "app", "name": f"hand-{app}", "relationships": {
            "app": {"data": {"guid": guid}}, "service_instance": {"data": {"guid": extra["guid"]}}}})
    ctx = deploy(world, "2.0.0")
    assert {a["name"] for a in store(world, "apps")} == {"web-green", "api-green"}
    web = app_bindings(world, "web-green")
    assert set(web) == {"db", "extra"} and web["extra"]["name"] == "hand-web-blue"
    assert set(app_bindings(world, "api-green")) == {"db"}  # api does not keep existing bindings
    assert 'Service instance "extra" stays bound to application "web-green" (keep-existing: service-bindings)' \
        in world.messages(ctx)


def test_apps_pushed_without_metadata_are_taken_over_as_the_blue_version(world: World) -> None:
    use(world, {"1.0.0": bindings_mta("1.0.0", role="admin")}, ["web", "api"])
    pushed = create(world, "/v3/apps", {"name": "web", "relationships": {
        "space": {"data": {"guid": world.space["guid"]}}}})
    create(world, "/v3/apps", {"name": "stranger", "relationships": {"space": {"data": {"guid": world.space["guid"]}}}})
    ctx = deploy(world, "1.0.0", until="pause")
    texts = world.messages(ctx)
    assert 'Application "web" has no MTA metadata; it is taken over as module "web" of MTA "bg.sample"' in texts
    assert 'Renaming application "web" to "web-blue"...' in texts
    assert "Deployed MTA color: BLUE" in texts and "New MTA color: GREEN" in texts
    apps = {a["name"]: a for a in store(world, "apps")}
    assert apps["web-blue"]["guid"] == pushed["guid"] and apps["web-blue"]["metadata"]["labels"]["mta_id"]
    assert {"web-green", "api-green", "stranger"} <= set(apps)  # api had no app; stranger is not the MTA's


def test_a_key_deletion_a_crashed_run_left_running_is_waited_for_then_the_key_is_made_again(tmp_path) -> None:
    from bgdeploy.engine.plan import COLORS, DeploymentPlan
    from bgdeploy.engine.steps.services import CreateOrUpdateServices

    world = World(tmp_path, broker_s=0.3)
    try:
        use(world, {"1.0.0": KEYS.format(version="1.0.0", keys="[{name: k1, config: {role: read}}]"),
                    "2.0.0": KEYS.format(version="2.0.0", keys="[{name: k1, config: {role: write}}]")}, ["web"])

        def plan() -> DeploymentPlan:
            return DeploymentPlan(scheme=COLORS, default_domain="apps.sim.test", idle_color="BLUE")

        world.run(CreateOrUpdateServices(), world.context("1.0.0", plan=plan()))
        old = keys(world)["k1"]
        world.cc().delete(f"/v3/service_credential_bindings/{old['guid']}")  # the deletion of a run that died
        assert keys(world)["k1"]["last_operation"]["state"] == "in progress"
        ctx = world.context("2.0.0", plan=plan(), options=DeployOptions(delete_service_keys=True))
        world.run(CreateOrUpdateServices(), ctx)
        new = keys(world)["k1"]
        assert new["guid"] != old["guid"] and new["parameters"] == {"role": "write"}
        assert 'Creating service key "k1" for service instance "db"...' in world.messages(ctx)
    finally:
        world.close()
