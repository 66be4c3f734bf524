"""Apps end to end: push, run, route, scale, stop, delete — through real HTTP and the router."""

from __future__ import annotations

import json
import time

import requests

from ccsim.launcher import SimHandle

from .client import CC, error_of, wait_for

ECHO_APP = {
    "Procfile": "web: python server.py\n",
    "server.py": (
        "import http.server, json, os\n"
        "class H(http.server.BaseHTTPRequestHandler):\n"
        "    def do_GET(self):\n"
        "        body = json.dumps({k: os.environ.get(k) for k in ('VCAP_APPLICATION', 'VCAP_SERVICES', 'GREETING',"
        " 'CF_INSTANCE_INDEX', 'PORT')}).encode()\n"
        "        self.send_response(200); self.send_header('Content-Length', str(len(body))); self.end_headers()\n"
        "        self.wfile.write(body)\n"
        "    def log_message(self, *a): pass\n"
        "http.server.HTTPServer(('127.0.0.1', int(os.environ['PORT'])), H).serve_forever()\n"
    ),
}


def route_get(sim: SimHandle, host: str, path: str = "/") -> requests.Response:
    return requests.get(sim.router_url + path, headers={"Host": f"{host}.apps.sim.test"}, timeout=10)


def test_builtin_responder_answers_with_app_name_and_droplet(sim: SimHandle, cc: CC) -> None:
    app = cc.push("hello", host="hello")
    resp = wait_for(lambda: (r := route_get(sim, "hello")).status_code == 200 and r, what="route live")
    assert resp.text == f"hello {app['droplet_guid']}\n"
    assert "X-Cf-App-Instance" not in resp.headers  # gorouter adds no such answer header
    assert (sim.router_requests()[-1]["app_guid"], sim.router_requests()[-1]["index"]) == (app["guid"], 0)


def test_procfile_command_runs_with_cf_environment(sim: SimHandle, cc: CC) -> None:
    upsi = cc.post("/v3/service_instances", {"type": "user-provided", "name": "creds", "credentials": {"pw": "s3"},
                                             "relationships": {"space": {"data": {"guid": cc.space_guid()}}}})
    app = cc.create_app("echo", environment_variables={"GREETING": "hi"})
    bind = cc.post("/v3/service_credential_bindings", {"type": "app", "relationships": {
        "service_instance": {"data": {"guid": upsi.json()["guid"]}}, "app": {"data": {"guid": app["guid"]}}}})
    assert bind.status_code == 201, bind.text
    pkg = cc.upload(app["guid"], ECHO_APP)
    build = cc.stage(pkg["guid"])
    droplet = cc.get(f"/v3/droplets/{build['droplet']['guid']}").json()
    assert droplet["process_types"] == {"web": "python server.py"}
    cc.patch(f"/v3/apps/{app['guid']}/relationships/current_droplet", {"data": {"guid": droplet["guid"]}})
    assert cc.get(f"/v3/processes/{app['guid']}").json()["command"] == "python server.py"
    cc.map_route(cc.create_route("echo")["guid"], app["guid"])
    cc.post(f"/v3/apps/{app['guid']}/actions/start")
    cc.wait_running(app["guid"])
    env = wait_for(lambda: (r := route_get(sim, "echo")).status_code == 200 and r.json(), what="echo live")
    vcap_app = json.loads(env["VCAP_APPLICATION"])
    assert vcap_app["application_name"] == "echo" and vcap_app["space_name"] == "space"
    assert vcap_app["application_uris"] == ["echo.apps.sim.test"]
    services = json.loads(env["VCAP_SERVICES"])
    assert services["user-provided"][0]["credentials"] == {"pw": "s3"}
    assert services["user-provided"][0]["instance_name"] == "creds"
    assert env["GREETING"] == "hi" and env["CF_INSTANCE_INDEX"] == "0"


def test_scaled_instances_are_served_round_robin(sim: SimHandle, cc: CC) -> None:
    app = cc.push("rr", host="rr", instances=3)
    wait_for(lambda: route_get(sim, "rr").status_code == 200, what="route live")
    wait_for(lambda: len(sim.state()["router"]["instances"][0]["table"]["rr.apps.sim.test"][0]["endpoints"]) == 3,
             what="3 endpoints")
    seen = [route_get(sim, "rr").headers["X-Sim-Instance"] for _ in range(6)]  # the app's CF_INSTANCE_INDEX
    assert sorted(set(seen)) == ["0", "1", "2"]
    assert {(r["app_guid"], r["index"]) for r in sim.router_requests()[-6:]} == {(app["guid"], i) for i in range(3)}
    assert seen[:3] != seen[0:1] * 3


def test_stats_report_each_instance_state(cc: CC) -> None:
    app = cc.push("stats", instances=2)
    stats = cc.get(f"/v3/processes/{app['guid']}/stats").json()["resources"]
    assert [(s["index"], s["state"]) for s in stats] == [(0, "RUNNING"), (1, "RUNNING")]
    assert stats[0]["instance_ports"][0]["external"] > 0
    cc.post(f"/v3/apps/{app['guid']}/actions/stop")
    stats = cc.get(f"/v3/processes/{app['guid']}/stats").json()["resources"]
    assert {s["state"] for s in stats} == {"DOWN"}


