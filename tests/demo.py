"""`make demo`: a real blue-green deployment through the real cf CLI against the simulator.

Starts the Cloud Controller simulator, logs a private cf home in, installs the plugin, deploys the
sample MTA v1 (blue), v2 (green, paused on temporary routes), resumes, and shows what a user sees."""

from __future__ import annotations

import re
import sys
import tempfile
from pathlib import Path

from ccsim.launcher import start_simulator
from e2e.cfcli import ROOT, Cf
from e2e.traffic import get

WORK = ROOT / ".work"


def show(title: str, text: str) -> None:
    print(f"\n\033[1m$ {title}\033[0m\n{text.rstrip()}", flush=True)


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="bgdeploy-demo-") as tmp:
        sim = start_simulator(Path(tmp) / "sim", staging_s=0.3, start_s=0.2, route_propagation_s=1.0)
        cf = Cf(Path(tmp) / "cfhome", route_settle_s=2.0)
        try:
            cf.login(sim.api_url)
            show("cf install-plugin -f plugin-shim/bin/bg-deploy-plugin", cf("install-plugin", "-f",
                 str(ROOT / "plugin-shim/bin/bg-deploy-plugin")).out)
            res = cf("bg-deploy", str(WORK / "sample-v1.mtar"))
            show("cf bg-deploy .work/sample-v1.mtar", res.text)
            if res.code:
                return 1
            show("cf apps", cf("apps").out)
            show("curl -H 'Host: web-space.apps.sim.test' ROUTER", str(get(sim.router_url, "web-space.apps.sim.test")))
            res = cf("bg-deploy", str(WORK / "sample-v2.mtar"))
            show("cf bg-deploy .work/sample-v2.mtar", res.text)
            found = re.search(r"-i (\d+) -a resume", res.out)
            if res.code or not found:
                return 1
            show("curl -H 'Host: org-space-web-idle.apps.sim.test' ROUTER   # green, on its temporary route",
                 str(get(sim.router_url, "org-space-web-idle.apps.sim.test")))
            show("curl -H 'Host: web-space.apps.sim.test' ROUTER   # blue still serves",
                 str(get(sim.router_url, "web-space.apps.sim.test")))
            res = cf("bg-deploy", "-i", found.group(1), "-a", "resume")
            show(f"cf bg-deploy -i {found.group(1)} -a resume", res.text)
            show("cf apps", cf("apps").out)
            show("curl -H 'Host: web-space.apps.sim.test' ROUTER", str(get(sim.router_url, "web-space.apps.sim.test")))
            return res.code
        finally:
            cf.stop_engine()
            sim.stop()


if __name__ == "__main__":
    sys.exit(main())
