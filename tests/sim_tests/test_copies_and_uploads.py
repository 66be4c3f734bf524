"""Droplet and package copies (`POST /v3/droplets?source_guid=`, `POST /v3/packages?source_guid=`) and a
second upload to a package."""

from __future__ import annotations

from typing import Any

from ccsim.launcher import SimHandle

from .client import CC, error_of, make_zip, wait_for
from .test_smoke_lifecycle import ECHO_APP, route_get

APP_REL = "relationships"


def to_app(guid: str) -> dict[str, Any]:
    return {APP_REL: {"app": {"data": {"guid": guid}}}}


def wait_state(cc: CC, path: str, state: str) -> dict[str, Any]:
    return dict(wait_for(lambda: (d := cc.get(path).json())["state"] == state and d, what=f"{path} {state}"))


def test_droplet_copy_runs_like_its_source(sim: SimHandle, cc: CC) -> None:
    source = cc.push("blue", files={**ECHO_APP, "Procfile": "web: python server.py\nworker: sleep 600\n"})
    target = cc.create_app("green", environment_variables={"GREETING": "copied"})
    sim.config(job_s=0.5)
    resp = cc.post(f"/v3/droplets?source_guid={source['droplet_guid']}", to_app(target["guid"]))
    assert resp.status_code == 201, resp.text
    copy = resp.json()
    assert copy["state"] == "COPYING" and copy["relationships"]["app"]["data"]["guid"] == target["guid"]
    assert "package" not in copy["links"] and copy["guid"] != source["droplet_guid"]
    staged = wait_state(cc, f"/v3/droplets/{copy['guid']}", "STAGED")
    original = cc.get(f"/v3/droplets/{source['droplet_guid']}").json()
    assert staged["process_types"] == original["process_types"] == {"web": "python server.py",
                                                                     "worker": "sleep 600"}
    assert staged["checksum"] == original["checksum"]
    assert [d["guid"] for d in cc.get(f"/v3/apps/{target['guid']}/droplets").json()["resources"]] == [copy["guid"]]
    assert cc.patch(f"/v3/apps/{target['guid']}/relationships/current_droplet",
                    {"data": {"guid": copy["guid"]}}).status_code == 200
    cc.map_route(cc.create_route("green")["guid"], target["guid"])
    cc.post(f"/v3/apps/{target['guid']}/actions/start")
    cc.wait_running(target["guid"])
    env = wait_for(lambda: (r := route_get(sim, "green")).status_code == 200 and r.json(), what="copy serves")
    assert env["GREETING"] == "copied"  # the source's bits (server.py) answer, with the target's environment
    instance = next(i for i in sim.state()["instances"] if i["app_guid"] == target["guid"])
    assert instance["droplet_guid"] == copy["guid"] and instance["builtin_responder"] is False


def test_droplet_copy_errors(sim: SimHandle, cc: CC) -> None:
    source = cc.push("src", start=False)
    target = cc.create_app("dst")
    resp = cc.post("/v3/droplets?source_guid=nope", to_app(target["guid"]))
    assert resp.status_code == 404 and error_of(resp)["detail"] == "Droplet not found"
    resp = cc.post(f"/v3/droplets?source_guid={source['droplet_guid']}", to_app("nope"))
    assert resp.status_code == 404 and error_of(resp)["detail"] == "App not found"
    resp = cc.post(f"/v3/droplets?source_guid={source['droplet_guid']}", {APP_REL: {}, "extra": 1})
    assert resp.status_code == 422
    assert error_of(resp)["detail"] == "Unknown field(s): 'extra', App must be an object, App guid must be a string"
    sim.config(job_s=5)
    copying = cc.post(f"/v3/droplets?source_guid={source['droplet_guid']}", to_app(target["guid"])).json()
    resp = cc.post(f"/v3/droplets?source_guid={copying['guid']}", to_app(source["guid"]))
    assert resp.status_code == 422 and error_of(resp)["detail"] == "source droplet is not staged"
    docker = cc.create_app("dockerized", lifecycle={"type": "docker", "data": {}})
    resp = cc.post(f"/v3/droplets?source_guid={source['droplet_guid']}", to_app(docker["guid"]))
    assert error_of(resp)["detail"] == "source and destination lifecycle types do not match"
    resp = CC(sim, "auditor").post(f"/v3/droplets?source_guid={source['droplet_guid']}", to_app(target["guid"]))
    assert resp.status_code == 403


