"""Processes: scale, health checks, command, per-instance stats; sidecars and deployments (empty)."""

from __future__ import annotations

import time
import uuid
from typing import Any

from .. import access, quotas
from ..api import Req, Resp, endpoint, public, relationship
from ..errors import not_found
from ..query import TIMESTAMP_KEYS, filter_by
from ..validate import Checker, merge_metadata, new_metadata
from .apps import get_app, visible_apps

Resource = dict[str, Any]
HEALTH_TYPES = ("port", "process", "http")


def new_process(sim: Any, app: Resource, ptype: str, guid: str | None = None) -> Resource:
    fields: Resource = {
        "type": ptype, "app_guid": app["guid"], "command": None, "instances": 1 if ptype == "web" else 0,
        "memory_in_mb": 1024, "disk_in_mb": 1024, "log_rate_limit_in_bytes_per_second": -1,
        "health_check": {"type": "port" if ptype == "web" else "process",
                         "data": {"timeout": None, "invocation_timeout": None, "interval": None}},
        "readiness_health_check": {"type": "process", "data": {"invocation_timeout": None, "interval": None}},
        "metadata": new_metadata(None), "version": str(uuid.uuid4()),
    }
    if guid:
        fields["guid"] = guid
    return sim.store.add("processes", fields)


def effective_command(sim: Any, process: Resource) -> str | None:
    if process["command"]:
        return str(process["command"])
    app = sim.store.tables["apps"].get(process["app_guid"])
    droplet = sim.store.find("droplets", app.get("droplet_guid")) if app else None
    if droplet:
        return droplet["process_types"].get(process["type"]) or None
    return None


def present_process(req: Req, process: Resource) -> Resource:
    g = process["guid"]
    app = req.sim.store.tables["apps"][process["app_guid"]]
    health = {"type": process["health_check"]["type"], "data": dict(process["health_check"]["data"])}
    if health["type"] == "http":
        health["data"].setdefault("endpoint", "/")
    return {
        **public(process, "type", "instances", "memory_in_mb", "disk_in_mb", "log_rate_limit_in_bytes_per_second",
                 "version"),
        "command": effective_command(req.sim, process), "user": "vcap", "health_check": health,
        "readiness_health_check": process["readiness_health_check"],
        "relationships": {"app": relationship(process["app_guid"]), "revision": {"data": None}},
        "metadata": process["metadata"],
        "links": {"self": req.link(f"/v3/processes/{g}"), "scale": req.link(f"/v3/processes/{g}/actions/scale", "POST"),
                  "app": req.link(f"/v3/apps/{process['app_guid']}"),
                  "space": req.link(f"/v3/spaces/{app['space_guid']}"),
                  "stats": req.link(f"/v3/processes/{g}/stats")},
    }


def get_process(req: Req, guid: str, write: bool = False) -> Resource:
    """The process or 404; `write`: 403 unless space developer or supporter (CC's `ensure_can_write`)."""
    process = req.sim.store.get("processes", guid, "Process")
    app = req.sim.store.tables["apps"][process["app_guid"]]
    assert req.user is not None
    (access.check_manage if write else access.check_read)(req.sim, req.user, app["space_guid"], "Process")
    return process


def app_process(req: Req, write: bool = False) -> Resource:
    app = get_app(req, req.params["guid"], manage=write)
    for process in req.sim.store.where("processes", app_guid=app["guid"]):
        if process["type"] == req.params["type"]:
            return process
    raise not_found("Process")


@endpoint("GET", "/v3/processes")
def list_processes(req: Req) -> Resp:
    req.query.allow("guids", "types", "app_guids", "space_guids", "organization_guids", "label_selector",
                    *TIMESTAMP_KEYS)
    store = req.sim.store
    apps = {a["guid"] for a in visible_apps(req)}
    items = [p for p in store.all("processes") if p["app_guid"] in apps]
    for key, field in (("guids", "guid"), ("types", "type"), ("app_guids", "app_guid")):
        items = filter_by(items, req.query, key, lambda r, f=field: r[f])
    items = filter_by(items, req.query, "space_guids", lambda p: store.tables["apps"][p["app_guid"]]["space_guid"])
    items = filter_by(items, req.query, "organization_guids", lambda p: store.tables["spaces"][
        store.tables["apps"][p["app_guid"]]["space_guid"]]["organization_guid"])
    return req.list_response(items, present_process)


