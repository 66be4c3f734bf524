"""Two local engines (two cf homes, one user, one space) share no database: the lock in Cloud Foundry
itself keeps them from deploying the same MTA at once."""

from __future__ import annotations

import re
from pathlib import Path

from e2e.cfcli import Cf
from e2e.conftest import SAMPLE_V1
from e2e.invariants import assert_clean
from shared.harness import wait_for


def markers(sim) -> list[dict]:  # type: ignore[no-untyped-def]
    return [s for s in sim.state()["service_instances"] if s["name"].startswith("bgdeploy-lock:")]


def test_the_second_local_engine_is_refused_naming_the_first_ones_operation(sim, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    first, second = Cf(tmp_path / "home1"), Cf(tmp_path / "home2")
    for cf in (first, second):
        cf.login(sim.api_url)
        cf.install_plugin()
    try:
        sim.config(staging_s=3.0)
        proc = first.popen("bg-deploy", str(SAMPLE_V1))
        wait_for(lambda: markers(sim), 60, "the first engine's lock marker")
        refused = second("bg-deploy", str(SAMPLE_V1))
        out, err = proc.communicate(timeout=180)
        op = re.search(r"Operation ID: (\d+)", out)
        assert proc.returncode == 0 and op, out + err
        assert refused.code != 0, refused.text
        assert f'Conflicting process "{op.group(1)}"' in refused.text, refused.text
        assert "another deploy engine" in refused.text

        assert markers(sim) == []  # released when the operation finished
        sim.config(staging_s=0.2)
        again = second("bg-deploy", str(SAMPLE_V1))  # the lock is free: a blue-green redeploy, to its pause
        assert again.code == 0 and "Process needs additional user input" in again.out, again.text
        assert_clean(sim.state(), {"web-blue", "api-blue", "web-green", "api-green"})
        assert len(markers(sim)) == 1  # held by the paused operation
    finally:
        first.stop_engine()
        second.stop_engine()
