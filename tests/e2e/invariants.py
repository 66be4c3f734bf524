"""What "no duplicate and no orphan" means, checked on the simulator's state dump."""

from __future__ import annotations

from collections import Counter
from typing import Any


def assert_clean(state: dict[str, Any], apps: set[str]) -> None:
    names = [a["name"] for a in state["apps"]]
    assert sorted(names) == sorted(apps), f"apps: {names}"
    routes = Counter((r["host"], r["domain"], r["path"]) for r in state["routes"])
    assert all(n == 1 for n in routes.values()), f"duplicate routes: {routes}"
    for route in state["routes"]:
        dests = [d["app_guid"] for d in route["destinations"]]
        assert len(dests) == len(set(dests)), f"duplicate destinations on {route['host']}: {dests}"
        assert route["destinations"], f"orphaned route {route['host']}.{route['domain']}{route['path']}"
    guids = {a["guid"] for a in state["apps"]}
    app_bindings = [b for b in state["service_credential_bindings"] if b["type"] == "app"]
    pairs = Counter((b["app_guid"], b["service_instance_guid"]) for b in app_bindings)
    assert all(n == 1 for n in pairs.values()), f"duplicate bindings: {pairs}"
    assert all(b["app_guid"] in guids for b in app_bindings), "binding of a deleted app"
    services = Counter(s["name"] for s in state["service_instances"])
    assert all(n == 1 for n in services.values()), f"duplicate services: {services}"
