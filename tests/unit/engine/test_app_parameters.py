"""Module parameters that change how an app is deployed, each against the simulator as the deploy service
does it: docker images, `keep-existing: {env, routes}` / `keep-existing-routes`, `restart-on-env-change`
and `app-features` / `enable-ssh`."""

from __future__ import annotations

import pytest

from bgdeploy.cc import apps as cc_apps
from bgdeploy.cc import routes as cc_routes
from bgdeploy.engine.actions.routes import domain_guid
from bgdeploy.engine.operations import DEPLOY
from bgdeploy.engine.options import DeployOptions
from bgdeploy.engine.plan import PLAIN
from bgdeploy.engine.processes import BLUE_GREEN_DEPLOY
from bgdeploy.engine.support import refused, unsupported
from bgdeploy.errors import ContentError

from .custom_mta import events, use
from .world import World, deploy

DOCKER = """\
_schema-version: "3.3"
ID: bg.sample
version: "@VERSION@"
modules:
  - name: web
    type: python
    path: web/
    parameters:
      command: python3 server.py
  - name: img
    type: application
    parameters:
      docker:
        image: cloudfoundry/test-app:@VERSION@
        username: robot
        password: s3cret
      routes:
        - route: img-${space}.${default-domain}
    properties:
      MY_ENV_VAR: value-of-my-env-var
"""


def app_named(world: World, name: str) -> dict:
    found = world.app(name)
    assert found is not None, f"no app {name}: {[a['name'] for a in world.sim.state()['apps']]}"
    return found


def packages_of(world: World, app: dict) -> list[dict]:
    """The simulator's own records (its state dump leaves registry credentials out)."""
    return [p for p in world.sim.sim.store.all("packages") if p["app_guid"] == app["guid"]]


def test_a_docker_module_gets_the_docker_lifecycle_and_a_package_of_its_image(world: World) -> None:
    use(world, DOCKER)
    ctx = deploy(world, "1.0.0")
    img = app_named(world, "img-blue")
    assert img["lifecycle"]["type"] == "docker"
    [package] = packages_of(world, img)
    assert (package["type"], package["image"], package["docker_username"]) == (
        "docker", "cloudfoundry/test-app:1.0.0", "robot")
    assert package["docker_password"] == "s3cret"  # sent to CC, which never echoes it
    assert img["state"] == "STARTED"
    running = [i for i in world.sim.state()["instances"] if i["app_guid"] == img["guid"]]
    assert running and {i["docker_image"] for i in running} == {"cloudfoundry/test-app:1.0.0"}
    texts = world.messages(ctx)
    assert 'Creating app "img-blue" from Docker image "cloudfoundry/test-app:1.0.0"...' in texts
    assert all("s3cret" not in t for t in texts)
    # The buildpack module next to it is unchanged: bits from the archive.
    assert [p["type"] for p in packages_of(world, app_named(world, "web-blue"))] == ["bits"]

    # The next version: the new colour is a docker app too, of the new image.
    deploy(world, "2.0.0")
    green = app_named(world, "img-green")
    assert [p["image"] for p in packages_of(world, green)] == ["cloudfoundry/test-app:2.0.0"]
    assert world.app("img-blue") is None


def test_a_docker_module_redeployed_in_place_gets_a_new_package_each_time(world: World) -> None:
    use(world, DOCKER)
    deploy(world, "1.0.0", scheme=PLAIN, process_type=DEPLOY)
    deploy(world, "1.0.0", scheme=PLAIN, process_type=DEPLOY, options=DeployOptions(version_rule="ALL"))
    img = app_named(world, "img")
    assert len(packages_of(world, img)) == 2  # a tag may name a new image: the deploy service re-stages too
    assert events(world).count("restart@img") == 1


def test_a_registry_username_without_a_password_is_refused_before_anything_changes(world: World) -> None:
    use(world, DOCKER.replace("        password: s3cret\n", ""))
    ctx = world.context("1.0.0")
    problems = refused(ctx.model("live"))
    assert problems == ['module "img": "parameters.docker" has a "username" but no "password"; give the password '
                        'in an extension descriptor (-e) or as a secure parameter (--require-secure-parameters)']


KEEP = """\
_schema-version: "3.3"
ID: bg.sample
version: "@VERSION@"
parameters:
  keep-existing-routes: false
modules:
  - name: keeper
    type: python
    path: keeper/
    parameters:
      command: python3 server.py
      keep-existing-routes: true
      keep-existing:
        env: true
    properties:
      managed: "@VERSION@"
  - name: plain
    type: python
    path: plain/
    parameters:
      command: python3 server.py
    properties:
      managed: "@VERSION@"
"""


