"""The hold of kill-point sweeps: the API stops right after the k-th mutating request."""

from __future__ import annotations

import subprocess
import sys
import urllib.error
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from ccsim.launcher import SimHandle

from .client import CC, wait_for

# A client the test can kill: creates the named apps one after the other.
CLIENT = """
import json, sys, urllib.request
api, token, space, names = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
for name in names:
    body = json.dumps({"name": name, "relationships": {"space": {"data": {"guid": space}}}}).encode()
    req = urllib.request.Request(api + "/v3/apps", data=body, method="POST", headers={
        "Authorization": "bearer " + token, "Content-Type": "application/json"})
    urllib.request.urlopen(req, timeout=60).read()
"""


@pytest.fixture
def client(sim: SimHandle, cc: CC) -> Iterator[list[subprocess.Popen[bytes]]]:
    started: list[subprocess.Popen[bytes]] = []
    yield started
    for proc in started:
        proc.kill()
        proc.wait()
    sim.release_hold()


def spawn(sim: SimHandle, cc: CC, started: list[subprocess.Popen[bytes]], *names: str) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen([sys.executable, "-c", CLIENT, sim.api_url, sim.token(), cc.space_guid(), *names])
    started.append(proc)
    return proc


def app_names(cc: CC) -> list[str]:
    return sorted(a["name"] for a in cc.get("/v3/apps").json()["resources"])


def assert_healthy(sim: SimHandle, cc: CC) -> None:
    """What still works while the API is held: the control API, the UAA, the router."""
    assert sim.state()["hold"]["reached"]
    assert sim.token("admin")
    assert requests.get(sim.router_url, headers={"Host": "nothing.apps.sim.test"}, timeout=5).status_code == 404


def test_mutating_requests_are_counted_for_a_sweep(sim: SimHandle, cc: CC) -> None:
    assert sim.mutating_requests() == 0
    cc.create_app("one")
    cc.patch(f"/v3/apps/{cc.create_app('two')['guid']}", {"name": "deux"})
    cc.get("/v3/apps")
    sim.config(staging_s=0.1)
    sim.faults(rules=[{"path": "^/v3/apps$", "methods": ["POST"], "rate_503": 1.0, "times": 1}])
    assert cc.post("/v3/apps", {"name": "x"}).status_code == 503  # answered by the fault, never processed
    assert cc.post("/v3/apps", {"name": "x"}).status_code == 422  # processed (and refused)
    assert sim.mutating_requests() == 4


def test_after_response_answers_k_then_holds_every_later_request(sim: SimHandle, cc: CC,
                                                                  client: list[subprocess.Popen[bytes]]) -> None:
    cc.create_app("before")
    sim.hold(2, "after_response")
    proc = spawn(sim, cc, client, "first", "second", "third")
    state = sim.wait_hold_triggered()
    assert state["held"] == {"method": "POST", "path": "/v3/apps", "status": 201}
    assert (state["armed_at"], state["mutating_requests"]) == (1, 3)
    wait_for(lambda: sim.hold_state()["waiting"] == 1, what="request 3 waiting")
    assert {a["name"] for a in sim.state()["apps"]} == {"before", "first", "second"}
    proc.kill()
    proc.wait()
    wait_for(lambda: sim.hold_state()["dropped"] == 1, what="the dead client's request dropped")
    assert_healthy(sim, cc)
    released = sim.release_hold()
    assert (released["waiting"], released["dropped"]) == (0, 1)
    assert app_names(cc) == ["before", "first", "second"]  # "third" never reached the Cloud Controller
    assert sim.hold_state()["armed"] is False


def test_before_response_processes_k_and_holds_its_answer(sim: SimHandle, cc: CC) -> None:
    sim.hold(1, "before_response")
    other = CC(sim)
    with ThreadPoolExecutor(2) as pool:
        held = pool.submit(cc.create_app, "held")
        state = sim.wait_hold_triggered()
        assert state["held"] == {"method": "POST", "path": "/v3/apps", "status": 201}
        later = pool.submit(other.get, "/v3/apps")
        wait_for(lambda: sim.hold_state()["waiting"] == 1, what="the later request waiting")
        assert not held.done() and not later.done()
        assert [a["name"] for a in sim.state()["apps"]] == ["held"]  # processed, not answered
        sim.release_hold()
        assert held.result(timeout=10)["name"] == "held"
        assert [a["name"] for a in later.result(timeout=10).json()["resources"]] == ["held"]


def test_before_response_with_a_client_killed_mid_hold(sim: SimHandle, cc: CC,
                                                       client: list[subprocess.Popen[bytes]]) -> None:
    sim.hold(1, "before_response")
    proc = spawn(sim, cc, client, "orphan", "never")
    assert sim.wait_hold_triggered()["held"]["path"] == "/v3/apps"
    proc.kill()
    proc.wait()
    assert_healthy(sim, cc)
    sim.release_hold()  # the answer goes nowhere
    assert app_names(cc) == ["orphan"]
    entry = wait_for(lambda: [r for r in sim.requests() if r["path"] == "/v3/apps" and r["method"] == "POST"],
                     what="the held request logged")[0]
    assert entry["status"] == 201


def test_arming_is_strict(sim: SimHandle, cc: CC, client: list[subprocess.Popen[bytes]]) -> None:
    for bad in ({"after_mutating": 0}, {"after_mutating": True}, {"after_mutating": 1, "mode": "later"},
                {"after_mutating": 1, "kill": True}, {}):
        with pytest.raises(urllib.error.HTTPError) as refused:
            sim._call("POST", "/_sim/hold", bad)
        assert refused.value.code == 422
    sim.hold(1)
    spawn(sim, cc, client, "one")
    sim.wait_hold_triggered()
    with pytest.raises(urllib.error.HTTPError) as refused:
        sim.hold(1)
    assert refused.value.code == 422  # release first