@endpoint("GET", "/v3/apps/{guid}/processes")
def list_app_processes(req: Req) -> Resp:
    req.query.allow("guids", "types", "label_selector", *TIMESTAMP_KEYS)
    app = get_app(req, req.params["guid"])
    items = req.sim.store.where("processes", app_guid=app["guid"])
    for key, field in (("guids", "guid"), ("types", "type")):
        items = filter_by(items, req.query, key, lambda r, f=field: r[f])
    return req.list_response(items, present_process)


@endpoint("GET", "/v3/processes/{guid}")
def show_process(req: Req) -> Resource:
    return present_process(req, get_process(req, req.params["guid"]))


@endpoint("GET", "/v3/apps/{guid}/processes/{type}")
def show_app_process(req: Req) -> Resource:
    return present_process(req, app_process(req))


def _update(req: Req, process: Resource) -> Resource:
    check = req.checker(("command", "health_check", "readiness_health_check", "metadata"))
    command = check.string("command", nullable=True)
    if "command" in check.body and command is not None and not command.strip():
        check.add("Command must be between 1 and 4096 characters")
    health = _health(check, "health_check", ("timeout", "invocation_timeout", "interval", "endpoint"))
    readiness = _health(check, "readiness_health_check", ("invocation_timeout", "interval", "endpoint"))
    metadata = check.metadata()
    check.done()
    if "command" in check.body:
        process["command"] = command
    if health is not None:
        process["health_check"] = health
    if readiness is not None:
        process["readiness_health_check"] = readiness
    merge_metadata(process["metadata"], metadata)
    req.sim.store.touch(process)
    return present_process(req, process)


def _health(check: Checker, key: str, data_keys: tuple[str, ...]) -> Resource | None:
    value = check.obj(key)
    if value is None:
        return None
    sub = Checker(value, ("type", "data"), prefix=f"{key.replace('_', ' ').capitalize()} ")
    kind = sub.one_of("type", HEALTH_TYPES)
    data = sub.obj("data") or {}
    dcheck = Checker(data, data_keys, prefix=f"{key.replace('_', ' ').capitalize()} data ")
    for name in ("timeout", "invocation_timeout", "interval"):
        if name in data_keys:
            dcheck.integer(name, minimum=1, nullable=True)
    endpoint_value = dcheck.string("endpoint", nullable=True)
    if endpoint_value is not None and (kind or "port") != "http":
        check.add("Health check type must be \"http\" to set a health check HTTP endpoint")
    check.errors.extend(sub.errors + dcheck.errors)
    return {"type": kind or "port", "data": {k: data.get(k) for k in data_keys if k != "endpoint"}
            | ({"endpoint": endpoint_value} if endpoint_value else {})}


@endpoint("PATCH", "/v3/processes/{guid}")
def update_process(req: Req) -> Resource:
    return _update(req, get_process(req, req.params["guid"], write=True))


@endpoint("PATCH", "/v3/apps/{guid}/processes/{type}")
def update_app_process(req: Req) -> Resource:
    return _update(req, app_process(req, write=True))


def _scale(req: Req, process: Resource) -> Resp:
    check = req.checker(("instances", "memory_in_mb", "disk_in_mb", "log_rate_limit_in_bytes_per_second"))
    instances = check.integer("instances", minimum=0)
    memory = check.integer("memory_in_mb", minimum=1)
    disk = check.integer("disk_in_mb", minimum=1)
    log_rate = check.integer("log_rate_limit_in_bytes_per_second", minimum=-1)
    check.done()
    quotas.check_scale(req.sim, process, memory if memory is not None else process["memory_in_mb"],
                       instances if instances is not None else process["instances"])
    for key, value in (("instances", instances), ("memory_in_mb", memory), ("disk_in_mb", disk),
                       ("log_rate_limit_in_bytes_per_second", log_rate)):
        if value is not None:
            process[key] = value
    req.sim.store.touch(process)
    req.sim.runner.sync_app(req.sim.store.tables["apps"][process["app_guid"]])
    return Resp(202, present_process(req, process))


