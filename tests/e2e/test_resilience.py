"""Operations outlive the CLI and the engine: conflicts, engine restarts, injected failures, retry."""

from __future__ import annotations

import re
import time

from e2e.cfcli import Cf
from e2e.conftest import SAMPLE_V1, SAMPLE_V2
from e2e.invariants import assert_clean
from e2e.traffic import get, wait_answering

WEB = "web-space.apps.sim.test"
ALL_FOUR = {"web-blue", "api-blue", "web-green", "api-green"}


def paused_id(out: str) -> str:
    found = re.search(r'Use "cf bg-deploy -i (\d+) -a resume" to resume the process', out)
    assert found, out
    return found.group(1)


def test_second_deploy_is_refused_with_the_conflicting_id_and_f_aborts_it(sim, cf) -> None:
    assert cf("bg-deploy", str(SAMPLE_V1)).code == 0
    first = paused_id(cf("bg-deploy", str(SAMPLE_V2)).out)
    res = cf("bg-deploy", str(SAMPLE_V2))
    assert res.code != 0
    assert first in res.text and "abort" in res.text, res.text
    res = cf("bg-deploy", str(SAMPLE_V2), "-f")
    assert res.code == 0, res.text
    second = paused_id(res.out)
    assert second != first
    ops = cf("mta-ops", "--all").out
    assert re.search(rf"{first}\s.*ABORTED", ops), ops
    assert_clean(sim.state(), ALL_FOUR)


def test_resume_from_a_new_shell_after_the_engine_was_killed(sim, cf) -> None:
    assert cf("bg-deploy", str(SAMPLE_V1)).code == 0
    op = paused_id(cf("bg-deploy", str(SAMPLE_V2)).out)
    cf.stop_engine()  # SIGKILL: as a crash or a reboot would
    shell = Cf(cf.home, route_settle_s=1.5, router_url=sim.router_url)  # a new shell: same cf home, nothing in memory
    res = shell("bg-deploy", "-i", op, "-a", "resume")
    assert res.code == 0, res.text
    assert get(sim.router_url, WEB) == (200, "web 2.0.0 web-green")
    assert_clean(sim.state(), {"web-green", "api-green"})


def test_staging_failure_then_retry_finishes_without_duplicates(sim, cf) -> None:
    assert cf("bg-deploy", str(SAMPLE_V1)).code == 0
    sim.faults(staging_failures=["web-green"])
    res = cf("bg-deploy", str(SAMPLE_V2), "--retries", "0")
    assert res.code != 0
    assert "Process failed." in res.out and "Staging failed" in res.out, res.text
    op = re.search(r'Use "cf bg-deploy -i (\d+) -a retry"', res.out)
    assert op, res.out
    sim.faults()  # the platform recovers
    res = cf("bg-deploy", "-i", op.group(1), "-a", "retry")
    assert res.code == 0, res.text
    assert "Process needs additional user input" in res.out
    assert get(sim.router_url, WEB) == (200, "web 1.0.0 web-blue")
    assert_clean(sim.state(), ALL_FOUR)


def test_engine_killed_mid_step_then_retry_finishes_without_duplicates(sim, cf) -> None:
    assert cf("bg-deploy", str(SAMPLE_V1)).code == 0
    sim.config(staging_s=3.0)
    before = len(sim.requests())
    proc = cf.popen("bg-deploy", str(SAMPLE_V2), "--retries", "0")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not any(
        r["method"] == "POST" and r["path"] == "/v3/builds" for r in sim.requests()[before:]
    ):
        time.sleep(0.1)
    cf.stop_engine()  # dies in the middle of staging
    proc.wait(timeout=60)
    out = proc.stdout.read() if proc.stdout else ""
    op = re.search(r"Operation ID: (\d+)", out)
    assert op, out
    assert proc.returncode != 0 and "The deploy engine restarted while the operation was running" in out, out
    sim.config(staging_s=0.2)
    shell = Cf(cf.home, route_settle_s=1.5, router_url=sim.router_url)
    res = shell("bg-deploy", "-i", op.group(1), "-a", "retry")
    assert res.code == 0, res.text
    assert "Process needs additional user input" in res.out
    res = shell("bg-deploy", "-i", op.group(1), "-a", "resume")
    assert res.code == 0, res.text
    assert get(sim.router_url, WEB) == (200, "web 2.0.0 web-green")
    assert_clean(sim.state(), {"web-green", "api-green"})


def test_flaky_cloud_controller_is_absorbed_by_client_retries(sim, cf) -> None:
    sim.faults(seed=3, rules=[{"target": "api", "path": "^/v3/", "methods": ["GET", "PATCH", "DELETE"],
                               "rate_502": 0.1, "rate_503": 0.05}])
    res = cf("bg-deploy", str(SAMPLE_V1))
    assert res.code == 0, res.text
    wait_answering(sim.router_url, [WEB])  # a first deploy does not wait for the routers
    assert get(sim.router_url, WEB) == (200, "web 1.0.0 web-blue")
    assert_clean(sim.state(), {"web-blue", "api-blue"})
