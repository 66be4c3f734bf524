"""Simulator test fixtures: one simulator per session (reset before every test), real HTTP only.

Every JSON answer of the simulator is checked against CC's OpenAPI description inside the simulator
(`--openapi-dir`); a test that caused a violation fails in its teardown with the list.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

TESTS_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(TESTS_DIR))

from ccsim.launcher import SimHandle, start_simulator  # noqa: E402

from .client import CC  # noqa: E402

REPO = TESTS_DIR.parent
SPEC_DIR = REPO.parent / "shared" / "capi-openapi" / "apis" / "cf" / "latest"
FAST = {"staging_s": 0.05, "upload_s": 0.01, "start_s": 0.02, "route_propagation_s": 0.2, "job_s": 0.02,
        "broker_s": 0.15, "stop_grace_s": 1.0}


@pytest.fixture(scope="session")
def sim(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SimHandle]:
    handle = start_simulator(tmp_path_factory.mktemp("ccsim"), openapi_dir=SPEC_DIR if SPEC_DIR.exists() else None,
                             **FAST)
    yield handle
    handle.stop()


@pytest.fixture(autouse=True)
def fresh_sim(request: pytest.FixtureRequest) -> Iterator[None]:
    if "sim" not in request.fixturenames:
        yield
        return
    handle: SimHandle = request.getfixturevalue("sim")
    handle.reset()
    before = len(handle.openapi()["violations"])
    yield
    crashes = [f"{r['method']} {r['path']}?{r['query']}" for r in handle.requests() if r["status"] == 500]
    if crashes:
        pytest.fail("the simulator answered 500 (see ccsim.log): " + ", ".join(crashes[:10]), pytrace=False)
    report = handle.openapi()
    assert report["enabled"] or not SPEC_DIR.exists()
    new = report["violations"][before:]
    if new:
        pytest.fail("answers that do not match the OpenAPI description:\n" + "\n".join(new[:20]), pytrace=False)


@pytest.fixture
def cc(sim: SimHandle) -> CC:
    return CC(sim)