@endpoint("POST", "/v3/processes/{guid}/actions/scale")
def scale_process(req: Req) -> Resp:
    return _scale(req, get_process(req, req.params["guid"], write=True))


@endpoint("POST", "/v3/apps/{guid}/processes/{type}/actions/scale")
def scale_app_process(req: Req) -> Resp:
    return _scale(req, app_process(req, write=True))


def _stats(req: Req, process: Resource) -> Resource:
    live = {i.index: i for i in req.sim.runner.app_instances(process["guid"])}
    now = time.time()
    resources = []
    for index in range(process["instances"]):
        inst = live.get(index)
        state = inst.state if inst and inst.state != "STOPPING" else "DOWN"
        running = state == "RUNNING"
        resources.append({
            "type": process["type"], "index": index, "state": state, "routable": running,
            "host": "127.0.0.1" if inst else "", "instance_internal_ip": "127.0.0.1" if inst else "",
            "instance_guid": f"{process['guid']}-{index}",
            "uptime": int(now - inst.since) if inst and running else 0,
            "mem_quota": process["memory_in_mb"] * 1024 * 1024, "disk_quota": process["disk_in_mb"] * 1024 * 1024,
            "log_rate_limit": process["log_rate_limit_in_bytes_per_second"], "fds_quota": 16384,
            "isolation_segment": None, "details": inst.details if inst else None,
            "instance_ports": [{"external": inst.port, "internal": 8080, "external_tls_proxy_port": None,
                                "internal_tls_proxy_port": None}] if inst and running else [],
            "usage": {"time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now)), "cpu": 0.0,
                      "cpu_entitlement": 0.0, "mem": 0, "disk": 0, "log_rate": 0} if running else {},
        })
    return {"resources": resources}


@endpoint("GET", "/v3/processes/{guid}/stats")
def process_stats(req: Req) -> Resource:
    return _stats(req, get_process(req, req.params["guid"]))


@endpoint("GET", "/v3/apps/{guid}/processes/{type}/stats")
def app_process_stats(req: Req) -> Resource:
    return _stats(req, app_process(req))


@endpoint("GET", "/v3/processes/{guid}/process_instances")
def process_instances(req: Req) -> Resource:
    process = get_process(req, req.params["guid"])
    stats = _stats(req, process)["resources"]
    live = {i.index: i for i in req.sim.runner.app_instances(process["guid"])}
    return {"resources": [{"index": s["index"], "state": s["state"],
                           "since": int(live[s["index"]].since) if s["index"] in live else None} for s in stats],
            "links": {"self": req.link(f"/v3/processes/{process['guid']}/process_instances"),
                      "process": req.link(f"/v3/processes/{process['guid']}")}}


@endpoint("DELETE", "/v3/processes/{guid}/instances/{index}")
def restart_instance(req: Req) -> Resp:
    process = get_process(req, req.params["guid"], write=True)
    index = req.params["index"]
    if not index.isdigit() or int(index) >= process["instances"]:
        raise not_found("Instance")
    req.sim.runner.restart_instance(process["guid"], int(index))
    return Resp(204)


@endpoint("GET", "/v3/processes/{guid}/sidecars")
def process_sidecars(req: Req) -> Resp:
    req.query.allow()
    get_process(req, req.params["guid"])
    return req.list_response([], lambda r, s: s, labels=False)


@endpoint("GET", "/v3/deployments")
def list_deployments(req: Req) -> Resp:
    """No deployments are ever created here (the CC rolling strategy is not simulated)."""
    req.query.allow("app_guids", "states", "status_reasons", "status_values", "label_selector", *TIMESTAMP_KEYS)
    return req.list_response([], lambda r, d: d)
