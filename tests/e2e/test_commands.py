"""Every command of the plugin through the real cf CLI against the simulator: deploy flavours and their
flags, the -i/-a actions, undeploy, and the read-only commands (mtas, mta, mta-ops, dmol).

One deployment is reused for several read-only assertions to keep the runtime down."""

from __future__ import annotations

import re
import shutil
import zipfile
from pathlib import Path

from e2e.conftest import SAMPLE_V1, SAMPLE_V2
from e2e.traffic import get

MTA = "bg.sample"
WEB = "web-space.apps.sim.test"
WEB_IDLE = "org-space-web-idle.apps.sim.test"
OP_ID = re.compile(r"Operation ID: (\S+)")
RESUME = re.compile(r'Use "cf (\S+) -i (\S+) -a resume" to resume the process')


def app_names(sim) -> set[str]:
    return {a["name"] for a in sim.state()["apps"]}


def op_id(out: str) -> str:
    match = OP_ID.search(out)
    assert match, out
    return match.group(1)


def paused(res, command: str) -> str:
    """The operation id of a deploy that stopped in the testing phase (exit 0, resume/abort hints)."""
    assert res.code == 0, res.text
    assert "Process needs additional user input" in res.out, res.out
    match = RESUME.search(res.out)
    assert match and match.group(1) == command, res.out
    assert f'Use "cf {command} -i {match.group(2)} -a abort" to abort the process' in res.out
    return match.group(2)


def finished(res) -> str:
    assert res.code == 0, res.text
    assert "Process finished." in res.out, res.out
    ident = op_id(res.out)
    assert f'Use "cf dmol -i {ident}" to download the logs of the process.' in res.out
    return ident


def unpack_to_directory(archive: Path, dest: Path) -> Path:
    """An MTA directory (mtad.yaml at the top, module content next to it) from a sample archive."""
    with zipfile.ZipFile(archive) as z:
        z.extractall(dest)
    shutil.move(dest / "META-INF" / "mtad.yaml", dest / "mtad.yaml")
    shutil.rmtree(dest / "META-INF")
    return dest


# -- deploy --strategy blue-green: idle/live names ------------------------------------------------------


def test_deploy_strategy_blue_green_keeps_original_app_names(sim, cf) -> None:
    # First deploy: nothing to switch from, the apps get their plain names at once.
    res = cf("deploy", str(SAMPLE_V1), "--strategy", "blue-green", "-f")
    finished(res)
    assert app_names(sim) == {"web", "api"}
    assert get(sim.router_url, WEB) == (200, "web 1.0.0 web")

    # Second: the live version is renamed X-live, the new one is created as X-idle on temporary routes.
    res = cf("deploy", str(SAMPLE_V2), "--strategy", "blue-green", "-f")
    op = paused(res, "deploy")
    assert 'Renaming application "web" to "web-live"...' in res.out
    assert 'Creating application "web-idle" from MTA module "web"...' in res.out
    assert app_names(sim) == {"web-live", "api-live", "web-idle", "api-idle"}
    assert get(sim.router_url, WEB) == (200, "web 1.0.0 web-live")
    assert get(sim.router_url, WEB_IDLE) == (200, "web 2.0.0 web-idle")

    # Resume: the old X-live goes, X-idle takes the original name and the productive routes.
    res = cf("deploy", "-i", op, "-a", "resume")
    assert res.code == 0, res.text
    assert "Process finished." in res.out
    assert 'Deleting application "web-live"...' in res.out
    assert 'Renaming application "web-idle" to "web"...' in res.out
    assert app_names(sim) == {"web", "api"}
    assert get(sim.router_url, WEB) == (200, "web 2.0.0 web")
    assert get(sim.router_url, WEB_IDLE)[0] == 404

    # --skip-testing-phase: no pause; the switch happens in one run and names stay original.
    res = cf("deploy", str(SAMPLE_V1), "--strategy", "blue-green", "--skip-testing-phase", "--version-rule", "ALL")
    finished(res)
    assert "Process needs additional user input" not in res.out
    assert app_names(sim) == {"web", "api"}
    assert get(sim.router_url, WEB) == (200, "web 1.0.0 web")
