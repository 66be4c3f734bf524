"""Space manifests: `POST /v3/spaces/:guid/actions/apply_manifest` (a job) and `.../manifest_diff`.

As CC: the request checks the body (`manifest.py`) and creates the apps that do not exist yet, as
skeletons (STOPPED, web process, the manifest's lifecycle); the job then applies each application in
turn: process commands and health checks (creating missing process types), scale (instances change at
once), buildpacks/stack/metadata, routes (found or created, mapped to web), env vars (merged), service
bindings. A failure fails the job with the application's name in front ("For application 'x': ...");
what was applied before it stays applied.
"""

from __future__ import annotations

import secrets
from typing import Any

from .. import access, quotas
from ..api import Req, Resp, endpoint, job_accepted
from ..errors import CCError, bad_request, not_authorized, not_found, unprocessable
from ..manifest import AppChecker, RouteSpec, check_all, is_yaml, parse_body
from ..manifest import to_mb as manifest_mb
from ..validate import merge_metadata
from . import jobs
from .apps import DEFAULT_LIFECYCLE, new_app
from .manifest_diff import diff_space
from .orgs import get_space
from .processes import new_process
from .routes import host_path_problems, insert_route, new_destination
from .service_bindings import bind_from_manifest

Resource = dict[str, Any]


def _writable_space(req: Req) -> Resource:
    if not is_yaml(req.headers.get("content-type")):
        raise bad_request("Content-Type must be yaml")
    space = get_space(req, req.params["guid"])
    assert req.user is not None
    if not access.can_write_space(req.sim, req.user, space["guid"]):
        raise not_authorized()
    return space


@endpoint("POST", "/v3/spaces/{guid}/manifest_diff")
def manifest_diff(req: Req) -> Resp:
    space = _writable_space(req)
    apps = parse_body(req.body)
    check_all(apps)
    return Resp(201, {"diff": diff_space(req.sim, space, apps)})


@endpoint("POST", "/v3/spaces/{guid}/actions/apply_manifest")
def apply_manifest(req: Req) -> Resp:
    space = _writable_space(req)
    sim = req.sim
    pending: list[tuple[str, AppChecker]] = []
    for checked in check_all(parse_body(req.body)):
        app = _find_or_create(sim, space, checked)
        docker = app["lifecycle"]["type"] == "docker"
        if docker and ("buildpack" in checked.app or "buildpacks" in checked.app):
            label = "Buildpacks" if "buildpacks" in checked.app else "Buildpack"
            raise unprocessable(f"For application '{checked.name}': {label} cannot be configured for a docker "
                                "lifecycle app.")
        if not docker and app["lifecycle"]["type"] == "buildpack" and "docker" in checked.app:
            raise unprocessable(f"For application '{checked.name}': Docker cannot be configured for a buildpack "
                                "lifecycle app.")
        pending.append((app["guid"], checked))

    def work(job: Resource) -> None:
        for guid, checked in pending:
            app = sim.store.find("apps", guid)
            if app is None:
                raise not_found(f"App with guid '{guid}'")
            try:
                _apply(sim, app, checked)
            except CCError as err:
                raise CCError(err.status, err.code, err.title, f"For application '{app['name']}': {err.detail}") \
                    from err

    job = jobs.start(sim, "space.apply_manifest", ("space", space["guid"]), sim.config.job_s, work)
    return job_accepted(req, job)


def _lifecycle(checked: AppChecker, current: Resource | None) -> Resource | None:
    """The lifecycle the manifest asks for (None: unchanged), as CC's `app_lifecycle_hash`."""
    app = checked.app
    if app.get("lifecycle") == "docker" or ("docker" in app and current is None):
        return {"type": "docker", "data": {}}
    buildpacks, stack = checked.buildpacks(), app.get("stack")
    kind = app.get("lifecycle") if app.get("lifecycle") in ("buildpack", "cnb") else None
    if buildpacks is None and stack is None and kind is None:
        return None
    base = current if current and current["type"] != "docker" else DEFAULT_LIFECYCLE
    data = base["data"]
    return {"type": kind or base["type"],
            "data": {"buildpacks": list(buildpacks if buildpacks is not None else data.get("buildpacks", [])),
                     "stack": stack or data.get("stack") or "cflinuxfs4"}}


