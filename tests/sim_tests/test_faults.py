"""Injected faults: API and router 502/503, reset connections, latency; deterministic with a seed."""

from __future__ import annotations

import time
import urllib.error

import pytest
import requests

from ccsim.launcher import SimHandle

from .client import CC, wait_for


def test_api_errors_for_a_path_pattern_a_limited_number_of_times(sim: SimHandle, cc: CC) -> None:
    sim.faults(rules=[{"path": "^/v3/apps$", "methods": ["GET"], "rate_503": 1.0, "times": 2}])
    assert [cc.get("/v3/apps").status_code for _ in range(3)] == [503, 503, 200]
    assert cc.get("/v3/spaces").status_code == 200
    assert sim.state()["faults"]["injected"] == {"api:503": 2}


def test_reset_connections_and_latency(sim: SimHandle, cc: CC) -> None:
    sim.faults(rules=[{"path": "^/v3/spaces", "rate_reset": 1.0, "times": 1},
                      {"path": "^/v3/organizations", "latency_ms": 300}])
    with pytest.raises(requests.ConnectionError):
        requests.get(sim.api_url + "/v3/spaces", headers=cc.session.headers, timeout=5)
    started = time.monotonic()
    assert cc.get("/v3/organizations").status_code == 200
    assert time.monotonic() - started >= 0.3


def test_same_seed_same_outcomes(sim: SimHandle, cc: CC) -> None:
    def run() -> list[int]:
        sim.faults(seed=42, rules=[{"path": "^/v3/apps$", "rate_502": 0.3, "rate_503": 0.3}])
        return [cc.get("/v3/apps").status_code for _ in range(30)]

    first, second = run(), run()
    assert first == second
    assert {200, 502, 503} == set(first)


def test_router_faults(sim: SimHandle, cc: CC) -> None:
    cc.push("faulty", host="faulty")
    wait_for(lambda: requests.get(sim.router_url, headers={"Host": "faulty.apps.sim.test"}).status_code == 200,
             what="live")
    sim.faults(rules=[{"target": "router", "rate_502": 1.0, "times": 1}])
    resp = requests.get(sim.router_url, headers={"Host": "faulty.apps.sim.test"}, timeout=5)
    assert resp.status_code == 502
    assert requests.get(sim.router_url, headers={"Host": "faulty.apps.sim.test"}, timeout=5).status_code == 200
    assert sim.state()["router"]["outcomes"]["502"] == 1


def test_config_changes_at_run_time_and_request_log(sim: SimHandle, cc: CC) -> None:
    assert sim.config(staging_s=0.3)["staging_s"] == 0.3
    with pytest.raises(urllib.error.HTTPError) as refused:
        sim.config(no_such_setting=1)
    assert refused.value.code == 422
    app = cc.create_app("timed")
    started = time.monotonic()
    cc.stage(cc.upload(app["guid"])["guid"])
    assert time.monotonic() - started >= 0.3
    log = sim.requests()
    assert any(r["method"] == "POST" and r["path"] == "/v3/builds" and r["status"] == 201 for r in log)
    assert all("seq" in r and "ms" in r for r in log if r.get("status") != "reset")


def test_a_lost_answer_leaves_the_work_done(sim: SimHandle, cc: CC) -> None:
    sim.faults(rules=[{"path": "^/v3/apps$", "methods": ["POST"], "rate_lost": 1.0, "times": 1}])
    body = {"name": "lost", "relationships": {"space": {"data": {"guid": cc.space_guid()}}}}
    resp = cc.post("/v3/apps", body)
    assert resp.status_code == 502 and resp.json()["errors"][0]["detail"] == "Bad Gateway"
    assert [a["name"] for a in cc.get("/v3/apps?names=lost").json()["resources"]] == ["lost"]
    assert cc.post("/v3/apps", body).status_code == 422  # a client that retries finds the name taken
    entry = next(r for r in sim.requests() if r["method"] == "POST" and r["path"] == "/v3/apps")
    assert (entry["status"], entry["lost_status"], entry["fault"]) == (502, 201, True)
    assert sim.state()["faults"]["injected"] == {"api:lost": 1}


def test_a_lost_answer_through_the_router(sim: SimHandle, cc: CC) -> None:
    app = cc.push("lossy", host="lossy")
    sim.sync_router()
    sim.faults(rules=[{"target": "router", "rate_lost": 1.0, "times": 1}])
    resp = requests.get(sim.router_url, headers={"Host": "lossy.apps.sim.test"}, timeout=5)
    assert resp.status_code == 502 and resp.headers["X-Cf-Routererror"] == "endpoint_failure"
    assert requests.get(sim.router_url, headers={"Host": "lossy.apps.sim.test"}, timeout=5).status_code == 200
    lost, ok = sim.router_requests()[-2:]
    assert (lost["status"], lost["lost_status"], lost["app_guid"]) == (502, 200, app["guid"])
    assert ok["status"] == 200


def test_lost_answers_are_drawn_like_the_other_faults(sim: SimHandle, cc: CC) -> None:
    def run() -> list[int]:
        sim.faults(seed=3, rules=[{"path": "^/v3/spaces$", "rate_503": 0.3, "rate_lost": 0.3}])
        return [cc.get("/v3/spaces").status_code for _ in range(30)]

    first = run()
    assert run() == first and set(first) == {200, 502, 503}
    with pytest.raises(urllib.error.HTTPError) as refused:
        sim.faults(rules=[{"rate_lost": 2}])
    assert refused.value.code == 422
