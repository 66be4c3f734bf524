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


def normalized(state: dict[str, Any]) -> dict[str, Any]:
    """What a user can tell apart in a deployed MTA, without guids or times: apps (state, user env, the env
    their *running* instances were started with, instance counts), routes and where they lead, bindings,
    service instances and keys."""
    by_guid = {a["guid"]: a for a in state["apps"]}
    services = {s["guid"]: s["name"] for s in state["service_instances"]}
    apps = {}
    for app in state["apps"]:
        env = app["environment_variables"]
        running = [i for i in state["instances"] if i["app_guid"] == app["guid"] and i["state"] == "RUNNING"]
        started_with = sorted({tuple(sorted((k, (i.get("environment") or {}).get(k)) for k in env))
                               for i in running})
        apps[app["name"]] = {"state": app["state"], "env": env, "running": len(running),
                             "instances": sum(p["instances"] for p in app["processes"]),
                             "running_env": [dict(e) for e in started_with]}
    routes = {f"{r['host']}.{r['domain']}{r['path']}": sorted(d["app_name"] for d in r["destinations"])
              for r in state["routes"]}
    bindings = sorted((by_guid[b["app_guid"]]["name"] if b["app_guid"] in by_guid else "?",
                       services.get(b["service_instance_guid"], "?"), b["type"], b["name"] or "")
                      for b in state["service_credential_bindings"])
    return {"apps": apps, "routes": routes, "bindings": bindings,
            "services": sorted((s["name"], s["type"]) for s in state["service_instances"])}