def test_copy_to_an_app_in_another_space(sim: SimHandle, cc: CC) -> None:
    """As in CC, a copy needs read access to the source and developer access to the target, in any space."""
    source = cc.push("here", start=False)
    elsewhere = CC(sim, "dev2").create_app("there", space="space2")
    developer = CC(sim, "developer")
    resp = developer.post(f"/v3/droplets?source_guid={source['droplet_guid']}", to_app(elsewhere["guid"]))
    assert resp.status_code == 404 and error_of(resp)["detail"] == "App not found"
    package = cc.get(f"/v3/apps/{source['guid']}/packages").json()["resources"][0]
    resp = developer.post(f"/v3/packages?source_guid={package['guid']}", to_app(elsewhere["guid"]))
    assert resp.status_code == 422
    assert error_of(resp)["detail"] == "App is invalid. Ensure it exists and you have access to it."
    resp = CC(sim, "dev2").post(f"/v3/packages?source_guid={package['guid']}", to_app(elsewhere["guid"]))
    assert error_of(resp)["detail"] == "Source package is invalid. Ensure it exists and you have access to it."
    resp = cc.post(f"/v3/droplets?source_guid={source['droplet_guid']}", to_app(elsewhere["guid"]))
    assert resp.status_code == 403  # admin manages the org but is no developer in space2


def test_package_copy_is_ready_with_the_same_bits(sim: SimHandle, cc: CC) -> None:
    source_app = cc.create_app("pkg-src")
    source = cc.upload(source_app["guid"], {"Procfile": "web: python server.py\n", "server.py": "print(1)\n"})
    target = cc.create_app("pkg-dst")
    sim.config(job_s=0.3)
    resp = cc.post(f"/v3/packages?source_guid={source['guid']}", to_app(target["guid"]))
    assert resp.status_code == 201 and resp.json()["state"] == "COPYING", resp.text
    copy = wait_state(cc, f"/v3/packages/{resp.json()['guid']}", "READY")
    assert copy["data"]["checksum"] == source["data"]["checksum"] and copy["data"]["checksum"]["value"]
    assert copy["relationships"]["app"]["data"]["guid"] == target["guid"]
    build = cc.stage(copy["guid"])
    droplet = cc.get(f"/v3/droplets/{build['droplet']['guid']}").json()
    assert droplet["process_types"] == {"web": "python server.py"}


def test_package_copy_errors(sim: SimHandle, cc: CC) -> None:
    app = cc.create_app("pkg-app")
    other = cc.create_app("pkg-other")
    ready = cc.upload(app["guid"])
    resp = cc.post("/v3/packages?source_guid=nope", to_app(other["guid"]))
    assert resp.status_code == 422
    assert error_of(resp)["detail"] == "Source package is invalid. Ensure it exists and you have access to it."
    resp = cc.post(f"/v3/packages?source_guid={ready['guid']}", to_app(app["guid"]))
    assert error_of(resp)["detail"] == "Source and destination app cannot be the same"
    resp = cc.post(f"/v3/packages?source_guid={ready['guid']}", to_app("nope"))
    assert error_of(resp)["detail"] == "App is invalid. Ensure it exists and you have access to it."
    empty = cc.post("/v3/packages", {"type": "bits", APP_REL: {"app": {"data": {"guid": app["guid"]}}}}).json()
    resp = cc.post(f"/v3/packages?source_guid={empty['guid']}", to_app(other["guid"]))
    assert resp.status_code == 201 and resp.json()["state"] == "COPYING"
    failed = wait_state(cc, f"/v3/packages/{resp.json()['guid']}", "FAILED")
    assert failed["data"]["error"] == f"failed to copy - Could not find object '{empty['guid']}'"
    build = cc.post("/v3/builds", {"package": {"guid": failed["guid"]}})
    assert error_of(build)["detail"] == "Bad request: Cannot stage package whose state is not ready."


def test_second_upload_is_refused(sim: SimHandle, cc: CC) -> None:
    app = cc.create_app("twice")
    pkg = cc.post("/v3/packages", {"type": "bits", APP_REL: {"app": {"data": {"guid": app["guid"]}}}}).json()
    sim.config(upload_s=0.5)
    files = {"bits": ("package.zip", make_zip({"a.txt": "a"}))}
    first = cc.post(f"/v3/packages/{pkg['guid']}/upload", files=files)
    assert first.status_code == 200 and first.json()["state"] == "PROCESSING_UPLOAD"
    again = cc.post(f"/v3/packages/{pkg['guid']}/upload", files=files)
    assert again.status_code == 400 and error_of(again) == {
        "code": 150004, "title": "CF-PackageBitsAlreadyUploaded",
        "detail": "Bits may be uploaded only once. Create a new package to upload different bits."}
    wait_state(cc, f"/v3/packages/{pkg['guid']}", "READY")
    assert error_of(cc.post(f"/v3/packages/{pkg['guid']}/upload", files=files))["title"] == \
        "CF-PackageBitsAlreadyUploaded"
