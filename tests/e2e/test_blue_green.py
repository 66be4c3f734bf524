"""The seed's four steps through the real cf CLI: v1 blue, v2 green on temporary routes and a pause,
then resume (green takes the productive routes, blue goes) or abort (blue stays, green stays idle)."""

from __future__ import annotations

import re

from e2e.conftest import SAMPLE_V1, SAMPLE_V2
from e2e.traffic import get

WEB = "web-space.apps.sim.test"
API = "org-space-api.apps.sim.test"
WEB_IDLE = "org-space-web-idle.apps.sim.test"
API_IDLE = "org-space-api-idle.apps.sim.test"
PAUSE = re.compile(
    r'Process needs additional user input\n'
    r'Use "cf bg-deploy -i (\d+) -a resume" to resume the process\n'
    r'Use "cf bg-deploy -i \1 -a abort" to abort the process\n'
)


def app_names(sim) -> set[str]:
    return {a["name"] for a in sim.state()["apps"]}


def deploy_v2_and_pause(sim, cf) -> str:
    assert cf("bg-deploy", str(SAMPLE_V1), "-f").code == 0
    res = cf("bg-deploy", str(SAMPLE_V2), "-f")
    assert res.code == 0, res.text
    assert "Deployed MTA color: BLUE" in res.out and "New MTA color: GREEN" in res.out
    match = PAUSE.search(res.out)
    assert match, res.out
    # Green answers on its temporary routes; blue still serves the productive ones.
    assert get(sim.router_url, WEB_IDLE) == (200, "web 2.0.0 web-green")
    assert get(sim.router_url, API_IDLE) == (200, "api 2.0.0 api-green")
    assert get(sim.router_url, WEB) == (200, "web 1.0.0 web-blue")
    return match.group(1)


def test_resume_switches_productive_routes_to_green_and_deletes_blue(sim, cf) -> None:
    op = deploy_v2_and_pause(sim, cf)
    res = cf("bg-deploy", "-i", op, "-a", "resume")
    assert res.code == 0, res.text
    assert "Process finished." in res.out
    assert get(sim.router_url, WEB) == (200, "web 2.0.0 web-green")
    assert get(sim.router_url, API) == (200, "api 2.0.0 api-green")
    assert get(sim.router_url, WEB_IDLE)[0] == 404  # temporary routes are gone
    assert app_names(sim) == {"web-green", "api-green"}

    # Colours alternate: the next version is blue again.
    res = cf("bg-deploy", str(SAMPLE_V1), "-f", "--no-confirm", "--version-rule", "ALL")
    assert res.code == 0, res.text
    assert "New MTA color: BLUE" in res.out
    assert get(sim.router_url, WEB) == (200, "web 1.0.0 web-blue")
    assert app_names(sim) == {"web-blue", "api-blue"}


def test_abort_keeps_blue_productive_and_green_idle_then_redeploy_recovers(sim, cf) -> None:
    op = deploy_v2_and_pause(sim, cf)
    res = cf("bg-deploy", "-i", op, "-a", "abort")
    assert res.code == 0, res.text
    assert get(sim.router_url, WEB) == (200, "web 1.0.0 web-blue")
    assert get(sim.router_url, WEB_IDLE) == (200, "web 2.0.0 web-green")
    assert app_names(sim) == {"web-blue", "api-blue", "web-green", "api-green"}

    # Both colours exist now; the history says blue is live, so green is updated in place.
    res = cf("bg-deploy", str(SAMPLE_V2), "--no-confirm")
    assert res.code == 0, res.text
    assert "New MTA color: GREEN" in res.out
    assert get(sim.router_url, WEB) == (200, "web 2.0.0 web-green")
    assert app_names(sim) == {"web-green", "api-green"}
