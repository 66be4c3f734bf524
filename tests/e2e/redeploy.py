"""Redeploying one app's content straight through Cloud Controller, as an operator fixing the idle version
would (`cf push` needs manifests, which the simulator does not have): package, upload, stage, droplet,
restart, then wait until every instance runs. Uses the engine's own CC client, over HTTP."""

from __future__ import annotations

import io
import time
import zipfile

from bgdeploy.cc import CloudController
from bgdeploy.cc import apps as cc_apps
from bgdeploy.cc import builds as cc_builds
from bgdeploy.cc import packages as cc_packages
from bgdeploy.cc import processes as cc_processes
from bgdeploy.engine.tokens import StaticToken


def redeploy(sim: object, app_name: str, files: dict[str, str], timeout_s: float = 60.0) -> None:
    cc = CloudController(sim.api_url, StaticToken("bearer " + sim.token()), verify=False)  # type: ignore[attr-defined]
    try:
        space = sim.state()["spaces"][0]["guid"]  # type: ignore[attr-defined]
        app = cc_apps.find(cc, space, app_name)
        assert app is not None, app_name
        package = cc_packages.create(cc, app.guid, annotations={})
        bits = io.BytesIO()
        with zipfile.ZipFile(bits, "w") as z:
            for name, text in files.items():
                z.writestr(name, text)
        bits.seek(0)
        cc_packages.upload(cc, package.guid, bits)
        deadline = time.monotonic() + timeout_s
        _until(lambda: cc_packages.get(cc, package.guid).state == "READY", deadline)
        build = cc_builds.create(cc, package.guid)
        _until(lambda: cc_builds.get(cc, build.guid).state == "STAGED", deadline)
        cc_apps.set_current_droplet(cc, app.guid, cc_builds.get(cc, build.guid).droplet_guid)
        cc_apps.restart(cc, app.guid)
        proc = cc_processes.web(cc, app.guid)
        _until(lambda: cc_processes.instance_states(cc, proc.guid).count("RUNNING") >= proc.instances, deadline)
    finally:
        cc.close()


def _until(condition, deadline: float) -> None:  # type: ignore[no-untyped-def]
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)
