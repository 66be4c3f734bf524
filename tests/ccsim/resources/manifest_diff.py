"""The manifest diff (`POST /v3/spaces/:guid/manifest_diff`), as CC's SpaceDiffManifest computes it.

Each application of the manifest is compared, key by recognised top-level key, with the manifest CC would
generate for the app of that name (web process attributes at the top level too); a missing app compares
with nothing, so every key is an `add` (with `was: null`, as CC's replace-turned-add keeps it).
Objects are compared key by key; lists (routes, processes, buildpacks, services) as a whole, one
`replace` for the list (CC's JSON diff pairs list items by similarity and reports per item).
Top-level `memory`/`disk_quota` are never reported, as in CC (kept for backwards compatibility).
"""

from __future__ import annotations

from typing import Any

from ..manifest import DIFF_KEYS, to_mb
from .routes import route_url

Resource = dict[str, Any]
_IDENTIFIERS = {"processes": "type", "routes": "route"}


def _mb(value: Any) -> Any:
    try:
        mb = to_mb(value)
    except ValueError:
        return value
    return f"{mb}M" if mb is not None else value


def _normalised(entry: Resource) -> Resource:
    return {k: _mb(v) if k in ("memory", "disk-quota", "disk_quota") else v for k, v in entry.items()}


def _process_hash(process: Resource) -> Resource:
    health = process["health_check"]
    out: Resource = {"type": process["type"], "instances": process["instances"],
                     "memory": f"{process['memory_in_mb']}M", "disk_quota": f"{process['disk_in_mb']}M",
                     "health-check-type": health["type"]}
    if health["data"].get("endpoint"):
        out["health-check-http-endpoint"] = health["data"]["endpoint"]
    if health["data"].get("timeout"):
        out["timeout"] = health["data"]["timeout"]
    if process["command"]:
        out["command"] = process["command"]
    return out


def existing_hash(sim: Any, app: Resource) -> Resource:
    """The manifest CC would generate for `app`, web process attributes also at the top level."""
    store = sim.store
    out: Resource = {"name": app["name"]}
    lifecycle = app["lifecycle"]
    if lifecycle["type"] != "docker":
        if lifecycle["data"].get("buildpacks"):
            out["buildpacks"] = list(lifecycle["data"]["buildpacks"])
        out["stack"] = lifecycle["data"].get("stack")
    if app["env"]:
        out["env"] = dict(app["env"])
    routes = [route_url(sim, r) for r in store.all("routes")
              if any(d["app"]["guid"] == app["guid"] for d in r["destinations"])]
    if routes:
        out["routes"] = [{"route": url} for url in routes]
    services = [store.tables["service_instances"][b["si_guid"]]["name"]
                for b in store.where("service_credential_bindings", app_guid=app["guid"])]
    if services:
        out["services"] = services
    if app["metadata"]["labels"] or app["metadata"]["annotations"]:
        out["metadata"] = {k: v for k, v in app["metadata"].items() if v}
    processes = [_process_hash(p) for p in store.where("processes", app_guid=app["guid"])]
    out["processes"] = processes
    web = next((p for p in processes if p["type"] == "web"), None)
    return {**out, **web} if web else out


def _prune(existing: list[Any], key: str, wanted: Any) -> list[Any]:
    """CC drops listed resources the manifest does not name, and attributes it does not set."""
    ident = _IDENTIFIERS[key]
    wanted_list = wanted if isinstance(wanted, list) else []
    kept = []
    for item in existing:
        match = next((w for w in wanted_list if isinstance(w, dict) and w.get(ident) == item.get(ident)), None)
        if match is not None:
            kept.append({k: v for k, v in item.items() if match.get(k) is not None})
    return kept


def _diff(was: Any, now: Any, path: str) -> list[Resource]:
    if was == now:
        return []
    if isinstance(was, dict) and isinstance(now, dict):
        out: list[Resource] = [{"op": "remove", "path": f"{path}/{k}", "was": v} for k, v in was.items()
                               if k not in now]
        for k, v in now.items():
            out.extend(_diff(was[k], v, f"{path}/{k}") if k in was else [{"op": "add", "path": f"{path}/{k}",
                                                                           "value": v}])
        return out
    return [{"op": "replace", "path": path, "was": was, "value": now}]


def diff_space(sim: Any, space: Resource, apps: list[Resource]) -> list[Resource]:
    out: list[Resource] = []
    for index, raw in enumerate(apps):
        manifest_app = _normalised(raw)
        if isinstance(manifest_app.get("processes"), list):
            manifest_app["processes"] = [_normalised(p) if isinstance(p, dict) else p
                                         for p in manifest_app["processes"]]
        existing = next((a for a in sim.store.where("apps", space_guid=space["guid"])
                         if a["name"] == manifest_app.get("name")), None)
        current = existing_hash(sim, existing) if existing else {}
        keys = set(DIFF_KEYS)
        if existing and "disk-quota" in manifest_app:
            current["disk-quota"] = current.get("disk_quota")
        for key, value in manifest_app.items():
            if key not in keys:
                continue
            was = current.get(key)
            nested = bool(was) and key in _IDENTIFIERS
            if nested:
                was = _prune(was, key, value)
            if not nested and key in ("memory", "disk-quota", "disk_quota"):
                continue
            for change in _diff(was, value, ""):
                change["path"] = f"/applications/{index}/{key}" + change["path"]
                if change["op"] == "replace" and change["was"] is None:
                    change["op"] = "add"
                out.append(change)
    return out
