"""The real `cf push -f manifest.yml` (cf CLI v8) against the simulator: manifest diff, apply_manifest,
resource matching, packages, builds, droplets, restart; then the apps answer through the router.
Strictness: invalid manifests are refused with CC's texts, before and inside the apply job."""

from __future__ import annotations

from pathlib import Path

import requests
from required import require

from ccsim.launcher import SimHandle

from .client import CC, error_of, wait_for
from .test_cf_cli import CF, Cf

SERVER = (Path(__file__).resolve().parents[1] / "sample" / "app_server.py").read_text()
require(CF, "the cf CLI (make builds it)")

MANIFEST = """\
applications:
- name: web-a
  path: web-a
  memory: 64M
  instances: 1
  buildpacks: [python_buildpack]
  command: python3 server.py
  routes:
  - route: web-a.apps.sim.test
  env:
    MODULE: first
  unknown-key: ignored as CC ignores it
- name: web-b
  path: web-b
  memory: 128M
  instances: 2
  command: python3 server.py
  routes:
  - route: web-b.apps.sim.test
  - route: web-b-too.apps.sim.test/api
  env:
    MODULE: second
"""


def _project(root: Path, manifest: str) -> Path:
    for name in ("web-a", "web-b"):
        (root / name).mkdir(parents=True, exist_ok=True)
        (root / name / "server.py").write_text(SERVER)
    (root / "manifest.yml").write_text(manifest)
    return root / "manifest.yml"


def _logged_in(sim: SimHandle, home: Path) -> Cf:
    cf = Cf(home)
    cf("api", sim.api_url)
    cf("auth", "admin", "admin-password")
    cf("target", "-o", "org", "-s", "space")
    return cf


def _answer(sim: SimHandle, host: str, path: str = "/") -> str:
    resp = requests.get(sim.router_url + path, headers={"Host": host}, timeout=5)
    return resp.text if resp.status_code == 200 else f"HTTP {resp.status_code}"


def test_cf_push_of_a_two_app_manifest_serves_both_apps(sim: SimHandle, tmp_path: Path) -> None:
    manifest = _project(tmp_path / "project", MANIFEST)
    cf = _logged_in(sim, tmp_path / "home")
    out = cf("push", "-f", str(manifest)).stdout
    assert "Manifest applied" in out and "Updating with these attributes" in out

    apps = {a["name"]: a for a in sim.state()["apps"]}
    assert set(apps) == {"web-a", "web-b"} and all(a["state"] == "STARTED" for a in apps.values())
    web_a = apps["web-a"]["processes"][0]
    web_b = apps["web-b"]["processes"][0]
    assert (web_a["instances"], web_a["memory_in_mb"], web_a["command"]) == (1, 64, "python3 server.py")
    assert (web_b["instances"], web_b["memory_in_mb"]) == (2, 128)
    assert apps["web-a"]["environment_variables"] == {"MODULE": "first"}
    assert apps["web-a"]["lifecycle"]["data"]["buildpacks"] == ["python_buildpack"]
    routes = {(r["host"], r["path"]): [d["app_name"] for d in r["destinations"]] for r in sim.state()["routes"]}
    assert routes == {("web-a", ""): ["web-a"], ("web-b", ""): ["web-b"], ("web-b-too", "/api"): ["web-b"]}

    sim.sync_router()
    assert wait_for(lambda: _answer(sim, "web-a.apps.sim.test") == "first ? web-a\n", what="web-a answers")
    assert wait_for(lambda: _answer(sim, "web-b.apps.sim.test") == "second ? web-b\n", what="web-b answers")
    assert wait_for(lambda: _answer(sim, "web-b-too.apps.sim.test", "/api") == "second ? web-b\n")
    paths = [r["path"] for r in sim.requests()]
    assert any(p.endswith("/actions/apply_manifest") for p in paths) and "/v3/resource_matches" in paths


