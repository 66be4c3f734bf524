"""Installing the released plugin like any cf plugin: from a plugin repository serving the `make dist`
output, into a fresh CF_HOME, with an engine set up from the wheel in a fresh venv; a corrupted binary is
refused; no engine anywhere gives a one-line hint at once; uninstalling stops the engine."""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from e2e.cfcli import ROOT
from e2e.conftest import SAMPLE_V1
from e2e.plugin_repo import Repo, fresh_cf, make_dist, served_repo

VERSION = re.search(r'^VERSION = "(.+)"$', (ROOT / "pyservice/bgdeploy/version.py").read_text(), re.M).group(1)  # type: ignore[union-attr]
HINT = ('No deploy engine found. Install it with "pipx install bgdeploy" or "pip install bgdeploy", '
        "or run this command again with --yes to set it up in {venv}.")


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Repo]:
    with served_repo(make_dist(), tmp_path_factory.mktemp("repo") / "dist") as served:
        yield served


def install_from(repo: Repo, home: Path):  # type: ignore[no-untyped-def]
    cf = fresh_cf(home)
    cf("add-plugin-repo", "local", repo.url, check=True)
    res = cf("install-plugin", "bg-deploy", "-r", "local", "-f", check=True)
    assert f"Plugin bg-deploy {VERSION} successfully installed." in res.out, res.text
    return cf


def wait_until(condition, timeout: float = 15.0) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def test_install_from_repository_deploy_with_an_engine_from_the_wheel_then_uninstall(sim, repo: Repo,
                                                                                      tmp_path: Path) -> None:
    cf = fresh_cf(tmp_path / "cfhome")
    cf("add-plugin-repo", "local", repo.url, check=True)
    listed = cf("repo-plugins", "-r", "local", check=True).out
    assert re.search(rf"^bg-deploy\s+{re.escape(VERSION)}\s", listed, re.M), listed

    res = cf("install-plugin", "bg-deploy", "-r", "local", "-f", check=True)
    assert f"Plugin bg-deploy {VERSION} found in: local" in res.out, res.text
    assert f"Plugin bg-deploy {VERSION} successfully installed." in res.out, res.text
    installed = cf.home / ".cf" / "plugins" / "bg-deploy"
    assert hashlib.sha1(installed.read_bytes()).hexdigest() == \
        hashlib.sha1((repo.dir / "bg-deploy.linux64").read_bytes()).hexdigest()
    assert re.search(rf"^bg-deploy\s+{re.escape(VERSION)}\s", cf("plugins", check=True).out, re.M)

    cf.login(sim.api_url)
    cf.env["CF_BG_DEPLOY_ENGINE_WHEEL"] = str(repo.wheel)
    venv = cf.state_dir / "venv"
    res = cf("bg-deploy", str(SAMPLE_V1), "--yes", timeout=900)
    assert res.code == 0, res.text
    assert f"Setting up the deploy engine in {venv}...\nOK\n" in res.out, res.text
    assert "Process finished." in res.out, res.text
    pids = cf.engine_pids()
    assert len(pids) == 1
    cmdline = Path(f"/proc/{pids[0]}/cmdline").read_bytes().decode().split("\0")
    assert cmdline[:2] == [str(venv / "bin" / "python"), str(venv / "bin" / "bgdeploy-engine")], cmdline
    assert not any(str(ROOT) in arg for arg in cmdline), cmdline
    installed_engine = list(venv.glob("lib/python*/site-packages/bgdeploy/v1/deployer_pb2.py"))
    assert installed_engine, "the wheel (with its stubs) is installed in the venv, not linked to the checkout"

    # The next command reuses the engine from the venv without asking.
    res = cf("mtas", check=True)
    assert "Setting up" not in res.out and re.search(r"^bg\.sample\s+1\.0\.0", res.out, re.M), res.text

    res = cf("uninstall-plugin", "bg-deploy", check=True)
    assert f"Stopped the local deploy engine; its state stays in {cf.state_dir}\n" in res.out, res.text
    assert wait_until(lambda: not cf.engine_pids()), "the engine still runs after uninstall"
    assert (cf.state_dir / "state.db").exists() and venv.is_dir()
    assert "bg-deploy" not in cf("plugins", check=True).out


def test_a_corrupted_binary_is_refused(repo: Repo, tmp_path: Path) -> None:
    with served_repo(repo.dir, tmp_path / "corrupt") as bad:
        binary = bad.dir / "bg-deploy.linux64"
        data = bytearray(binary.read_bytes())
        data[len(data) // 2] ^= 0xFF  # after the index was written: its checksum is the good binary's
        binary.write_bytes(bytes(data))
        cf = fresh_cf(tmp_path / "cfhome")
        cf("add-plugin-repo", "local", bad.url, check=True)
        res = cf("install-plugin", "bg-deploy", "-r", "local", "-f")
    assert res.code == 1, res.text
    assert "Downloaded plugin binary's checksum does not match repo metadata." in res.text, res.text
    assert "bg-deploy" not in cf("plugins", check=True).out
    assert not (cf.home / ".cf" / "plugins" / "bg-deploy").exists()


def test_without_any_engine_a_one_line_hint_at_once(sim, repo: Repo, tmp_path: Path) -> None:
    cf = install_from(repo, tmp_path / "cfhome")
    cf.login(sim.api_url)
    start = time.monotonic()
    res = cf("bg-deploy", str(SAMPLE_V1), timeout=30)
    elapsed = time.monotonic() - start
    hint = HINT.format(venv=cf.state_dir / "venv")
    assert res.code == 1, res.text
    assert res.out.endswith(f"\nFAILED\n{hint}\n") and res.err == "", res.text
    # At once: no attempt to start an engine, which would wait up to 30 s for it (a bound, not a benchmark).
    assert elapsed < 5.0, f"took {elapsed:.2f} s"
    assert not (cf.state_dir / "venv").exists() and not cf.engine_pids()
