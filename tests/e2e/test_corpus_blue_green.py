"""The blue-green example of the conformance corpus (../shared/mta-examples/blue-green-deploy-legacy),
deployed as its README shows: hello-blue, then hello-green with a pause on the idle routes, then resume.
Its apps are Java archives that cannot run here, so the simulator's built-in responder answers for them."""

from __future__ import annotations

import re

from e2e.cfcli import ROOT
from e2e.traffic import get, wait_answering

EXAMPLE = ROOT.parent / "shared" / "mta-examples" / "blue-green-deploy-legacy"
DOMAIN = "apps.sim.test"


def answered_by(router: str, host: str) -> str:
    wait_answering(router, [f"{host}.{DOMAIN}"])  # a first deploy does not wait for the routers
    status, body = get(router, f"{host}.{DOMAIN}")
    assert status == 200, (host, status, body)
    return body.split()[0]


def test_hello_blue_then_green_as_the_readme_shows(sim, cf) -> None:
    res = cf("bg-deploy", str(EXAMPLE / "hello-blue" / "hello.mtar"), "-f")
    assert res.code == 0, res.text
    assert 'Application "hello-backend-blue" started and available at "org-space-hello-backend.apps.sim.test"' \
        in res.out, res.out
    assert answered_by(sim.router_url, "org-space-hello-router") == "hello-router-blue"

    res = cf("bg-deploy", str(EXAMPLE / "hello-green" / "hello.mtar"), "-f")
    assert res.code == 0, res.text
    assert ('Application "hello-backend-green" started and available at '
            '"org-space-hello-backend-idle.apps.sim.test"') in res.out, res.out
    op = re.search(r'cf bg-deploy -i (\d+) -a resume', res.out)
    assert op, res.out
    assert answered_by(sim.router_url, "org-space-hello-router-idle") == "hello-router-green"
    assert answered_by(sim.router_url, "org-space-hello-router") == "hello-router-blue"

    res = cf("bg-deploy", "-i", op.group(1), "-a", "resume")
    assert res.code == 0, res.text
    assert answered_by(sim.router_url, "org-space-hello-router") == "hello-router-green"
    assert answered_by(sim.router_url, "org-space-hello-backend") == "hello-backend-green"
    router_env = next(a for a in sim.state()["apps"] if a["name"] == "hello-router-green")["environment_variables"]
    assert router_env["url"] == "http://org-space-hello-backend.apps.sim.test"  # live value after resume
    assert {a["name"] for a in sim.state()["apps"]} == {"hello-router-green", "hello-backend-green"}
