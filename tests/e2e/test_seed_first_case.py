"""The seed's own first case: "If there are already installed applications, the deploy service will add
'blue' to the existing application names." The MTA is already deployed without colours, by a plain
`cf deploy` of this plugin, by the official service (its `mta_id` / `mta_version` / `mta_module` metadata,
written here as that service writes it), or as plain pushed apps with the modules' names and no metadata.
The first `bg-deploy` renames them to `-blue` and says so, they keep serving their routes throughout (0
failed requests under load), and then it goes on as the seed describes: green on temporary routes, pause,
resume; the next deploy is blue again."""

from __future__ import annotations

import hashlib
import json
import re
import time

import pytest
from sim_tests.client import CC

from e2e.cfcli import ROOT
from e2e.conftest import SAMPLE_V1, SAMPLE_V2
from e2e.traffic import Traffic, get, wait_answering

WEB, API = "web-space.apps.sim.test", "org-space-api.apps.sim.test"
WEB_IDLE = "org-space-web-idle.apps.sim.test"
RESUME = re.compile(r'Use "cf bg-deploy -i (\d+) -a resume" to resume the process')
APP = (ROOT / "tests" / "sample" / "app_server.py").read_text()


def push(cc: CC, name: str, module: str, host: str, metadata: dict | None) -> None:
    """What `cf push` (or the official service) leaves behind: a started app serving `host`."""
    extra = {"environment_variables": {"MODULE": module, "MTA_VERSION": "1.0.0"}}
    if metadata is not None:
        extra["metadata"] = metadata
    app = cc.create_app(name, **extra)
    package = cc.upload(app["guid"], {"server.py": APP, "Procfile": "web: python3 server.py\n"})
    build = cc.stage(package["guid"])
    assert build["state"] == "STAGED", build
    assert cc.patch(f"/v3/apps/{app['guid']}/relationships/current_droplet",
                    {"data": {"guid": build["droplet"]["guid"]}}).status_code == 200
    cc.map_route(cc.create_route(host.split(".", 1)[0])["guid"], app["guid"])
    assert cc.post(f"/v3/apps/{app['guid']}/actions/start").status_code == 200
    cc.wait_running(app["guid"])


def official_metadata(module: str) -> dict:
    """The deploy service's metadata of a module's app (labels hashed, annotations plain)."""
    return {"labels": {"mta_id": hashlib.md5(b"bg.sample").hexdigest()},
            "annotations": {"mta_id": "bg.sample", "mta_version": "1.0.0",
                            "mta_module": json.dumps({"name": module}),
                            "mta_module_provided_dependencies": json.dumps(["api-url"] if module == "api" else []),
                            "mta_bound_services": json.dumps(["db", "config"] if module == "web" else ["db"])}}


def served_versions(traffic: Traffic, start: float, end: float) -> set[str]:
    """"module version" of every answer between start and end."""
    return {" ".join(s.body.split()[:2]) for s in traffic.snapshot() if start <= s.t <= end}


@pytest.mark.parametrize("installed", ["cf deploy", "official service", "cf push"])
def test_apps_without_colours_become_blue_and_serve_throughout(sim, cf, installed: str) -> None:
    if installed == "cf deploy":
        assert cf("deploy", str(SAMPLE_V1), "-f").code == 0
    else:
        cc = CC(sim)
        for module, host in (("web", WEB), ("api", API)):
            push(cc, module, module, host, official_metadata(module) if installed == "official service" else None)
        sim.sync_router()  # what was pushed before the test is known to every router, as it long has been
    assert {a["name"] for a in sim.state()["apps"]} == {"web", "api"}
    wait_answering(sim.router_url, [WEB, API])  # a first deploy does not wait for the routers
    assert get(sim.router_url, WEB)[1].startswith("web 1.0.0")

    with Traffic(sim.router_url, [WEB, API], threads=6, target_rps=200) as traffic:
        time.sleep(0.5)
        t0 = time.time()
        res = cf("bg-deploy", str(SAMPLE_V2), "-f")
        op = RESUME.search(res.out)
        assert res.code == 0 and op, res.text
        t1 = time.time()
        for app in ("web", "api"):
            assert f'Renaming application "{app}" to "{app}-blue"...' in res.out, res.out
            if installed == "cf push":
                assert f'Application "{app}" has no MTA metadata; it is taken over as module "{app}" of MTA ' \
                       '"bg.sample"' in res.out
        assert "Deployed MTA color: BLUE" in res.out and "New MTA color: GREEN" in res.out
        assert get(sim.router_url, WEB_IDLE)[1].startswith("web 2.0.0 web-green")
        res = cf("bg-deploy", "-i", op.group(1), "-a", "resume")
        assert res.code == 0, res.text
        t2 = time.time()
        time.sleep(1.0)
    failures = traffic.failures()
    assert not failures, f"{len(failures)} of {len(traffic.snapshot())} requests failed, first: {failures[:3]}"
    assert traffic.rate() >= 100, f"only {traffic.rate():.0f} requests/s"
    assert served_versions(traffic, t0, t1) == {"web 1.0.0", "api 1.0.0"}  # the renamed apps serve on
    assert served_versions(traffic, t2, t2 + 1.0) == {"web 2.0.0", "api 2.0.0"}
    assert {a["name"] for a in sim.state()["apps"]} == {"web-green", "api-green"}

    if installed == "cf push":
        # And on as the seed describes: the next version is blue again.
        res = cf("bg-deploy", str(SAMPLE_V2), "-f", "--no-confirm")
        assert res.code == 0 and "Deployed MTA color: GREEN" in res.out and "New MTA color: BLUE" in res.out, res.text
        assert {a["name"] for a in sim.state()["apps"]} == {"web-blue", "api-blue"}
        assert get(sim.router_url, WEB)[1] == "web 2.0.0 web-blue"
