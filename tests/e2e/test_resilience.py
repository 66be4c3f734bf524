"""Operations outlive the CLI and the engine: conflicts, engine restarts, injected failures, retry."""

from __future__ import annotations

import re
import subprocess
import time
from pathlib import Path

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


def test_abort_while_staging_stops_the_runner_before_the_new_deploy_writes(sim, cf) -> None:
    """`-f` aborts the operation that is staging; once the abort returned, the aborted runner writes
    nothing more (every CC request carries its operation's id in X-Vcap-Request-Id)."""
    assert cf("bg-deploy", str(SAMPLE_V1)).code == 0
    sim.config(staging_s=4.0)
    since = max(r["seq"] for r in sim.requests())
    first = cf.popen("bg-deploy", str(SAMPLE_V2))
    deadline = time.monotonic() + 60
    while not (builds := [r for r in sim.requests(since) if r["method"] == "POST" and r["path"] == "/v3/builds"]):
        assert time.monotonic() < deadline, "staging never started"
        time.sleep(0.05)
    old = re.search(r"bgdeploy-(\d+)::", builds[0]["request_id"]).group(1)
    sim.config(staging_s=0.2)
    res = cf("bg-deploy", str(SAMPLE_V2), "-f")
    assert res.code == 0, res.text
    first.communicate(timeout=60)
    new = paused_id(res.out)
    log = sim.requests()
    first_new = min(r["seq"] for r in log if r.get("request_id", "").startswith(f"bgdeploy-{new}::"))
    late = [f"{r['method']} {r['path']}" for r in log if r["seq"] > first_new
            and r.get("request_id", "").startswith(f"bgdeploy-{old}::") and r["method"] != "GET"]
    assert late == [], late
    ops = cf("mta-ops", "--all").out
    assert re.search(rf"{old}\s.*ABORTED", ops), ops
    assert get(sim.router_url, WEB) == (200, "web 1.0.0 web-blue")


def test_two_engines_started_at_once_on_one_cf_home(sim, cf) -> None:
    """As two shims that both found the engine slow would: one engine serves, the other exits at once
    without touching the socket or the operations, and every command works."""
    assert cf("mta-ops").code == 0  # the shim starts the engine: take its command line, then stop it
    (pid,) = cf.engine_pids()
    argv = Path(f"/proc/{pid}/cmdline").read_bytes().decode().split("\0")[:-1]
    assert str(cf.state_dir) in argv
    cf.stop_engine()
    engines = [subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for _ in range(2)]
    try:
        deadline = time.monotonic() + 30
        while all(e.poll() is None for e in engines):
            assert time.monotonic() < deadline, "neither engine gave way"
            time.sleep(0.05)
        loser = next(e for e in engines if e.poll() is not None)
        winner = next(e for e in engines if e is not loser)
        assert loser.returncode == 3 and winner.poll() is None
        assert cf("bg-deploy", str(SAMPLE_V1)).code == 0
        assert cf("mta-ops", "--last", "1").code == 0
        assert winner.poll() is None and cf.engine_pids() == [winner.pid]
    finally:
        for e in engines:
            e.kill()


def test_a_deep_cf_home_still_gets_its_local_engine(sim, tmp_path) -> None:
    """A CF_HOME too deep for a Unix socket path (over 100 bytes) gets a short private socket instead."""
    deep = Cf(tmp_path / ("d" * 90) / "home", route_settle_s=0.2)
    deep.login(sim.api_url)
    deep.install_plugin()
    try:
        assert len(str(deep.state_dir / "engine.sock")) > 108
        res = deep("bg-deploy", str(SAMPLE_V1))
        assert res.code == 0, res.text
        wait_answering(sim.router_url, [WEB])  # a first deploy does not wait for the routers
        assert get(sim.router_url, WEB) == (200, "web 1.0.0 web-blue")
    finally:
        deep.stop_engine()