def _add_by_hand(world: World, ctx: object, app_name: str, host: str) -> None:
    """What an operator does between two deploys: `cf set-env` twice and `cf map-route`."""
    cc = world.cc()
    app = cc_apps.find(cc, world.space["guid"], app_name)
    assert app is not None
    cc_apps.patch_env(cc, app.guid, {"added-by-hand": "yes", "managed": "changed-by-hand"})
    domain = domain_guid(ctx, "apps.sim.test")  # type: ignore[arg-type]
    route = cc_routes.find(cc, domain, host, "") or cc_routes.create(cc, world.space["guid"], domain, host, "")
    cc_routes.add_destination(cc, route.guid, app.guid)


def urls_of(world: World, app: dict) -> set[str]:
    return {f"{r['host']}.{r['domain']}{r['path']}" for r in world.sim.state()["routes"]
            if any(d["app_guid"] == app["guid"] for d in r["destinations"])}


def test_blue_green_keeps_the_live_apps_env_and_routes_where_asked(world: World) -> None:
    use(world, KEEP, ["keeper", "plain"])
    v1 = deploy(world, "1.0.0")
    for name in ("keeper-blue", "plain-blue"):
        _add_by_hand(world, v1, name, f"tenant-{name}")

    v2 = deploy(world, "2.0.0", until="pause")  # the idle phase: the new colour on its temporary routes
    keeper, plain = app_named(world, "keeper-green"), app_named(world, "plain-green")
    # env: the live app's variables come along; the descriptor's values win.
    assert keeper["environment_variables"]["added-by-hand"] == "yes"
    assert keeper["environment_variables"]["managed"] == "2.0.0"
    assert "added-by-hand" not in plain["environment_variables"]
    assert plain["environment_variables"]["managed"] == "2.0.0"
    assert "tenant-keeper-blue.apps.sim.test" not in urls_of(world, keeper)  # not in the idle phase

    v2.plan.resumed = True
    for step in BLUE_GREEN_DEPLOY[[s.name for s in BLUE_GREEN_DEPLOY].index("pause"):]:
        world.run(step, v2)
    keeper, plain = app_named(world, "keeper-green"), app_named(world, "plain-green")
    assert urls_of(world, keeper) == {"org-space-keeper.apps.sim.test", "tenant-keeper-blue.apps.sim.test"}
    assert urls_of(world, plain) == {"org-space-plain.apps.sim.test"}
    assert 'Mapping route "tenant-keeper-blue.apps.sim.test" to application "keeper-green"...' in world.messages(v2)
    assert world.app("keeper-blue") is None and world.app("plain-blue") is None
    # the routers were asked about the kept route too before blue left it
    probed = {t.host for t in v2.plan.checks["routes-after_map"].targets if t.app == "keeper-green"}
    assert probed == {"org-space-keeper.apps.sim.test", "tenant-keeper-blue.apps.sim.test"}


def test_blue_green_step_order_maps_kept_routes_before_the_old_app_leaves() -> None:
    names = [s.name for s in BLUE_GREEN_DEPLOY]
    assert names.index("map-live-routes") < names.index("map-kept-routes") < names.index("routes-after_map")
    assert names.index("map-kept-routes") < names.index("unmap-old")


def test_an_update_in_place_keeps_env_and_routes_where_asked(world: World) -> None:
    use(world, KEEP, ["keeper", "plain"])
    v1 = deploy(world, "1.0.0", scheme=PLAIN, process_type=DEPLOY)
    for name in ("keeper", "plain"):
        _add_by_hand(world, v1, name, f"tenant-{name}")
    deploy(world, "2.0.0", scheme=PLAIN, process_type=DEPLOY)
    keeper, plain = app_named(world, "keeper"), app_named(world, "plain")
    assert keeper["environment_variables"]["added-by-hand"] == "yes"
    assert keeper["environment_variables"]["managed"] == "2.0.0"
    assert "added-by-hand" not in plain["environment_variables"]
    assert urls_of(world, keeper) == {"org-space-keeper.apps.sim.test", "tenant-keeper.apps.sim.test"}
    assert urls_of(world, plain) == {"org-space-plain.apps.sim.test"}


RESTART = """\
_schema-version: "3.3"
ID: bg.sample
version: "@VERSION@"
modules:
  - name: quiet
    type: python
    path: quiet/
    parameters:
      command: python3 server.py
      health-check-timeout: @TIMEOUT@
      restart-on-env-change: {user-provided: false, vcap-application: false}
    properties:
      VERSION: "@VERSION@"
  - name: eager
    type: python
    path: eager/
    parameters:
      command: python3 server.py
      health-check-timeout: @TIMEOUT@
    properties:
      VERSION: "@VERSION@"
"""


