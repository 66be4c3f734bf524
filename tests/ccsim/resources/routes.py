"""Routes and their destinations (what the router forwards to)."""

from __future__ import annotations

import re
from typing import Any

from .. import access
from ..api import Req, Resp, endpoint, job_accepted, public, relationship
from ..errors import unprocessable
from ..query import TIMESTAMP_KEYS, filter_by
from ..state import new_guid, now_iso
from ..validate import merge_metadata, new_metadata
from . import jobs
from .apps import get_app
from .orgs import get_space, present_domain, present_org, present_space

Resource = dict[str, Any]
HOST_RE = re.compile(r"^([\w-]+|\*)$")


def route_url(sim: Any, route: Resource) -> str:
    domain = sim.store.tables["domains"][route["domain_guid"]]["name"]
    host = f"{route['host']}.{domain}" if route["host"] else domain
    return host + route["path"]


def present_destination(dest: Resource) -> Resource:
    return {k: dest[k] for k in ("guid", "app", "weight", "port", "protocol", "created_at", "updated_at")}


def present_route(req: Req, route: Resource) -> Resource:
    g = route["guid"]
    return {
        **public(route, "protocol", "host", "path", "port", "options"), "url": route_url(req.sim, route),
        "destinations": [present_destination(d) for d in route["destinations"]],
        "relationships": {"space": relationship(route["space_guid"]), "domain": relationship(route["domain_guid"])},
        "metadata": route["metadata"],
        "links": {"self": req.link(f"/v3/routes/{g}"), "space": req.link(f"/v3/spaces/{route['space_guid']}"),
                  "domain": req.link(f"/v3/domains/{route['domain_guid']}"),
                  "destinations": req.link(f"/v3/routes/{g}/destinations")},
    }


def visible_routes(req: Req) -> list[Resource]:
    assert req.user is not None
    spaces = access.readable_space_guids(req.sim, req.user)
    return [r for r in req.sim.store.all("routes") if r["space_guid"] in spaces]


def get_route(req: Req, guid: str, write: bool = False) -> Resource:
    route = req.sim.store.get("routes", guid, "Route")
    assert req.user is not None
    (access.check_manage if write else access.check_read)(req.sim, req.user, route["space_guid"], "Route")
    return route


def _duplicate_message(host: str, path: str, domain: str) -> str:
    if host and path:
        return f"Route already exists with host '{host}' and path '{path}' for domain '{domain}'."
    if host:
        return f"Route already exists with host '{host}' for domain '{domain}'."
    if path:
        return f"Route already exists with path '{path}' for domain '{domain}'."
    return f"Route already exists for domain '{domain}'."


@endpoint("POST", "/v3/routes")
def create_route(req: Req) -> Resp:
    check = req.checker(("host", "path", "port", "relationships", "options", "metadata"))
    host = check.string("host", max_len=63) or ""
    path = check.string("path") or ""
    port = check.integer("port", minimum=1, nullable=True)
    options = check.obj("options")
    rels = check.relationships(("space", "domain"))
    metadata = check.metadata()
    check.errors.extend(host_path_problems(host, path))
    if options is not None:
        extra = [k for k in options if k not in ("loadbalancing", "hash_header", "hash_balance")]
        if extra:
            check.add("Options Unknown field(s): '" + "', '".join(extra) + "'")
        lb = options.get("loadbalancing")
        if lb is not None and lb not in ("round-robin", "least-connection", "hash"):
            check.add("Options Loadbalancing must be one of 'round-robin, least-connection, hash' if present")
    check.done()
    if port is not None:
        raise unprocessable("Routes with protocol 'http' do not support ports.")
    assert req.user is not None
    store = req.sim.store
    access.check_target_space(req.sim, req.user, rels["space"], access.APP_MANAGERS)
    domain = store.find("domains", rels["domain"])
    space = store.tables["spaces"][rels["space"]]
    if domain is None or domain["organization_guid"] not in (None, space["organization_guid"]):
        raise unprocessable("Invalid domain. Ensure that the domain exists and you have access to it.")
    route = insert_route(req.sim, space, domain, host, path, options, metadata)
    return Resp(201, present_route(req, route))


