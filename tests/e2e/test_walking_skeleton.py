"""The thinnest complete path: real cf → plugin → engine → simulator; the app answers via the router."""

from __future__ import annotations

from e2e.conftest import SAMPLE_V1
from e2e.traffic import get, wait_answering

WEB = "web-space.apps.sim.test"
API = "org-space-api.apps.sim.test"


def test_first_bg_deploy_creates_blue_apps_on_productive_routes(sim, cf) -> None:
    res = cf("bg-deploy", str(SAMPLE_V1), "-f")
    assert res.code == 0, res.text
    assert "Deploying multi-target app archive" in res.out
    assert 'Creating application "web-blue" from MTA module "web"...' in res.out
    assert "Process finished." in res.out
    assert "Process needs additional user input" not in res.out

    wait_answering(sim.router_url, [WEB, API])  # a first deploy does not wait for the routers
    assert get(sim.router_url, WEB) == (200, "web 1.0.0 web-blue")
    assert get(sim.router_url, API) == (200, "api 1.0.0 api-blue")

    apps = cf("apps", check=True).out
    rows = {line.split()[0]: line.split() for line in apps.splitlines() if line.startswith(("web-", "api-"))}
    assert rows["web-blue"][1] == "started" and rows["web-blue"][2] == "web:2/2", apps
    assert rows["api-blue"][1] == "started", apps
