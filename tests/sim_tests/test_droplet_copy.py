"""Droplet copy (`POST /v3/droplets?source_guid=`): COPYING, then STAGED with the source's bits, usable as
the target app's current droplet; refused without a source, for a missing source or lifecycle mismatch."""

from __future__ import annotations

import requests

from ccsim.launcher import SimHandle

from .client import CC, error_of, wait_for
from .test_smoke_lifecycle import ECHO_APP


def test_a_copied_droplet_runs_the_source_bits_without_staging(sim: SimHandle, cc: CC) -> None:
    blue = cc.push("blue", ECHO_APP)
    green = cc.create_app("green")
    resp = cc.post(f"/v3/droplets?source_guid={blue['droplet_guid']}",
                   {"relationships": {"app": {"data": {"guid": green["guid"]}}}})
    assert resp.status_code == 201, resp.text
    copy = resp.json()
    assert copy["state"] == "COPYING" and copy["guid"] != blue["droplet_guid"]
    assert copy["relationships"]["app"]["data"]["guid"] == green["guid"]
    staged = wait_for(lambda: (d := cc.get(f"/v3/droplets/{copy['guid']}").json())["state"] == "STAGED" and d,
                      what="copy staged")
    assert staged["process_types"] == {"web": "python server.py"}
    assert cc.patch(f"/v3/apps/{green['guid']}/relationships/current_droplet",
                    {"data": {"guid": copy["guid"]}}).status_code == 200
    builds = cc.get(f"/v3/apps/{green['guid']}/builds").json()["resources"]
    assert builds == []  # no staging
    cc.map_route(cc.create_route("green")["guid"], green["guid"])
    assert cc.post(f"/v3/apps/{green['guid']}/actions/start").status_code == 200
    cc.wait_running(green["guid"])
    answer = wait_for(lambda: (r := requests.get(sim.router_url, headers={"Host": "green.apps.sim.test"},
                                                 timeout=5)).status_code == 200 and r, what="green answers")
    assert '"PORT"' in answer.text


def test_copies_that_cannot_be_made_are_refused(sim: SimHandle, cc: CC) -> None:
    blue = cc.push("blue", ECHO_APP, start=False)
    green = cc.create_app("green")
    body = {"relationships": {"app": {"data": {"guid": green["guid"]}}}}
    assert cc.post("/v3/droplets", body).status_code == 404  # only copies are simulated
    missing = cc.post("/v3/droplets?source_guid=9d4b3f3c-7c0f-4a5e-a7c1-111111111111", body)
    assert missing.status_code == 404 and error_of(missing)["title"] == "CF-ResourceNotFound"
    docker = cc.create_app("docker", lifecycle={"type": "docker", "data": {}})
    mismatch = cc.post(f"/v3/droplets?source_guid={blue['droplet_guid']}",
                       {"relationships": {"app": {"data": {"guid": docker["guid"]}}}})
    assert mismatch.status_code == 422 and "lifecycle" in error_of(mismatch)["detail"]