def host_path_problems(host: str, path: str) -> list[str]:
    problems = []
    if host and not HOST_RE.match(host):
        problems.append("Host must be either \"*\" or contain only alphanumeric characters, \"_\", or \"-\"")
    if path:
        if not path.startswith("/"):
            problems.append("Path must begin with /")
        elif path == "/":
            problems.append("Path cannot be exactly /")
        elif "?" in path:
            problems.append("Path cannot contain ?")
    return problems


def insert_route(sim: Any, space: Resource, domain: Resource, host: str, path: str,
                 options: dict[str, Any] | None = None, metadata: dict[str, Any] | None = None) -> Resource:
    """A new route (also for apply_manifest); CC's 422 for a shared domain without host or a duplicate."""
    store = sim.store
    if domain["organization_guid"] is None and not host:
        raise unprocessable("Missing host. Routes in shared domains must have a host defined.")
    if any(r["domain_guid"] == domain["guid"] and r["host"] == host.lower() and r["path"] == path
           for r in store.all("routes")):
        raise unprocessable(_duplicate_message(host.lower(), path, domain["name"]))
    return store.add("routes", {
        "protocol": "http", "host": host.lower(), "path": path, "port": None, "domain_guid": domain["guid"],
        "space_guid": space["guid"], "destinations": [], "options": options or {},
        "metadata": new_metadata(metadata),
    })


_LIST_FILTERS = (("hosts", "host"), ("paths", "path"), ("domain_guids", "domain_guid"), ("space_guids", "space_guid"))


def _filter_routes(req: Req, items: list[Resource]) -> list[Resource]:
    store = req.sim.store
    for key, field in _LIST_FILTERS:
        items = filter_by(items, req.query, key, lambda r, f=field: r[f])
    items = filter_by(items, req.query, "ports", lambda r: r["port"])
    items = filter_by(items, req.query, "organization_guids",
                      lambda r: store.tables["spaces"][r["space_guid"]]["organization_guid"])
    apps = req.query.list("app_guids")
    if apps is not None:
        items = [r for r in items if any(d["app"]["guid"] in apps for d in r["destinations"])]
    return items


def _included(req: Req, includes: list[str]) -> Any:
    store = req.sim.store

    def included(page: list[Resource]) -> dict[str, list[Resource]]:
        out: dict[str, list[Resource]] = {}
        if "domain" in includes:
            out["domains"] = [present_domain(req, store.tables["domains"][g])
                              for g in dict.fromkeys(r["domain_guid"] for r in page)]
        if "space" in includes or "space.organization" in includes:
            spaces = [store.tables["spaces"][g] for g in dict.fromkeys(r["space_guid"] for r in page)]
            out["spaces"] = [present_space(req, s) for s in spaces]
            if "space.organization" in includes:
                out["organizations"] = [present_org(req, store.tables["organizations"][g])
                                        for g in dict.fromkeys(s["organization_guid"] for s in spaces)]
        return out

    return included if includes else None


@endpoint("GET", "/v3/routes")
def list_routes(req: Req) -> Resp:
    req.query.allow("app_guids", "domain_guids", "hosts", "organization_guids", "paths", "ports", "space_guids",
                    "service_instance_guids", "label_selector", "include", *TIMESTAMP_KEYS)
    includes = req.query.includes("domain", "space", "space.organization")
    items = _filter_routes(req, visible_routes(req))
    if req.query.list("service_instance_guids") is not None:
        items = []  # route services are not simulated
    return req.list_response(items, present_route, ("created_at", "updated_at", "host", "path"),
                             _included(req, includes))


@endpoint("GET", "/v3/apps/{guid}/routes")
def list_app_routes(req: Req) -> Resp:
    req.query.allow("domain_guids", "hosts", "paths", "ports", "label_selector", *TIMESTAMP_KEYS)
    app = get_app(req, req.params["guid"])
    items = [r for r in req.sim.store.all("routes") if any(d["app"]["guid"] == app["guid"] for d in r["destinations"])]
    return req.list_response(_filter_routes(req, items), present_route)


