"""Full blue-green cycles with every Cloud Controller method faulted (502/503, resets, "processed, then 502",
latency): each cycle ends in the fault-free state and takes at most twice as long as a fault-free one.

`make test` runs SOAK_CYCLES=2 (one with an abort); `make soak` runs 20.
"""

from __future__ import annotations

import os
import time
from typing import Any

import pytest

from e2e.cfcli import Cf
from e2e.conftest import SAMPLE_V1, SAMPLE_V2
from e2e.invariants import assert_clean, normalized
from e2e.test_killpoints import FAST, deploy_to_pause

FAULTS = {"seed": 11, "rules": [{"target": "api", "path": "^/v3/", "latency_ms": 50, "rate_502": 0.05,
                                 "rate_503": 0.05, "rate_reset": 0.02, "rate_lost": 0.05}]}
LATENCY_ONLY = {"seed": 11, "rules": [{"target": "api", "path": "^/v3/", "latency_ms": 50}]}


def cycle(cf: Cf, archive: Any, *, abort: bool) -> None:
    """Deploy to the pause, then resume (or abort)."""
    op = deploy_to_pause(cf, archive, "--version-rule", "ALL")
    res = cf("bg-deploy", "-i", op, "-a", "abort" if abort else "resume")
    assert res.code == 0, res.text


@pytest.mark.timeout(3600)
def test_fault_soak_cycles_end_in_the_fault_free_state(sim: Any, tmp_path: Any) -> None:
    cycles = int(os.environ.get("SOAK_CYCLES", "2"))
    sim.config(**FAST)
    cf = Cf(tmp_path / "ref", route_settle_s=0.1)
    cf.login(sim.api_url)
    cf.install_plugin()
    sim.faults(**LATENCY_ONLY)  # the same latency, no faults: the yardstick
    assert cf("bg-deploy", str(SAMPLE_V1)).code == 0
    started = time.monotonic()
    cycle(cf, SAMPLE_V2, abort=False)
    fault_free_s = time.monotonic() - started
    want = {"2.0.0": normalized(sim.state())}
    cycle(cf, SAMPLE_V1, abort=False)
    want["1.0.0"] = normalized(sim.state())
    cf.stop_engine()

    sim.reset()
    sim.config(**FAST)
    cf = Cf(tmp_path / "soak", route_settle_s=0.1)
    cf.login(sim.api_url)
    cf.install_plugin()
    assert cf("bg-deploy", str(SAMPLE_V1)).code == 0
    sim.faults(**FAULTS)
    durations, version = [], "1.0.0"
    try:
        for n in range(cycles):
            abort = n == 1
            archive, next_version = (SAMPLE_V2, "2.0.0") if version == "1.0.0" else (SAMPLE_V1, "1.0.0")
            started = time.monotonic()
            cycle(cf, archive, abort=abort)
            durations.append(time.monotonic() - started)
            if not abort:
                version = next_version
                sim.faults()
                assert normalized(sim.state()) == want[version], f"cycle {n + 1}"
                assert_clean(sim.state(), set(want[version]["apps"]))
                sim.faults(**FAULTS)
    finally:
        cf.stop_engine()
    injected = sim.state()["faults"]
    print(f"\nsoak: {cycles} cycles, fault-free cycle {fault_free_s:.1f}s, cycles "
          f"{', '.join(f'{d:.1f}s' for d in durations)}; faults {injected.get('injected')}")
    assert max(durations) <= 2 * fault_free_s, (durations, fault_free_s)