def _find_or_create(sim: Any, space: Resource, checked: AppChecker) -> Resource:
    for app in sim.store.where("apps", space_guid=space["guid"]):
        if app["name"] == checked.name:
            return app
    assert checked.name is not None
    return new_app(sim, space["guid"], checked.name, _lifecycle(checked, None), checked.app.get("metadata"))


def _apply(sim: Any, app: Resource, checked: AppChecker) -> None:
    specs = checked.process_specs()
    for spec in specs:
        if spec["type"] != "web" or set(spec) - {"type", "instances", "memory", "disk_quota"}:
            _update_process(sim, app, spec)  # creates a missing type; CC skips only a bare web entry
    for spec in specs:
        _scale(sim, app, spec)
    lifecycle = _lifecycle(checked, app["lifecycle"])
    if lifecycle is not None:
        app["lifecycle"] = lifecycle
    merge_metadata(app["metadata"], checked.app.get("metadata"))
    _update_routes(sim, app, checked)
    app["env"].update(checked.env())
    for entry in checked.app.get("services") or []:
        _bind(sim, app, entry)
    sim.store.touch(app)


def _process(sim: Any, app: Resource, ptype: str) -> Resource | None:
    found = sim.store.where("processes", app_guid=app["guid"], type=ptype)
    return found[-1] if found else None


def _update_process(sim: Any, app: Resource, spec: Resource) -> None:
    process = _process(sim, app, spec["type"]) or new_process(sim, app, spec["type"])
    if "command" in spec:
        process["command"] = spec["command"] if spec["command"] not in (None, "null") else None
    health = {"type": process["health_check"]["type"], "data": dict(process["health_check"]["data"])}
    if "health_check_type" in spec:
        health["type"] = "process" if spec["health_check_type"] == "none" else spec["health_check_type"]
    if spec.get("health_check_http_endpoint") is not None:
        health["data"]["endpoint"] = spec["health_check_http_endpoint"]
    if health["type"] != "http":
        health["data"].pop("endpoint", None)
    for key, field in (("timeout", "timeout"), ("health_check_invocation_timeout", "invocation_timeout"),
                       ("health_check_interval", "interval")):
        if key in spec:
            health["data"][field] = spec[key]
    process["health_check"] = health
    sim.store.touch(process)


def _scale(sim: Any, app: Resource, spec: Resource) -> None:
    wanted = {"instances": spec.get("instances"), "memory_in_mb": manifest_mb(spec.get("memory")),
              "disk_in_mb": manifest_mb(spec.get("disk_quota"))}
    wanted = {k: int(v) for k, v in wanted.items() if v is not None}
    if not wanted:
        return
    process = _process(sim, app, spec["type"])
    if process is None:
        raise not_found("Process")
    quotas.check_scale(sim, process, wanted.get("memory_in_mb", process["memory_in_mb"]),
                       wanted.get("instances", process["instances"]))
    process.update(wanted)
    sim.store.touch(process)
    sim.runner.sync_app(app)


# ------------------------------------------------------------ routes
def _app_routes(sim: Any, app: Resource) -> list[Resource]:
    return [r for r in sim.store.all("routes") if any(d["app"]["guid"] == app["guid"] for d in r["destinations"])]


