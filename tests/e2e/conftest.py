"""End-to-end fixtures: a fresh simulator and a fresh cf home (logged in, plugin installed) per test."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from ccsim.launcher import start_simulator
from e2e.cfcli import ROOT, Cf

WORK = ROOT / ".work"
SAMPLE_V1 = WORK / "sample-v1.mtar"
SAMPLE_V2 = WORK / "sample-v2.mtar"


@pytest.fixture
def sim(tmp_path: Path) -> Iterator[object]:
    handle = start_simulator(tmp_path / "sim", staging_s=0.2, start_s=0.1, route_propagation_s=0.5)
    try:
        yield handle
    finally:
        handle.stop()


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