def test_restart_on_env_change_decides_whether_an_updated_app_restarts(world: World) -> None:
    # The same content in both versions, so only env and process settings (the health check) change.
    use(world, RESTART.replace("@TIMEOUT@", "30"), ["quiet", "eager"])
    deploy(world, "1.0.0", scheme=PLAIN, process_type=DEPLOY)
    use(world, RESTART.replace("@TIMEOUT@", "60"), ["quiet", "eager"])
    deploy(world, "2.0.0", scheme=PLAIN, process_type=DEPLOY)
    restarts = [e for e in events(world) if e.startswith("restart@")]
    assert restarts == ["restart@eager"]
    assert app_named(world, "quiet")["environment_variables"]["VERSION"] == "2.0.0"  # set, not restarted


FEATURES = """\
_schema-version: "3.3"
ID: bg.sample
version: "@VERSION@"
modules:
  - name: featured
    type: python
    path: featured/
    parameters:
      command: python3 server.py
      app-features:
        ssh: true
        file-based-vcap-services: true
  - name: legacy
    type: python
    path: legacy/
    parameters:
      command: python3 server.py
      enable-ssh: true
"""


def test_app_features_and_enable_ssh_are_set_before_the_first_start(world: World) -> None:
    use(world, FEATURES, ["featured", "legacy"])
    deploy(world, "1.0.0")
    featured, legacy = app_named(world, "featured-blue"), app_named(world, "legacy-blue")
    assert featured["features"]["ssh"] is True and featured["features"]["file-based-vcap-services"] is True
    assert legacy["features"]["ssh"] is True and legacy["features"]["file-based-vcap-services"] is False
    writes = [r for r in world.sim.requests() if r["method"] in ("PATCH", "POST")]
    feature_writes = [i for i, r in enumerate(writes) if "/features/" in r["path"]]
    first_start = next(i for i, r in enumerate(writes) if r["path"].endswith("/actions/start"))
    assert feature_writes and max(feature_writes) < first_start


def test_an_unknown_app_feature_fails_in_one_line(world: World) -> None:
    use(world, FEATURES.replace("file-based-vcap-services: true", "teleport: true"), ["featured", "legacy"])
    with pytest.raises(ContentError) as failed:
        deploy(world, "1.0.0")
    assert str(failed.value) == ('module "featured": app feature "teleport" ("app-features") is not known to '
                                 "Cloud Foundry")


def test_the_settings_that_take_effect_are_no_longer_warned_about(world: World) -> None:
    use(world, KEEP + FEATURES.split("modules:\n")[1] + RESTART.split("modules:\n")[1].replace("@TIMEOUT@", "30"),
        ["keeper", "plain", "featured", "legacy", "quiet", "eager"])
    ctx = world.context("1.0.0")
    assert unsupported(ctx.model("live")) == []


CHECKS = """\
_schema-version: "3.3"
ID: bg.sample
version: "@VERSION@"
modules:
  - name: checked
    type: python
    path: checked/
    parameters:
      command: python3 server.py
      health-check-type: http
      health-check-http-endpoint: /health
      health-check-interval: 7
      readiness-health-check-type: http
      readiness-health-check-http-endpoint: /ready
      readiness-health-check-invocation-timeout: 3
      readiness-health-check-interval: 9
      apps-start-timeout: 7777
      apps-task-execution-timeout: 8888
      enable-parallel-service-bindings: true
      lifecycle: cnb
"""


def test_health_check_interval_and_readiness_checks_reach_the_process(world: World) -> None:
    use(world, CHECKS, ["checked"])
    ctx = deploy(world, "1.0.0")
    [process] = app_named(world, "checked-blue")["processes"]
    assert process["health_check"] == {"type": "http", "data": {"timeout": None, "invocation_timeout": None,
                                                                "interval": 7, "endpoint": "/health"}}
    [record] = [p for p in world.sim.sim.store.all("processes") if p["guid"] == process["guid"]]
    assert record["readiness_health_check"]["type"] == "http"
    assert {k: v for k, v in record["readiness_health_check"]["data"].items() if v is not None} == {
        "endpoint": "/ready", "invocation_timeout": 3, "interval": 9}
    # A module's own apps-*-timeout is its timeout, as the deploy service reads it. A long one: the fake
    # clock passes a poll's wait at once while the app's process starts in real time (77 fake seconds were
    # 0.5 s of real time, too short on a loaded machine).
    spec = ctx.model("live").app("checked")
    assert (spec.start_timeout_s, spec.task_timeout_s) == (7777, 8888)
    texts = world.messages(ctx)
    assert 'module "checked": "enable-parallel-service-bindings" is not supported; the services are bound one ' \
           "after another" in texts
    assert 'module "checked": "lifecycle: cnb" is not supported; the app gets the buildpack lifecycle' in texts