def test_cf_push_of_an_invalid_manifest_is_refused_with_ccs_errors(sim: SimHandle, tmp_path: Path) -> None:
    bad = MANIFEST.replace("memory: 64M", "memory: 64X").replace("MODULE: first", "VCAP_X: first").replace(
        "route: web-a.apps.sim.test", "route: ftp://web-a.apps.sim.test")
    manifest = _project(tmp_path / "project", bad)
    result = _logged_in(sim, tmp_path / "home")("push", "-f", str(manifest), ok=False)
    text = result.stdout + result.stderr
    assert result.returncode != 0
    assert ("For application 'web-a': Process \"web\": Memory must use a supported unit: B, K, KB, M, MB, G, GB, "
            "T, or TB") in text
    assert "For application 'web-a': Env cannot start with VCAP_" in text
    assert "For application 'web-a': The route 'ftp://web-a.apps.sim.test' is not a properly formed URL" in text
    assert sim.state()["apps"] == []


def test_cf_push_fails_when_the_apply_job_finds_no_domain(sim: SimHandle, tmp_path: Path) -> None:
    manifest = _project(tmp_path / "project", MANIFEST.replace("web-b-too.apps.sim.test/api", "x.nowhere.test"))
    result = _logged_in(sim, tmp_path / "home")("push", "-f", str(manifest), ok=False)
    assert result.returncode != 0
    assert "For application 'web-b': No domains exist for route x.nowhere.test" in result.stdout + result.stderr
    jobs = [j for j in sim.state()["jobs"] if j["operation"] == "space.apply_manifest"]
    assert [j["state"] for j in jobs] == ["FAILED"]


def _apply(cc: CC, body: str, content_type: str = "application/x-yaml") -> requests.Response:
    return cc.post(f"/v3/spaces/{cc.space_guid()}/actions/apply_manifest", data=body.encode(),
                   headers={"Content-Type": content_type})


def test_apply_manifest_request_strictness(sim: SimHandle, cc: CC) -> None:
    wrong_type = _apply(cc, "applications: [{name: x}]", "application/json")
    assert wrong_type.status_code == 400 and error_of(wrong_type)["detail"] == "Bad request: Content-Type must be yaml"
    empty = _apply(cc, "version: 1\n")
    assert empty.status_code == 422
    assert error_of(empty)["detail"] == "Cannot parse manifest with no 'applications' field."
    version = _apply(cc, "version: 2\napplications: [{name: x}]\n")
    assert error_of(version)["detail"] == "Unsupported manifest schema version. Currently supported versions: [1]."
    aliases = _apply(cc, "applications:\n- &a {name: x}\n- *a\n")
    assert aliases.status_code == 400
    assert error_of(aliases)["detail"] == "Bad request: Manifest does not support Anchors and Aliases"
    not_a_map = _apply(cc, "- just a list\n")
    assert error_of(not_a_map)["title"] == "CF-MessageParseError"
    several = _apply(cc, "applications:\n- instances: -1\n- name: y\n  processes: [{type: web}, {type: web}]\n")
    assert several.status_code == 422
    assert [e["detail"] for e in several.json()["errors"]] == [
        "For application at index 0: Name must not be empty",
        'For application at index 0: Process "web": Instances must be greater than or equal to 0',
        'For application \'y\': Process "web" may only be present once',
    ]
    assert all(e["title"] == "CF-UnprocessableEntity" for e in several.json()["errors"])
    auditor = CC(sim, "auditor")
    denied = auditor.post(f"/v3/spaces/{cc.space_guid()}/actions/apply_manifest", data=b"applications: [{name: x}]",
                          headers={"Content-Type": "application/x-yaml"})
    assert denied.status_code == 403 and sim.state()["apps"] == []