@endpoint("GET", "/v3/routes/{guid}")
def show_route(req: Req) -> Resource:
    req.query.allow("include", paging=False)
    includes = req.query.includes("domain", "space", "space.organization")
    route = get_route(req, req.params["guid"])
    body = present_route(req, route)
    if includes:
        body["included"] = _included(req, includes)([route])
    return body


@endpoint("PATCH", "/v3/routes/{guid}")
def update_route(req: Req) -> Resource:
    route = get_route(req, req.params["guid"], write=True)
    check = req.checker(("metadata", "options"))
    metadata = check.metadata()
    options = check.obj("options")
    check.done()
    merge_metadata(route["metadata"], metadata)
    if options is not None:
        route["options"] = {**route["options"], **options}
    req.sim.store.touch(route)
    return present_route(req, route)


def _remove_route(sim: Any, guid: str) -> None:
    sim.store.remove("routes", guid)
    sim.router.refresh()


@endpoint("DELETE", "/v3/routes/{guid}")
def delete_route(req: Req) -> Resp:
    route = get_route(req, req.params["guid"], write=True)
    guid = route["guid"]
    job = jobs.start(req.sim, "route.delete", ("route", guid), req.sim.config.job_s,
                     lambda job: _remove_route(req.sim, guid))
    return job_accepted(req, job)


@endpoint("DELETE", "/v3/spaces/{guid}/routes")
def delete_unmapped_routes(req: Req) -> Resp:
    req.query.allow("unmapped", paging=False)
    space = get_space(req, req.params["guid"])
    assert req.user is not None
    access.check_manage(req.sim, req.user, space["guid"], "Space")
    if req.query.get("unmapped") != "true":
        raise unprocessable("Mass delete not supported for routes. Use 'unmapped=true' parameter to delete all "
                            "unmapped routes.")

    def work(job: Resource) -> None:
        for route in req.sim.store.where("routes", space_guid=space["guid"]):
            if not route["destinations"]:
                req.sim.store.remove("routes", route["guid"])
        req.sim.router.refresh()

    return job_accepted(req, jobs.start(req.sim, "space.delete_unmapped_routes", None, req.sim.config.job_s, work))


# ------------------------------------------------------------ destinations
def _destinations_body(req: Req, route: Resource) -> Resource:
    return {"destinations": [present_destination(d) for d in route["destinations"]],
            "links": {"self": req.link(f"/v3/routes/{route['guid']}/destinations"),
                      "route": req.link(f"/v3/routes/{route['guid']}")}}


def _parse_destinations(req: Req, route: Resource) -> list[Resource]:
    check = req.checker(("destinations",))
    raw = check.body.get("destinations")
    if not isinstance(raw, list) or (not raw and req.method == "POST"):
        check.add("Destinations must be an array containing at least one destination" if req.method == "POST"
                  else "Destinations must be an array")
        check.done()
    parsed = []
    for item in raw:
        if not isinstance(item, dict):
            check.add("Destinations must have the structure \"destinations\": [{\"app\": {\"guid\": \"app_guid\"}}]")
            continue
        extra = [k for k in item if k not in ("app", "weight", "port", "protocol")]
        if extra:
            check.add("Destinations Unknown field(s): '" + "', '".join(extra) + "'")
        app = item.get("app")
        if not isinstance(app, dict) or not isinstance(app.get("guid"), str) or [
                k for k in app if k not in ("guid", "process")]:
            check.add("Destinations must have the structure \"destinations\": [{\"app\": {\"guid\": \"app_guid\"}}]")
            continue
        process = app.get("process") or {"type": "web"}
        if not isinstance(process, dict) or not isinstance(process.get("type"), str) or not process["type"]:
            check.add("Process must have the structure \"process\": {\"type\": \"process_type\"}")
            continue
        port = item.get("port", 8080)
        if isinstance(port, bool) or not isinstance(port, int) or not 1024 <= port <= 65535:
            check.add("Port must be a positive integer between 1024 and 65535 inclusive")
            continue
        protocol = item.get("protocol") or "http1"
        if protocol not in ("http1", "http2"):
            check.add("Destinations protocol must be 'http1' or 'http2' if provided")
            continue
        if item.get("weight") is not None:
            check.add("Destinations weighted destinations can only be used for a single app")
        parsed.append({"app_guid": app["guid"], "type": process["type"], "port": port, "protocol": protocol})
    check.done()
    store = req.sim.store
    missing = [d["app_guid"] for d in parsed if store.find("apps", d["app_guid"]) is None
               or store.tables["apps"][d["app_guid"]]["space_guid"] not in
               access.readable_space_guids(req.sim, req.user or {})]
    if missing:
        raise unprocessable("App(s) with guid(s) \"" + "\", \"".join(missing)
                            + "\" do not exist or you do not have access.")
    if any(store.tables["apps"][d["app_guid"]]["space_guid"] != route["space_guid"] for d in parsed):
        raise unprocessable("Routes cannot be mapped to destinations in different spaces.")
    return parsed


