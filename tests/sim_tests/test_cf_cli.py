"""The real cf CLI (v8, `.tools/bin/cf`) against the simulator: api, auth, login, target, apps, app,
routes, services, curl."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from required import require

from ccsim.launcher import SimHandle

from .client import CC

CF = Path(__file__).resolve().parents[2] / ".tools" / "bin" / "cf"
require(CF, "the cf CLI (make builds it)")


class Cf:
    def __init__(self, home: Path) -> None:
        home.mkdir(parents=True, exist_ok=True)
        self.env = {**os.environ, "CF_HOME": str(home), "CF_PLUGIN_HOME": str(home), "CF_COLOR": "false",
                    "CF_STAGING_TIMEOUT": "1", "CF_STARTUP_TIMEOUT": "1"}
        self.env.pop("CF_TRACE", None)

    def __call__(self, *args: str, ok: bool = True) -> subprocess.CompletedProcess[str]:
        proc = subprocess.run([str(CF), *args], env=self.env, capture_output=True, text=True, timeout=60,
                              stdin=subprocess.DEVNULL)
        if ok:
            assert proc.returncode == 0, f"cf {' '.join(args)} failed:\n{proc.stdout}\n{proc.stderr}"
        return proc


@pytest.fixture
def cf(tmp_path: Path) -> Cf:
    return Cf(tmp_path / "cf-home")


def test_api_auth_target(sim: SimHandle, cf: Cf) -> None:
    out = cf("api", sim.api_url).stdout
    assert "3.195.0" in out
    cf("auth", "admin", "admin-password")
    out = cf("target", "-o", "org", "-s", "space").stdout
    assert "org:" in out and "space:" in out and "admin" in out
    bad = cf("auth", "admin", "wrong", ok=False)
    assert bad.returncode != 0 and "Credentials were rejected" in bad.stdout + bad.stderr


def test_login_and_listing_commands(sim: SimHandle, cc: CC, cf: Cf) -> None:
    app = cc.push("cli-app", host="cli-app")
    space = cc.space_guid()
    plan = cc.get("/v3/service_plans?names=small&service_offering_names=postgresql").json()["resources"][0]["guid"]
    si = cc.post("/v3/service_instances", {"type": "managed", "name": "cli-db", "relationships": {
        "space": {"data": {"guid": space}}, "service_plan": {"data": {"guid": plan}}}})
    cc.wait_job(si.headers["Location"])
    si_guid = cc.get("/v3/service_instances?names=cli-db").json()["resources"][0]["guid"]
    bind = cc.post("/v3/service_credential_bindings", {"type": "app", "relationships": {
        "service_instance": {"data": {"guid": si_guid}}, "app": {"data": {"guid": app["guid"]}}}})
    cc.wait_job(bind.headers["Location"])

    out = cf("login", "-a", sim.api_url, "-u", "admin", "-p", "admin-password", "-o", "org", "-s", "space").stdout
    assert "OK" in out or "Authenticating" in out

    apps = cf("apps").stdout
    line = next(line for line in apps.splitlines() if line.startswith("cli-app"))
    assert "started" in line and "web:1/1" in line and "cli-app.apps.sim.test" in line

    detail = cf("app", "cli-app").stdout
    assert "cli-app.apps.sim.test" in detail and "running" in detail and "#0" in detail

    routes = cf("routes").stdout
    assert "cli-app" in routes and "apps.sim.test" in routes

    services = cf("services").stdout
    row = next(line for line in services.splitlines() if line.startswith("cli-db"))
    assert "postgresql" in row and "small" in row and "cli-app" in row and "create succeeded" in row

    body = json.loads(cf("curl", "/v3/apps?names=cli-app").stdout)
    assert body["resources"][0]["guid"] == app["guid"]


def test_user_without_roles_sees_nothing(sim: SimHandle, cf: Cf) -> None:
    cf("api", sim.api_url)
    cf("auth", "nobody", "nobody-password")
    result = cf("target", "-o", "org", ok=False)
    assert result.returncode != 0 and "Organization 'org' not found" in result.stdout + result.stderr


def test_expired_token_is_refreshed_by_cf(sim: SimHandle, cf: Cf) -> None:
    sim.config(token_lifetime_s=30)  # under a minute: cf refreshes; long enough for a loaded machine
    cf("api", sim.api_url)
    cf("auth", "admin", "admin-password")
    cf("target", "-o", "org", "-s", "space")
    cf("apps")  # the token expires within a minute: cf refreshes it before the request
    grants = [r for r in sim.requests() if r["path"] == "/oauth/token"]
    assert len(grants) >= 2
