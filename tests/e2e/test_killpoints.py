"""Kill the engine right after the k-th mutating Cloud Controller request of a v2 bg-deploy and of its resume
(also with the k-th answer still in flight), recover as a user would, and end in the fault-free state.

`make test` runs a sample of the kill points (every KILLPOINT_STRIDE-th, both phases, both modes alternating);
`make soak` (KILLPOINTS=all) runs every one. The sweep prints `killpoints: P/T recovered`.
"""

from __future__ import annotations

import json
import os
from typing import Any

import pytest

from e2e.cfcli import Cf
from e2e.conftest import SAMPLE_V1, SAMPLE_V2
from e2e.figures import report
from e2e.invariants import assert_clean, normalized

WEB = "web-space.apps.sim.test"
MODES = ("after_response", "before_response")
FAST = {"staging_s": 0.05, "start_s": 0.05, "upload_s": 0.01, "job_s": 0.01, "broker_s": 0.05,
        "route_propagation_s": 0.05, "stop_grace_s": 0.3}


def client(sim: Any, tmp: Any) -> Cf:
    cf = Cf(tmp, route_settle_s=0.1)
    cf.login(sim.api_url)
    cf.install_plugin()
    return cf


def first_json(out: str, key: str) -> str:
    for line in out.splitlines():
        if line.startswith("{") and key in (record := json.loads(line)):
            return str(record[key])
    raise AssertionError(f"no {key} in:\n{out}")


def live_routes(sim: Any) -> dict[str, list[str]]:
    return normalized(sim.state())["routes"]


def deploy_to_pause(cf: Cf, archive: Any = SAMPLE_V2, *args: str) -> str:
    res = cf("bg-deploy", str(archive), "--json", *args)
    assert res.code == 0 and '"outcome":"action_required"' in res.out.replace(" ", ""), res.text
    return first_json(res.out, "operation_id")


def reference(sim: Any, cf: Cf) -> tuple[int, int, dict[str, Any], dict[str, Any]]:
    """A fault-free v1, v2 to the pause, resume: the numbers of mutating requests and both end states."""
    assert cf("bg-deploy", str(SAMPLE_V1)).code == 0
    before = sim.mutating_requests()
    op = deploy_to_pause(cf)
    paused, t_deploy = normalized(sim.state()), sim.mutating_requests() - before
    before = sim.mutating_requests()
    assert cf("bg-deploy", "-i", op, "-a", "resume").code == 0
    return t_deploy, sim.mutating_requests() - before, paused, normalized(sim.state())


def recover(cf: Cf, op: str) -> None:
    """As a user would: `-a retry` (the shim's default retries absorb what follows)."""
    res = cf("bg-deploy", "-i", op, "-a", "retry")
    if res.code != 0 and "not possible for operation" in res.text:  # it got past the failure on its own
        res = cf("bg-deploy", "-i", op, "-a", "monitor")
    assert res.code == 0, res.text


def killed(sim: Any, cf: Cf, args: list[str], k: int, mode: str) -> None:
    sim.hold(k, mode)
    proc = cf.popen(*args)
    sim.wait_hold_triggered(timeout=60)
    cf.stop_engine()  # SIGKILL while request k is done (or its answer is still held)
    sim.release_hold()
    proc.communicate(timeout=60)


def sweep_points(total: int, phase: int) -> list[tuple[int, str]]:
    if only := os.environ.get("KILLPOINT"):  # e.g. resume:15:before_response, to look at one point again
        name, k, mode = only.split(":")
        return [(int(k), mode)] if ("deploy", "resume")[phase] == name else []
    if os.environ.get("KILLPOINTS") == "all":
        return [(k, mode) for k in range(1, total + 1) for mode in MODES]
    stride = int(os.environ.get("KILLPOINT_STRIDE", "5"))
    return [(k, MODES[(k // stride + phase) % 2]) for k in range(1 + phase, total + 1, stride)]


@pytest.mark.timeout(1500)
def test_killpoint_sweep_recovers_to_the_fault_free_state(sim: Any, tmp_path: Any) -> None:
    sim.config(**FAST)
    ref = client(sim, tmp_path / "ref")
    try:
        t_deploy, t_resume, want_paused, want_final = reference(sim, ref)
    finally:
        ref.stop_engine()  # else it lingers until its idle exit
    assert t_deploy > 5 and t_resume > 3
    results: list[tuple[str, int, str, str]] = []
    for phase, total in (("deploy", t_deploy), ("resume", t_resume)):
        for k, mode in sweep_points(total, 0 if phase == "deploy" else 1):
            sim.reset()
            sim.config(**FAST)
            cf = client(sim, tmp_path / f"{phase[0]}{k}{mode[0]}")
            try:
                v1 = cf("bg-deploy", str(SAMPLE_V1))
                assert v1.code == 0, v1.text
                if phase == "deploy":
                    killed(sim, cf, ["bg-deploy", str(SAMPLE_V2)], k, mode)
                    op = _op_id(cf)
                    recover(cf, op)
                    assert normalized(sim.state()) == want_paused
                    assert live_routes(sim)[WEB] == ["web-blue"]
                    resumed = cf("bg-deploy", "-i", op, "-a", "resume")
                    assert resumed.code == 0, resumed.text
                else:
                    op = deploy_to_pause(cf)
                    killed(sim, cf, ["bg-deploy", "-i", op, "-a", "resume"], k, mode)
                    recover(cf, op)
                assert normalized(sim.state()) == want_final
                assert_clean(sim.state(), set(want_final["apps"]))
                results.append((phase, k, mode, "ok"))
            except AssertionError as exc:
                results.append((phase, k, mode, " | ".join(str(exc).splitlines()[-12:])[:1500]))
            finally:
                cf.stop_engine()
    failed = [r for r in results if r[3] != "ok"]
    report("killpoints", f"killpoints: {len(results) - len(failed)}/{len(results)} recovered "
                         f"(T = {t_deploy} deploy + {t_resume} resume mutating requests)")
    assert not failed, "\n".join(f"{p} k={k} {m}: {why}" for p, k, m, why in failed)


def _op_id(cf: Cf) -> str:
    """The active operation of the sample MTA (the killed CLI may not have printed its id)."""
    res = cf("mta-ops", "--mta", "bg.sample", "--json")
    assert res.code == 0, res.text
    ops = [json.loads(line) for line in res.out.splitlines() if line.startswith("{")][-1]["data"]
    assert len(ops) == 1, ops
    return str(ops[0]["id"])