def _matches(dest: Resource, want: Resource) -> bool:
    return (dest["app"]["guid"], dest["app"]["process"]["type"], dest["port"], dest["protocol"]) == (
        want["app_guid"], want["type"], want["port"], want["protocol"])


def new_destination(want: Resource) -> Resource:
    stamp = now_iso()
    return {"guid": new_guid(), "app": {"guid": want["app_guid"], "process": {"type": want["type"]}}, "weight": None,
            "port": want["port"], "protocol": want["protocol"], "created_at": stamp, "updated_at": stamp}


@endpoint("GET", "/v3/routes/{guid}/destinations")
def list_destinations(req: Req) -> Resource:
    req.query.allow("guids", "app_guids", paging=False)
    route = get_route(req, req.params["guid"])
    body = _destinations_body(req, route)
    guids, apps = req.query.list("guids"), req.query.list("app_guids")
    body["destinations"] = [d for d in body["destinations"] if (guids is None or d["guid"] in guids)
                            and (apps is None or d["app"]["guid"] in apps)]
    return body


@endpoint("POST", "/v3/routes/{guid}/destinations")
def add_destinations(req: Req) -> Resource:
    route = get_route(req, req.params["guid"], write=True)
    for want in _parse_destinations(req, route):
        if not any(_matches(d, want) for d in route["destinations"]):
            route["destinations"] = [*route["destinations"], new_destination(want)]
    req.sim.store.touch(route)
    req.sim.router.refresh()
    return _destinations_body(req, route)


@endpoint("PATCH", "/v3/routes/{guid}/destinations")
def replace_destinations(req: Req) -> Resource:
    route = get_route(req, req.params["guid"], write=True)
    new = []
    for want in _parse_destinations(req, route):
        kept = [d for d in route["destinations"] if _matches(d, want)]
        if not any(_matches(d, want) for d in new):
            new.append(kept[0] if kept else new_destination(want))
    route["destinations"] = new
    req.sim.store.touch(route)
    req.sim.router.refresh()
    return _destinations_body(req, route)


@endpoint("DELETE", "/v3/routes/{guid}/destinations/{destination_guid}")
def remove_destination(req: Req) -> Resp:
    route = get_route(req, req.params["guid"], write=True)
    remaining = [d for d in route["destinations"] if d["guid"] != req.params["destination_guid"]]
    if len(remaining) == len(route["destinations"]):
        raise unprocessable(
            "Unable to unmap route from destination. Ensure the route has a destination with this guid.")
    route["destinations"] = remaining
    req.sim.store.touch(route)
    req.sim.router.refresh()
    return Resp(204)


@endpoint("GET", "/v3/service_route_bindings")
def list_service_route_bindings(req: Req) -> Resp:
    """Route services are not simulated: always an empty list."""
    req.query.allow("route_guids", "service_instance_guids", "service_instance_names", "include", "label_selector",
                    *TIMESTAMP_KEYS)
    includes = req.query.includes("route", "service_instance")
    return req.list_response([], lambda r, b: b, included=(lambda page: {
        ("routes" if i == "route" else "service_instances"): [] for i in includes}) if includes else None)


