"""End-to-end fixtures: one simulator per session, reset before every test (users, org, space, domains and
its start-up config come back; everything the test created goes), and a fresh cf home (logged in, plugin
installed) per test."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from ccsim.launcher import SimHandle, start_simulator
from e2e.cfcli import ROOT, Cf
from e2e.figures import FIGURES

WORK = ROOT / ".work"
SAMPLE_V1 = WORK / "sample-v1.mtar"
SAMPLE_V2 = WORK / "sample-v2.mtar"
JWT = re.compile(rb"eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "alone: holds a wall-time bound an issue asks for; `make test` runs it after "
                            "the parallel run, on its own, so the other workers' load does not decide it")


@pytest.fixture(scope="session")
def sim_session(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SimHandle]:
    handle = start_simulator(tmp_path_factory.mktemp("ccsim"), staging_s=0.2, start_s=0.1, route_propagation_s=0.5)
    try:
        yield handle
    finally:
        handle.stop()


@pytest.fixture
def sim(sim_session: SimHandle) -> SimHandle:
    if not sim_session.alive():
        pytest.fail("the simulator died (see its ccsim.log)", pytrace=False)
    sim_session.reset()
    return sim_session


@pytest.fixture
def cf(sim: object, tmp_path: Path) -> Iterator[Cf]:
    client = Cf(tmp_path / "cfhome", route_settle_s=float(os.environ.get("E2E_ROUTE_SETTLE_S", "1.5")),
                router_url=sim.router_url)  # type: ignore[attr-defined]
    client.login(sim.api_url)  # type: ignore[attr-defined]
    client.install_plugin()
    try:
        yield client
    finally:
        client.stop_engine()


@pytest.fixture(autouse=True)
def no_token_at_rest(tmp_path: Path) -> Iterator[None]:
    """After every test: no JWT in anything the plugin or the engine wrote (state directories with their
    databases and logs, dmol downloads), whoever's cf home it was."""
    yield
    leaks = find_tokens(tmp_path)
    assert not leaks, f"a token was written to disk: {leaks}"


def find_tokens(root: Path) -> list[str]:
    """Files under `root` holding a JWT, except the cf CLI's own config (it keeps the user's token)."""
    found = []
    for path in root.rglob("*"):
        if not path.is_file() or path.name == "config.json" or "/.cf/plugins" in str(path):
            continue
        if path.suffix in (".mtar", ".zip", ".py") or "ccsim" in path.parts:
            continue
        if JWT.search(path.read_bytes()):
            found.append(str(path.relative_to(root)))
    return found


def pytest_sessionstart(session: pytest.Session) -> None:
    if not hasattr(session.config, "workerinput"):  # the controller (or a run without workers)
        for old in FIGURES.glob("*.txt"):
            old.unlink()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    figures = sorted(FIGURES.glob("*.txt"))
    if figures:
        terminalreporter.section("figures")
        for path in figures:
            terminalreporter.write_line(path.read_text().strip())
