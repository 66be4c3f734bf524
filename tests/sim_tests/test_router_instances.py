"""Several router instances behind the router port: own delays, ordered learning, seeded choice."""

from __future__ import annotations

import time
import urllib.error
from pathlib import Path

import pytest
import requests

from ccsim.launcher import SimHandle, start_simulator

from .client import CC, wait_for


def get(sim: SimHandle, host: str) -> requests.Response:
    return requests.get(sim.router_url, headers={"Host": host}, timeout=10)


def last_seq(sim: SimHandle) -> int:
    log = sim.router_requests()
    return int(log[-1]["seq"]) if log else 0


def test_two_instances_learn_a_new_route_each_after_its_own_delay(sim: SimHandle, cc: CC) -> None:
    sim.config(router_instances=2, router_propagation_s=[0.2, 3.0])
    app = cc.push("indep")
    sim.sync_router()
    mapped_at = time.monotonic()
    cc.map_route(cc.create_route("indep")["guid"], app["guid"])
    newest = sim.state()["router"]["version"]
    wait_for(lambda: sim.router_versions()[0] == newest, timeout=2.5, what="instance 0 learnt the route")
    since = last_seq(sim)
    # instance 0 knows the route, instance 1 not yet: which one answers depends on the draw
    wait_for(lambda: get(sim, "indep.apps.sim.test") and {r["router"] for r in sim.router_requests(since)} == {0, 1},
             timeout=2.5, what="both instances served")
    assert time.monotonic() - mapped_at < 3.0, "too slow to observe the window"
    window = sim.router_requests(since)
    assert {(r["router"], r["status"]) for r in window} == {(0, 200), (1, 404)}
    assert {r["app_guid"] for r in window if r["router"] == 0} == {app["guid"]}
    router = sim.state()["router"]
    delays, pending = zip(*[(i["propagation_s"], i["pending"]) for i in router["instances"]], strict=True)
    assert delays == (0.2, 3.0) and pending[0] == 0 and pending[1] > 0
    assert "indep.apps.sim.test" not in router["instances"][1]["table"]
    wait_for(lambda: sim.router_versions() == [newest, newest], timeout=5, what="instance 1 learnt the route")
    assert time.monotonic() - mapped_at >= 3.0
    since = last_seq(sim)
    for _ in range(10):
        assert get(sim, "indep.apps.sim.test").status_code == 200
    assert {r["router"] for r in sim.router_requests(since)} == {0, 1}


def test_a_later_removal_is_not_undone_by_an_earlier_addition_arriving_late(sim: SimHandle, cc: CC) -> None:
    blue = cc.push("ord-blue", host="ord")
    green = cc.push("ord-green")
    sim.sync_router()
    route = cc.get("/v3/routes?hosts=ord").json()["resources"][0]
    before = sim.state()["router"]["version"]
    sim.config(route_propagation_s=1.0)
    added_at = time.time()
    cc.map_route(route["guid"], green["guid"])  # travels 1.0 s
    sim.config(route_propagation_s=0.1)
    blue_dest = next(d for d in cc.get(f"/v3/routes/{route['guid']}/destinations").json()["destinations"]
                     if d["app"]["guid"] == blue["guid"])
    assert cc.delete(f"/v3/routes/{route['guid']}/destinations/{blue_dest['guid']}").status_code == 204
    newest = sim.state()["router"]["version"]
    assert newest >= before + 2
    since = last_seq(sim)
    wait_for(lambda: get(sim, "ord.apps.sim.test") and sim.router_versions() == [newest], timeout=3,
             what="all changes learnt")
    for _ in range(5):
        assert get(sim, "ord.apps.sim.test").text.startswith("ord-green ")
    log = sim.router_requests(since)
    versions = [r["table_version"] for r in log]
    assert versions == sorted(versions), "an instance went back to an older table"
    # the removal waited for the addition that happened before it: nothing learnt before 1.0 s
    assert all(r["ts"] >= added_at + 0.95 for r in log if r["table_version"] > before)
    assert all(r["app_guid"] == green["guid"] for r in log if r["table_version"] == newest)


def test_the_instance_choice_is_deterministic_for_a_seed(sim: SimHandle) -> None:
    sim.config(router_instances=3)

    def run(seed: int) -> list[int]:
        sim.faults(seed=seed)
        since = last_seq(sim)
        for _ in range(30):
            assert get(sim, "nothing.apps.sim.test").status_code == 404
        return [r["router"] for r in sim.router_requests(since)]

    first = run(7)
    assert run(7) == first
    assert set(first) == {0, 1, 2}
    assert run(8) != first
    assert [i["served"] for i in sim.state()["router"]["instances"]] != [0, 0, 0]


def test_instances_and_delays_are_set_at_run_time_and_sync_reaches_all(sim: SimHandle, cc: CC) -> None:
    assert sim.router_versions() == [sim.state()["router"]["version"]]
    config = sim.config(router_instances=3, router_propagation_s=[5, 5, 5])
    assert (config["router_instances"], config["router_propagation_s"]) == (3, [5.0, 5.0, 5.0])
    for bad in ({"router_instances": 0}, {"router_propagation_s": [1.0]}, {"router_propagation_s": [1, -1, 1]},
                {"router_propagation_s": "1"}, {"router_instances": 2}):
        with pytest.raises(urllib.error.HTTPError) as refused:
            sim.config(**bad)
        assert refused.value.code == 422
    assert sim.config()["router_instances"] == 3  # a refused update changes nothing
    cc.push("synced", host="synced")
    newest = sim.state()["router"]["version"]
    assert all(v < newest for v in sim.router_versions())  # 5 s away
    synced = sim.sync_router()  # the state now: one more version, installed everywhere
    assert synced["version"] > newest and [i["version"] for i in synced["instances"]] == [synced["version"]] * 3
    newest = synced["version"]
    assert get(sim, "synced.apps.sim.test").status_code == 200
    sim.config(router_instances=1, router_propagation_s=[])
    assert len(sim.state()["router"]["instances"]) == 1
    sim.config(router_instances=2)
    assert sim.router_versions() == [newest, newest]  # a new instance starts with the newest table


def test_instances_delays_and_seed_given_at_start(tmp_path: Path) -> None:
    def choices(seed: int) -> tuple[list[int], list[float]]:
        handle = start_simulator(tmp_path / str(seed), seed=seed, router_instances=2, router_propagation_s=[0.2, 1.5])
        try:
            for _ in range(20):
                assert get(handle, "nothing.apps.sim.test").status_code == 404
            delays = [i["propagation_s"] for i in handle.state()["router"]["instances"]]
            return [r["router"] for r in handle.router_requests()], delays
        finally:
            handle.stop()

    first, delays = choices(11)
    assert delays == [0.2, 1.5] and set(first) == {0, 1}
    assert choices(11)[0] == first  # a fresh simulator with the same seed draws the same instances