def _update_routes(sim: Any, app: Resource, checked: AppChecker) -> None:
    manifest_app = checked.app
    existing = _app_routes(sim, app)
    if manifest_app.get("no_route"):
        for route in existing:
            route["destinations"] = [d for d in route["destinations"] if d["app"]["guid"] != app["guid"]]
        sim.router.refresh()
        return
    specs = checked.routes()
    if "routes" not in manifest_app and not existing and (manifest_app.get("random_route")
                                                          or manifest_app.get("default_route")):
        domain = _default_domain(sim, app)
        host = f"{app['name']}-{secrets.token_hex(3)}" if manifest_app.get("random_route") else app["name"]
        if not manifest_app.get("random_route"):
            _dns_compliant(host)
        specs = [RouteSpec(f"{host}.{domain}", f"{host}.{domain}", "", None, None, None)]
    if not specs:
        return
    found = [(spec, _find_or_create_route(sim, app, spec)) for spec in specs]  # all valid before any is mapped
    for spec, route in found:
        mine = [d for d in route["destinations"] if d["app"]["guid"] == app["guid"]]
        want = {"app_guid": app["guid"], "type": "web", "port": 8080, "protocol": spec.protocol or "http1"}
        if not mine:
            route["destinations"] = [*route["destinations"], new_destination(want)]
        elif spec.protocol is not None and any(d["protocol"] != spec.protocol for d in mine):
            route["destinations"] = [new_destination(want)]
        sim.store.touch(route)
    sim.router.refresh()


def _default_domain(sim: Any, app: Resource) -> str:
    space = sim.store.tables["spaces"][app["space_guid"]]
    domains = [d for d in sim.store.all("domains") if d["organization_guid"] in (None, space["organization_guid"])
               and not d.get("internal")]
    if not domains:
        raise unprocessable("No default domains available")
    return str(domains[0]["name"])


def _dns_compliant(name: str) -> None:
    prefix = "Failed to create default route from app name:"
    if len(name) > 63:
        raise unprocessable(f"{prefix} Host cannot exceed 63 characters")
    if not all(c.isalnum() or c in "_-" for c in name):
        raise unprocessable(f'{prefix} Host must be either "*" or contain only alphanumeric characters, "_", or "-"')


def _find_or_create_route(sim: Any, app: Resource, spec: RouteSpec) -> Resource:
    """CC's candidates: the whole host as a domain (host ""), then first label + the rest."""
    store = sim.store
    first, _, rest = spec.host.partition(".")
    candidates = [("", spec.host)] if not spec.host.startswith("*") else []
    candidates.append((first, rest))
    try:
        for host, domain_name in candidates:
            domain = next((d for d in store.all("domains") if d["name"] == domain_name), None)
            if domain is None:
                continue
            route = next((r for r in store.all("routes") if r["domain_guid"] == domain["guid"]
                          and r["host"] == host.lower() and r["path"] == spec.path), None)
            if route is not None:
                if route["space_guid"] != app["space_guid"]:
                    raise unprocessable("Routes cannot be mapped to destinations in different spaces")
                if spec.options:
                    route["options"] = {**route["options"], **spec.options}
                return route
            if host == "*" and domain["organization_guid"] is None:
                raise not_authorized()
            problems = host_path_problems(host, spec.path)
            if spec.port is not None:
                problems.append("Routes with protocol 'http' do not support ports.")
            if problems:
                raise unprocessable(", ".join(problems))
            return insert_route(sim, store.tables["spaces"][app["space_guid"]], domain, host, spec.path,
                                spec.options)
    except CCError as err:
        raise CCError(err.status, err.code, err.title, f"For route '{spec.url}': {err.detail}") from err
    raise unprocessable(f"No domains exist for route {spec.url}")


def _bind(sim: Any, app: Resource, entry: Any) -> None:
    name = entry if isinstance(entry, str) else entry["name"]
    si = next((s for s in sim.store.where("service_instances", space_guid=app["space_guid"]) if s["name"] == name),
              None)
    if si is None:
        raise not_found(f"Service instance '{name}'")
    extra = entry if isinstance(entry, dict) else {}
    bind_from_manifest(sim, si, app, extra.get("binding_name"), extra.get("parameters") or {})

