"""What running instances were started with (state dump), and docker apps: packages, staging, and the
built-in responder standing in for the image."""

from __future__ import annotations

import json
from typing import Any

from ccsim.launcher import SimHandle

from .client import CC, error_of, wait_for
from .test_smoke_lifecycle import route_get

DOCKER = {"type": "docker", "data": {}}


def instances_of(sim: SimHandle, app_guid: str) -> list[dict[str, Any]]:
    return [i for i in sim.state()["instances"] if i["app_guid"] == app_guid]


def test_running_instances_keep_the_environment_they_started_with(sim: SimHandle, cc: CC) -> None:
    app = cc.create_app("envapp", environment_variables={"COLOUR": "blue"})
    cc.upload(app["guid"])
    droplet = cc.stage(cc.get(f"/v3/apps/{app['guid']}/packages").json()["resources"][0]["guid"])["droplet"]["guid"]
    cc.patch(f"/v3/apps/{app['guid']}/relationships/current_droplet", {"data": {"guid": droplet}})
    cc.map_route(cc.create_route("envapp")["guid"], app["guid"])
    cc.post(f"/v3/apps/{app['guid']}/actions/start")
    cc.wait_running(app["guid"])
    [started] = instances_of(sim, app["guid"])
    assert started["droplet_guid"] == droplet and started["environment"]["COLOUR"] == "blue"
    assert json.loads(started["environment"]["VCAP_APPLICATION"])["application_uris"] == ["envapp.apps.sim.test"]
    assert json.loads(started["environment"]["VCAP_SERVICES"]) == {}
    cc.patch(f"/v3/apps/{app['guid']}/environment_variables", {"var": {"COLOUR": "green"}})
    assert [i["environment"]["COLOUR"] for i in instances_of(sim, app["guid"])] == ["blue"]
    assert next(a for a in sim.state()["apps"] if a["guid"] == app["guid"])["environment_variables"] == {
        "COLOUR": "green"}
    cc.post(f"/v3/apps/{app['guid']}/actions/restart")
    cc.wait_running(app["guid"])
    assert [i["environment"]["COLOUR"] for i in instances_of(sim, app["guid"])] == ["green"]


def docker_app(cc: CC, name: str, **data: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    app = cc.create_app(name, lifecycle=DOCKER, environment_variables={"MODE": "docker"})
    resp = cc.post("/v3/packages", {"type": "docker", "relationships": {"app": {"data": {"guid": app["guid"]}}},
                                    "data": {"image": "registry.example/team/web:1.2", **data}})
    assert resp.status_code == 201, resp.text
    return app, dict(resp.json())


def test_docker_package_never_echoes_the_password(cc: CC) -> None:
    app, pkg = docker_app(cc, "private-image", username="robot", password="s3cret")
    assert pkg["state"] == "READY" and pkg["data"] == {"image": "registry.example/team/web:1.2", "username": "robot",
                                                       "password": "***"}
    assert "upload" not in pkg["links"]
    _, public = docker_app(cc, "public-image")
    assert public["data"] == {"image": "registry.example/team/web:1.2", "username": None, "password": None}
    assert "s3cret" not in cc.get(f"/v3/packages?app_guids={app['guid']}").text
    updated = cc.patch(f"/v3/packages/{pkg['guid']}", {"username": "other", "password": "new"}).json()
    assert updated["data"]["username"] == "other" and updated["data"]["password"] == "***"


def test_docker_package_rules(cc: CC) -> None:
    app = cc.create_app("dockery", lifecycle=DOCKER)
    buildpack = cc.create_app("buildpacky")

    def create(guid: str, body: dict[str, Any]) -> Any:
        return cc.post("/v3/packages", {"relationships": {"app": {"data": {"guid": guid}}}, **body})

    assert error_of(create(app["guid"], {"type": "bits"}))["detail"] == "Cannot create bits package for a Docker app."
    resp = create(buildpack["guid"], {"type": "docker", "data": {"image": "x"}})
    assert error_of(resp)["detail"] == "Cannot create Docker package for a buildpack app."
    assert error_of(create(app["guid"], {"type": "docker"}))["detail"] == "Data image required"
    resp = create(app["guid"], {"type": "docker", "data": {"image": "x", "tag": "y"}})
    assert error_of(resp)["detail"] == "Data Unknown field(s): 'tag'"
    bits = cc.upload(buildpack["guid"])
    resp = cc.patch(f"/v3/packages/{bits['guid']}", {"username": "u"})
    assert error_of(resp)["detail"] == "Cannot update Docker credentials for a buildpack app."


def test_docker_app_stages_and_runs_as_the_responder(sim: SimHandle, cc: CC) -> None:
    app, pkg = docker_app(cc, "dockerweb")
    build = cc.stage(pkg["guid"])
    assert build["state"] == "STAGED" and build["lifecycle"] == DOCKER
    droplet = cc.get(f"/v3/droplets/{build['droplet']['guid']}").json()
    assert droplet["image"] == "registry.example/team/web:1.2" and droplet["lifecycle"]["type"] == "docker"
    assert droplet["buildpacks"] is None and droplet["stack"] is None and "download" not in droplet["links"]
    cc.patch(f"/v3/apps/{app['guid']}/relationships/current_droplet", {"data": {"guid": droplet["guid"]}})
    cc.map_route(cc.create_route("dockerweb")["guid"], app["guid"])
    cc.post(f"/v3/apps/{app['guid']}/actions/start")
    cc.wait_running(app["guid"])
    resp = wait_for(lambda: (r := route_get(sim, "dockerweb")).status_code == 200 and r, what="docker app live")
    body = resp.json()
    assert body["image"] == "registry.example/team/web:1.2" and body["app"] == "dockerweb"
    assert body["droplet_guid"] == droplet["guid"] and body["index"] == 0
    assert body["env"]["MODE"] == "docker" and json.loads(body["env"]["VCAP_APPLICATION"])["application_id"] == \
        app["guid"]
    assert "PATH" not in body["env"]
    [instance] = instances_of(sim, app["guid"])
    assert instance["docker_image"] == "registry.example/team/web:1.2" and instance["builtin_responder"] is True


def test_docker_droplet_copy_is_staged_at_once(cc: CC) -> None:
    app, pkg = docker_app(cc, "docker-src")
    droplet = cc.stage(pkg["guid"])["droplet"]["guid"]
    target = cc.create_app("docker-dst", lifecycle=DOCKER)
    resp = cc.post(f"/v3/droplets?source_guid={droplet}", {"relationships": {"app": {"data": {
        "guid": target["guid"]}}}})
    assert resp.status_code == 201 and resp.json()["state"] == "STAGED"
    assert resp.json()["image"] == "registry.example/team/web:1.2"
    assert app["guid"] != target["guid"]
