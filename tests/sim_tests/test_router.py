"""The router: Host/path routing, delayed propagation, atomic swaps under load, throughput."""

from __future__ import annotations

import collections
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import requests

from ccsim.launcher import SimHandle

from .client import CC, wait_for


def get(sim: SimHandle, host: str, path: str = "/", session: requests.Session | None = None) -> requests.Response:
    return (session or requests).get(sim.router_url + path, headers={"Host": host}, timeout=10)


def test_unknown_route_and_no_endpoints(sim: SimHandle, cc: CC) -> None:
    resp = get(sim, "nothing.apps.sim.test")
    assert resp.status_code == 404 and resp.headers["X-Cf-Routererror"] == "unknown_route"
    cc.create_route("empty")
    sim.sync_router()
    resp = get(sim, "empty.apps.sim.test")
    assert resp.status_code == 503 and resp.headers["X-Cf-Routererror"] == "no_endpoints"


def test_longest_path_wins(sim: SimHandle, cc: CC) -> None:
    root = cc.push("site", host="site")
    api = cc.push("site-api", start=True)
    cc.map_route(cc.create_route("site", "/api")["guid"], api["guid"])
    sim.sync_router()
    assert get(sim, "site.apps.sim.test", "/api/v1/x").text.startswith("site-api ")
    assert get(sim, "site.apps.sim.test", "/apiary").text.startswith("site ")
    assert get(sim, "SITE.apps.sim.test:80", "/").text == f"site {root['droplet_guid']}\n"


def test_route_changes_arrive_after_propagation_delay(sim: SimHandle, cc: CC) -> None:
    sim.config(route_propagation_s=1.0)
    app = cc.push("late")
    route = cc.create_route("late")
    cc.map_route(route["guid"], app["guid"])
    mapped_at = time.monotonic()
    assert get(sim, "late.apps.sim.test").status_code == 404  # router has not learned the route yet
    wait_for(lambda: get(sim, "late.apps.sim.test").status_code == 200, timeout=5, what="route learned")
    assert time.monotonic() - mapped_at >= 0.9
    assert sim.state()["router"]["outcomes"]["200"] >= 1


def test_stopping_the_only_backend_before_the_router_learns_fails_requests(sim: SimHandle, cc: CC) -> None:
    sim.config(route_propagation_s=1.5)
    blue = cc.push("blue", host="shop")
    green = cc.push("green")
    wait_for(lambda: get(sim, "shop.apps.sim.test").status_code == 200, what="blue live")
    route = cc.get("/v3/routes?hosts=shop").json()["resources"][0]
    # an engine that swaps and stops the old colour at once: the router still only knows blue
    cc.patch(f"/v3/routes/{route['guid']}/destinations", {"destinations": [{"app": {"guid": green["guid"]}}]})
    cc.post(f"/v3/apps/{blue['guid']}/actions/stop")
    wait_for(lambda: not any(i["app_guid"] == blue["guid"] for i in sim.state()["instances"]), what="blue gone")
    time.sleep(0.2)
    resp = get(sim, "shop.apps.sim.test")
    assert resp.status_code == 502 and resp.headers["X-Cf-Routererror"] == "endpoint_failure"
    assert sim.state()["router"]["outcomes"]["502"] >= 1
    wait_for(lambda: get(sim, "shop.apps.sim.test").text.startswith("green "), timeout=5, what="green live")


def test_swap_with_overlap_under_load_never_fails(sim: SimHandle, cc: CC) -> None:
    sim.config(route_propagation_s=0.3)
    blue = cc.push("swap-blue", host="swap", instances=2)
    green = cc.push("swap-green", instances=2)
    wait_for(lambda: get(sim, "swap.apps.sim.test").status_code == 200, what="blue live")
    route = cc.get("/v3/routes?hosts=swap").json()["resources"][0]
    results: collections.Counter[str] = collections.Counter()
    stop = threading.Event()

    def load() -> None:
        session = requests.Session()
        while not stop.is_set():
            resp = get(sim, "swap.apps.sim.test", session=session)
            results[f"{resp.status_code} {resp.text.split(' ')[0]}"] += 1

    workers = [threading.Thread(target=load) for _ in range(4)]
    for worker in workers:
        worker.start()
    try:
        time.sleep(0.3)
        cc.map_route(route["guid"], green["guid"])  # overlap: both colours
        time.sleep(0.8)  # > propagation: the router knows green
        blue_dest = next(d for d in cc.get(f"/v3/routes/{route['guid']}/destinations").json()["destinations"]
                         if d["app"]["guid"] == blue["guid"])
        assert cc.delete(f"/v3/routes/{route['guid']}/destinations/{blue_dest['guid']}").status_code == 204
        time.sleep(0.8)  # the router forgot blue
        cc.post(f"/v3/apps/{blue['guid']}/actions/stop")
        time.sleep(0.5)
    finally:
        stop.set()
        for worker in workers:
            worker.join()
    assert set(results) == {"200 swap-blue", "200 swap-green"}, results
    assert sum(results.values()) > 100


def test_router_serves_a_burst_from_eight_threads_without_a_failure(sim: SimHandle, cc: CC) -> None:
    cc.push("fast", host="fast", instances=2)
    wait_for(lambda: get(sim, "fast.apps.sim.test").status_code == 200, what="live")
    total, threads = 600, 8
    sessions = [requests.Session() for _ in range(threads)]

    def burst(n: int) -> list[int]:
        return [get(sim, "fast.apps.sim.test", session=sessions[n]).status_code for _ in range(total // threads)]

    with ThreadPoolExecutor(threads) as pool:  # how fast is the bench's business (it paces its traffic)
        codes = [c for chunk in pool.map(burst, range(threads)) for c in chunk]
    assert codes.count(200) == total


def test_a_dial_to_a_stopped_instance_is_retried_on_another_and_logged(sim: SimHandle, cc: CC) -> None:
    """A router that has not unlearnt a stopped instance still dials it; like gorouter it retries the
    request on another endpoint (the client sees 200), and its log keeps the failed dial."""
    blue = cc.push("blue", host="shared")
    green = cc.push("green")
    cc.map_route(cc.get("/v3/routes").json()["resources"][0]["guid"], green["guid"])
    sim.sync_router()
    sim.config(route_propagation_s=30.0)
    assert cc.post(f"/v3/apps/{blue['guid']}/actions/stop").status_code == 200
    since = max((r["seq"] for r in sim.router_requests()), default=0)

    def retried_from_blue() -> list[dict]:
        get(sim, "shared.apps.sim.test")  # while blue shuts down, a request it accepted may still fail
        return [r for r in sim.router_requests(since) if r.get("failed_dials") and r["status"] == 200]

    retried = wait_for(retried_from_blue, what="a request retried after a failed dial to the stopped instance")
    assert retried[0]["failed_dials"] == [f"{blue['guid']}:0"] and retried[0]["app_guid"] == green["guid"]