def test_apply_manifest_updates_an_existing_app_additively(sim: SimHandle, cc: CC) -> None:
    app = cc.push("kept", host="kept")
    cc.patch(f"/v3/apps/{app['guid']}/environment_variables", {"var": {"OLD": "1"}})
    job = _apply(cc, "applications:\n- name: kept\n  instances: 2\n  env: {NEW: 2, FLAG: true}\n"
                     "  routes: [{route: kept-extra.apps.sim.test}]\n  health-check-type: process\n")
    assert job.status_code == 202
    assert cc.wait_job(job.headers["Location"])["state"] == "COMPLETE"
    state = next(a for a in sim.state()["apps"] if a["name"] == "kept")
    assert state["environment_variables"] == {"OLD": "1", "NEW": "2", "FLAG": "true"}
    web = state["processes"][0]
    assert web["instances"] == 2 and web["health_check"]["type"] == "process"
    cc.wait_running(app["guid"], instances=2)
    hosts = sorted(r["host"] for r in sim.state()["routes"] if r["destinations"])
    assert hosts == ["kept", "kept-extra"]
    diff = cc.post(f"/v3/spaces/{cc.space_guid()}/manifest_diff", data=b"applications:\n- name: kept\n  instances: 3\n",
                   headers={"Content-Type": "application/x-yaml"})
    assert diff.status_code == 201
    assert diff.json() == {"diff": [{"op": "replace", "path": "/applications/0/instances", "was": 2, "value": 3}]}


def test_apply_manifest_processes_and_default_route(sim: SimHandle, cc: CC) -> None:
    body = ("applications:\n- name: multi\n  default-route: true\n  processes:\n"
            "  - {type: web, instances: '2', memory: 1G, health-check-type: http, health-check-http-endpoint: /up}\n"
            "  - {type: worker, instances: 1, command: sleep 100}\n")
    job = _apply(cc, body)
    assert cc.wait_job(job.headers["Location"])["state"] == "COMPLETE"
    app = next(a for a in sim.state()["apps"] if a["name"] == "multi")
    procs = {p["type"]: p for p in app["processes"]}
    assert (procs["web"]["instances"], procs["web"]["memory_in_mb"]) == (2, 1024)
    assert procs["web"]["health_check"] == {"type": "http", "data": {"timeout": None, "invocation_timeout": None,
                                                                     "interval": None, "endpoint": "/up"}}
    assert (procs["worker"]["instances"], procs["worker"]["command"]) == (1, "sleep 100")
    assert [(r["host"], r["domain"]) for r in sim.state()["routes"]] == [("multi", "apps.sim.test")]
    bad = _apply(cc, "applications:\n- name: multi\n  instances: 1.5\n  health-check-type: port\n"
                     "  health-check-http-endpoint: /up\n")
    assert [e["detail"] for e in bad.json()["errors"]] == [
        "For application 'multi': Process \"web\": Instances must be an integer",
        "For application 'multi': Process \"web\": Health check type must be \"http\" to set a health check HTTP "
        "endpoint",
    ]


def test_apply_manifest_services_no_route_and_lifecycle_conflicts(sim: SimHandle, cc: CC) -> None:
    app = cc.push("bound", host="bound")
    ups = cc.post("/v3/service_instances", {"type": "user-provided", "name": "cfg", "credentials": {"k": "v"},
                                            "relationships": {"space": {"data": {"guid": cc.space_guid()}}}})
    assert ups.status_code == 201
    job = _apply(cc, "applications:\n- name: bound\n  no-route: true\n  services: [cfg]\n")
    assert cc.wait_job(job.headers["Location"])["state"] == "COMPLETE"
    bindings = sim.state()["service_credential_bindings"]
    assert [(b["app_guid"], b["service_instance_guid"], b["state"]) for b in bindings] == [
        (app["guid"], ups.json()["guid"], "succeeded")]
    assert all(not r["destinations"] for r in sim.state()["routes"])
    again = _apply(cc, "applications:\n- name: bound\n  services: [cfg, {name: missing}]\n")
    failed = cc.wait_job(again.headers["Location"])
    assert failed["state"] == "FAILED" and [e["detail"] for e in failed["errors"]] == [
        "For application 'bound': Service instance 'missing' not found"]
    assert len(sim.state()["service_credential_bindings"]) == 1  # cfg stays bound once
    docker = _apply(cc, "applications:\n- name: bound\n  docker: {image: nginx}\n")
    assert docker.status_code == 422 and error_of(docker)["detail"] == (
        "For application 'bound': Docker cannot be configured for a buildpack lifecycle app.")