def test_instance_is_starting_until_port_accepts(sim: SimHandle, cc: CC) -> None:
    files = {"Procfile": "web: sleep 0.6 && python server.py\n", "server.py": ECHO_APP["server.py"]}
    app = cc.push("slow", files=files, start=False)
    cc.post(f"/v3/apps/{app['guid']}/actions/start")
    time.sleep(0.2)
    assert cc.get(f"/v3/processes/{app['guid']}/stats").json()["resources"][0]["state"] == "STARTING"
    cc.wait_running(app["guid"])


def test_crashing_command_is_reported_crashed(cc: CC) -> None:
    app = cc.push("crash", files={"Procfile": "web: sh -c 'exit 3'\n"}, start=False)
    cc.post(f"/v3/apps/{app['guid']}/actions/start")
    wait_for(lambda: cc.get(f"/v3/processes/{app['guid']}/stats").json()["resources"][0]["state"] == "CRASHED",
             what="CRASHED")


def test_unrunnable_command_falls_back_to_builtin_responder(sim: SimHandle, cc: CC) -> None:
    app = cc.push("nodeapp", files={"Procfile": "web: npm-not-installed-here start\n"}, host="nodeapp")
    resp = wait_for(lambda: (r := route_get(sim, "nodeapp")).status_code == 200 and r, what="route live")
    assert resp.text.startswith("nodeapp ")
    assert sim.state()["instances"][0]["builtin_responder"] is True
    assert app["guid"]


def test_stop_then_start_and_restart(cc: CC) -> None:
    app = cc.push("cycle")
    assert cc.post(f"/v3/apps/{app['guid']}/actions/stop").json()["state"] == "STOPPED"
    assert cc.post(f"/v3/apps/{app['guid']}/actions/start").json()["state"] == "STARTED"
    cc.wait_running(app["guid"])
    first = cc.get(f"/v3/processes/{app['guid']}/stats").json()["resources"][0]["instance_ports"][0]["external"]
    assert cc.post(f"/v3/apps/{app['guid']}/actions/restart").json()["state"] == "STARTED"
    stats = cc.wait_running(app["guid"])
    assert stats[0]["instance_ports"][0]["external"] != first


def test_delete_app_is_a_job_and_removes_everything(sim: SimHandle, cc: CC) -> None:
    app = cc.push("gone", host="gone")
    resp = cc.delete(f"/v3/apps/{app['guid']}")
    assert resp.status_code == 202 and resp.text == ""
    job = cc.wait_job(resp.headers["Location"])
    assert job["state"] == "COMPLETE" and job["operation"] == "app.delete"
    assert error_of(cc.get(f"/v3/apps/{app['guid']}"))["detail"] == "App not found"
    assert cc.get(f"/v3/processes/{app['guid']}").status_code == 404
    wait_for(lambda: not sim.state()["instances"], what="instances gone")
    route = cc.get("/v3/routes?hosts=gone").json()["resources"][0]
    assert route["destinations"] == []


def test_environment_variables_merge_patch(cc: CC) -> None:
    app = cc.create_app("envy", environment_variables={"A": "1", "B": "2"})
    resp = cc.patch(f"/v3/apps/{app['guid']}/environment_variables", {"var": {"B": None, "C": "3"}})
    assert resp.status_code == 200 and resp.json()["var"] == {"A": "1", "C": "3"}
    assert cc.get(f"/v3/apps/{app['guid']}/environment_variables").json()["var"] == {"A": "1", "C": "3"}
    bad = cc.patch(f"/v3/apps/{app['guid']}/environment_variables", {"var": {"PORT": "1"}})
    assert bad.status_code == 422


def test_staging_failure_fault_fails_the_build(sim: SimHandle, cc: CC) -> None:
    sim.faults(staging_failures=["doomed"])
    app = cc.create_app("doomed")
    build = cc.stage(cc.upload(app["guid"])["guid"])
    assert build["state"] == "FAILED" and build["droplet"] is None
    assert build["error"].startswith("StagingError")


def test_scale_and_health_check_update(cc: CC) -> None:
    app = cc.create_app("shape")
    resp = cc.post(f"/v3/processes/{app['guid']}/actions/scale", {"instances": 3, "memory_in_mb": 256})
    assert resp.status_code == 202 and resp.json()["instances"] == 3 and resp.json()["memory_in_mb"] == 256
    resp = cc.patch(f"/v3/processes/{app['guid']}", {"health_check": {"type": "http", "data": {"endpoint": "/h",
                                                                                            "timeout": 30}},
                                                     "command": "run-me"})
    assert resp.status_code == 200, resp.text
    assert resp.json()["health_check"] == {"type": "http", "data": {"timeout": 30, "invocation_timeout": None,
                                                                   "interval": None, "endpoint": "/h"}}
    assert resp.json()["command"] == "run-me"
