"""Apps: CRUD, start/stop/restart, environment variables, current droplet, and the environment an
instance runs with."""

from __future__ import annotations

import json
from typing import Any

from .. import access, quotas
from ..api import Req, Resp, endpoint, job_accepted, public, relationship
from ..errors import not_found, uniqueness, unprocessable
from ..query import TIMESTAMP_KEYS, filter_by
from ..validate import Checker, merge_metadata, new_metadata
from . import jobs
from .orgs import present_org, present_space

Resource = dict[str, Any]
DEFAULT_LIFECYCLE = {"type": "buildpack", "data": {"buildpacks": [], "stack": "cflinuxfs4"}}
# CC's defaults: `default_app_ssh_access: true`, revisions on since 2020
DEFAULT_FEATURES = {"ssh": True, "revisions": True, "service-binding-k8s": False, "file-based-vcap-services": False}


def present_app(req: Req, app: Resource) -> Resource:
    g = app["guid"]
    base = f"/v3/apps/{g}"
    return {
        **public(app, "name", "state"), "lifecycle": app["lifecycle"],
        "relationships": {"space": relationship(app["space_guid"])}, "metadata": app["metadata"],
        "links": {
            "self": req.link(base), "environment_variables": req.link(f"{base}/environment_variables"),
            "space": req.link(f"/v3/spaces/{app['space_guid']}"), "processes": req.link(f"{base}/processes"),
            "packages": req.link(f"{base}/packages"), "current_droplet": req.link(f"{base}/droplets/current"),
            "droplets": req.link(f"{base}/droplets"), "tasks": req.link(f"{base}/tasks"),
            "start": req.link(f"{base}/actions/start", "POST"), "stop": req.link(f"{base}/actions/stop", "POST"),
            "revisions": req.link(f"{base}/revisions"), "deployed_revisions": req.link(f"{base}/revisions/deployed"),
            "features": req.link(f"{base}/features"),
        },
    }


def visible_apps(req: Req) -> list[Resource]:
    assert req.user is not None
    spaces = access.readable_space_guids(req.sim, req.user)
    return [a for a in req.sim.store.all("apps") if a["space_guid"] in spaces]


def get_app(req: Req, guid: str, write: bool = False, manage: bool = False) -> Resource:
    """The app or 404 "App not found"; `write`: 403 without the developer role; `manage`: 403 unless
    developer or supporter."""
    app = req.sim.store.get("apps", guid, "App")
    assert req.user is not None
    if manage:
        access.check_manage(req.sim, req.user, app["space_guid"], "App")
    elif write:
        access.check_write(req.sim, req.user, app["space_guid"], "App")
    else:
        access.check_read(req.sim, req.user, app["space_guid"], "App")
    return app


def _check_lifecycle(check: Checker) -> dict[str, Any] | None:
    lifecycle = check.obj("lifecycle")
    if lifecycle is None:
        return None
    sub = Checker(lifecycle, ("type", "data"), prefix="Lifecycle ")
    kind = sub.one_of("type", ("buildpack", "cnb", "docker"), required=True)
    data = sub.obj("data")
    if kind in ("buildpack", "cnb") and data is not None:
        dcheck = Checker(data, ("buildpacks", "stack", "credentials"), prefix="Lifecycle data ")
        dcheck.string_list("buildpacks")
        dcheck.string("stack", nullable=True)
        check.errors.extend(dcheck.errors)
    check.errors.extend(sub.errors)
    if kind is None:
        return None
    if kind == "docker":
        return {"type": "docker", "data": {}}
    data = data or {}
    return {"type": kind, "data": {"buildpacks": data.get("buildpacks") or [],
                                   "stack": data.get("stack") or "cflinuxfs4"}}


def _check_env(check: Checker, key: str = "environment_variables") -> dict[str, Any] | None:
    env = check.obj(key)
    if env is None:
        return None
    for name, value in env.items():
        if name.upper().startswith(("VCAP_", "VMC_")):
            check.add("Environment variables cannot start with VCAP_ or VMC_")
        elif name.upper() == "PORT":
            check.add("Environment variables cannot set PORT")
        elif not name:
            check.add("Environment variables key must be a minimum length of 1")
        if value is not None and not isinstance(value, str | int | float | bool):
            check.add(f"Environment variables value for '{name}' must be a string, number or boolean")
    return env


def _check_name_unique(req: Req, space_guid: str, name: str, except_guid: str | None = None) -> None:
    if any(a["name"] == name and a["space_guid"] == space_guid and a["guid"] != except_guid
           for a in req.sim.store.all("apps")):
        raise uniqueness(f"App with the name '{name}' already exists.")


@endpoint("POST", "/v3/apps")
def create_app(req: Req) -> Resp:
    check = req.checker(("name", "relationships", "environment_variables", "lifecycle", "metadata"))
    name = check.string("name", required=True)
    rels = check.relationships(("space",))
    env = _check_env(check)
    lifecycle = _check_lifecycle(check)
    metadata = check.metadata()
    check.done()
    assert req.user is not None and name is not None
    access.check_target_space(req.sim, req.user, rels["space"])
    _check_name_unique(req, rels["space"], name)
    app = new_app(req.sim, rels["space"], name, lifecycle, metadata, env)
    return Resp(201, present_app(req, app))


def new_app(sim: Any, space_guid: str, name: str, lifecycle: dict[str, Any] | None,
            metadata: dict[str, Any] | None, env: dict[str, Any] | None = None) -> Resource:
    """A STOPPED app with its web process (whose guid is the app's, as CC does); also for apply_manifest."""
    app = sim.store.add("apps", {
        "name": name, "state": "STOPPED", "space_guid": space_guid, "lifecycle": lifecycle or DEFAULT_LIFECYCLE,
        "env": {k: v for k, v in (env or {}).items() if v is not None}, "droplet_guid": None,
        "metadata": new_metadata(metadata), "features": dict(DEFAULT_FEATURES), "max_task_sequence_id": 1,
    })
    from .processes import new_process

    new_process(sim, app, "web", guid=app["guid"])
    return app


@endpoint("GET", "/v3/apps")
def list_apps(req: Req) -> Resp:
    req.query.allow("guids", "names", "space_guids", "organization_guids", "stacks", "lifecycle_type",
                    "label_selector", "include", *TIMESTAMP_KEYS)
    includes = req.query.includes("space", "space.organization")
    store = req.sim.store
    items = visible_apps(req)
    items = filter_by(items, req.query, "guids", lambda a: a["guid"])
    items = filter_by(items, req.query, "names", lambda a: a["name"])
    items = filter_by(items, req.query, "space_guids", lambda a: a["space_guid"])
    items = filter_by(items, req.query, "organization_guids",
                      lambda a: store.tables["spaces"][a["space_guid"]]["organization_guid"])
    items = filter_by(items, req.query, "stacks", lambda a: a["lifecycle"]["data"].get("stack"))
    items = filter_by(items, req.query, "lifecycle_type", lambda a: a["lifecycle"]["type"])

    def included(page: list[Resource]) -> dict[str, list[Resource]]:
        spaces = [store.tables["spaces"][g] for g in dict.fromkeys(a["space_guid"] for a in page)]
        out: dict[str, list[Resource]] = {"spaces": [present_space(req, s) for s in spaces]}
        if "space.organization" in includes:
            orgs = dict.fromkeys(s["organization_guid"] for s in spaces)
            out["organizations"] = [present_org(req, store.tables["organizations"][g]) for g in orgs]
        return out

    return req.list_response(items, present_app, ("created_at", "updated_at", "name", "state"),
                             included if includes else None)


@endpoint("GET", "/v3/apps/{guid}")
def show_app(req: Req) -> Resource:
    req.query.allow("include", paging=False)
    includes = req.query.includes("space", "space.organization")
    app = get_app(req, req.params["guid"])
    body = present_app(req, app)
    if includes:
        space = req.sim.store.tables["spaces"][app["space_guid"]]
        body["included"] = {"spaces": [present_space(req, space)]}
        if "space.organization" in includes:
            org = req.sim.store.tables["organizations"][space["organization_guid"]]
            body["included"]["organizations"] = [present_org(req, org)]
    return body


@endpoint("PATCH", "/v3/apps/{guid}")
def update_app(req: Req) -> Resource:
    app = get_app(req, req.params["guid"], write=True)
    check = req.checker(("name", "lifecycle", "metadata"))
    name = check.string("name")
    if name is not None and not name.strip():
        check.add("Name can't be blank")
    lifecycle = _check_lifecycle(check)
    metadata = check.metadata()
    check.done()
    if name is not None and name != app["name"]:
        _check_name_unique(req, app["space_guid"], name, app["guid"])
        app["name"] = name
    if lifecycle is not None:
        app["lifecycle"] = lifecycle
    merge_metadata(app["metadata"], metadata)
    req.sim.store.touch(app)
    return present_app(req, app)


@endpoint("DELETE", "/v3/apps/{guid}")
def delete_app(req: Req) -> Resp:
    app = get_app(req, req.params["guid"], write=True)
    guid = app["guid"]

    def work(job: Resource) -> None:
        destroy_app(req.sim, guid)

    job = jobs.start(req.sim, "app.delete", ("app", guid), req.sim.config.job_s, work)
    return job_accepted(req, job)


def destroy_app(sim: Any, guid: str) -> None:
    store = sim.store
    if store.remove("apps", guid) is None:
        return
    sim.runner.stop_app(guid)
    sim.tasks.forget_app(guid)
    for process in store.where("processes", app_guid=guid):
        store.remove("processes", process["guid"])
    for kind in ("packages", "builds", "droplets", "tasks"):
        for res in store.where(kind, app_guid=guid):
            store.remove(kind, res["guid"])
    for binding in store.where("service_credential_bindings", app_guid=guid):
        store.remove("service_credential_bindings", binding["guid"])
    for route in store.all("routes"):
        route["destinations"] = [d for d in route["destinations"] if d["app"]["guid"] != guid]
    sim.router.refresh()


# ------------------------------------------------------------ actions
def _require_droplet(app: Resource) -> None:
    if not app.get("droplet_guid"):
        raise unprocessable("Assign a droplet before starting this app.")


def _start(req: Req, app: Resource) -> None:
    app["state"] = "STARTED"
    req.sim.store.touch(app)
    req.sim.runner.sync_app(app)


@endpoint("POST", "/v3/apps/{guid}/actions/start")
def start_app(req: Req) -> Resource:
    app = get_app(req, req.params["guid"])
    _require_droplet(app)
    get_app(req, app["guid"], manage=True)
    quotas.check_start(req.sim, app)
    _start(req, app)
    return present_app(req, app)


@endpoint("POST", "/v3/apps/{guid}/actions/stop")
def stop_app(req: Req) -> Resource:
    app = get_app(req, req.params["guid"], manage=True)
    app["state"] = "STOPPED"
    req.sim.store.touch(app)
    req.sim.runner.sync_app(app)
    return present_app(req, app)


@endpoint("POST", "/v3/apps/{guid}/actions/restart")
def restart_app(req: Req) -> Resource:
    app = get_app(req, req.params["guid"])
    _require_droplet(app)
    get_app(req, app["guid"], manage=True)
    quotas.check_start(req.sim, app)
    req.sim.runner.stop_app(app["guid"])
    _start(req, app)
    return present_app(req, app)


# ------------------------------------------------------------ environment
def _env_body(req: Req, app: Resource) -> Resource:
    g = app["guid"]
    return {"var": dict(app["env"]), "links": {"self": req.link(f"/v3/apps/{g}/environment_variables"),
                                               "app": req.link(f"/v3/apps/{g}")}}


@endpoint("GET", "/v3/apps/{guid}/environment_variables")
def show_env_vars(req: Req) -> Resource:
    return _env_body(req, get_app(req, req.params["guid"], write=True))  # secrets: space developers only


@endpoint("PATCH", "/v3/apps/{guid}/environment_variables")
def update_env_vars(req: Req) -> Resource:
    app = get_app(req, req.params["guid"], manage=True)
    check = req.checker(("var",))
    if "var" not in check.body:
        check.add("Var must be an object")
    env = _check_env(check, "var")
    check.done()
    for key, value in (env or {}).items():
        if value is None:
            app["env"].pop(key, None)
        else:
            app["env"][key] = value
    req.sim.store.touch(app)
    return _env_body(req, app)


@endpoint("GET", "/v3/apps/{guid}/env")
def show_env(req: Req) -> Resource:
    app = get_app(req, req.params["guid"], write=True)
    from .service_bindings import vcap_services

    return {
        "staging_env_json": {}, "running_env_json": {}, "environment_variables": dict(app["env"]),
        "system_env_json": {"VCAP_SERVICES": vcap_services(req.sim, app["guid"])},
        "application_env_json": {"VCAP_APPLICATION": vcap_application(req.sim, app, None)},
    }


def app_uris(sim: Any, app_guid: str) -> list[str]:
    uris = []
    for route in sim.store.all("routes"):
        if any(d["app"]["guid"] == app_guid for d in route["destinations"]):
            domain = sim.store.find("domains", route["domain_guid"])
            if domain:
                host = f"{route['host']}.{domain['name']}" if route["host"] else domain["name"]
                uris.append(host + route["path"])
    return uris


def vcap_application(sim: Any, app: Resource, process: Resource | None) -> Resource:
    space = sim.store.tables["spaces"][app["space_guid"]]
    org = sim.store.tables["organizations"][space["organization_guid"]]
    uris = app_uris(sim, app["guid"])
    limits = {"fds": 16384, "mem": process["memory_in_mb"] if process else 1024,
              "disk": process["disk_in_mb"] if process else 1024}
    return {
        "application_id": app["guid"], "application_name": app["name"], "application_uris": uris,
        "application_version": app.get("droplet_guid") or "", "cf_api": sim.api_url, "limits": limits,
        "name": app["name"], "organization_id": org["guid"], "organization_name": org["name"],
        "process_id": process["guid"] if process else app["guid"],
        "process_type": process["type"] if process else "web",
        "space_id": space["guid"], "space_name": space["name"], "uris": uris, "users": None,
        "version": app.get("droplet_guid") or "",
    }


def instance_environment(sim: Any, app: Resource, process: Resource, index: int, port: int) -> dict[str, str]:
    from .service_bindings import vcap_services

    env = {k: v if isinstance(v, str) else json.dumps(v) for k, v in app["env"].items()}
    env.update({
        "PORT": str(port), "CF_INSTANCE_INDEX": str(index), "CF_INSTANCE_PORT": str(port),
        "CF_INSTANCE_ADDR": f"127.0.0.1:{port}", "CF_INSTANCE_IP": "127.0.0.1", "INSTANCE_INDEX": str(index),
        "VCAP_APPLICATION": json.dumps(vcap_application(sim, app, process)),
        "VCAP_SERVICES": json.dumps(vcap_services(sim, app["guid"])),
        "MEMORY_LIMIT": f"{process['memory_in_mb']}m",
    })
    return env


# ------------------------------------------------------------ current droplet
def _current_droplet_rel(req: Req, app: Resource) -> Resource:
    g = app["guid"]
    return {"data": {"guid": app["droplet_guid"]} if app.get("droplet_guid") else None,
            "links": {"self": req.link(f"/v3/apps/{g}/relationships/current_droplet"),
                      "related": req.link(f"/v3/apps/{g}/droplets/current")}}


@endpoint("GET", "/v3/apps/{guid}/relationships/current_droplet")
def show_current_droplet_rel(req: Req) -> Resource:
    return _current_droplet_rel(req, get_app(req, req.params["guid"]))


@endpoint("PATCH", "/v3/apps/{guid}/relationships/current_droplet")
def set_current_droplet(req: Req) -> Resource:
    app = get_app(req, req.params["guid"], manage=True)
    check = req.checker(("data",))
    data = check.obj("data")
    guid = data.get("guid") if data else None
    if not isinstance(guid, str):
        check.add("Data must be structured like this: \"data\": {\"guid\": \"valid-guid\"}")
    check.done()
    droplet = req.sim.store.find("droplets", guid)
    if droplet is None or droplet["app_guid"] != app["guid"] or droplet["state"] != "STAGED":
        raise unprocessable("Unable to assign current droplet. Ensure the droplet exists and belongs to this app.")
    app["droplet_guid"] = droplet["guid"]
    req.sim.store.touch(app)
    from .processes import new_process

    existing = {p["type"] for p in req.sim.store.where("processes", app_guid=app["guid"])}
    for ptype in droplet["process_types"]:
        if ptype not in existing:
            new_process(req.sim, app, ptype)
    return _current_droplet_rel(req, app)


@endpoint("GET", "/v3/apps/{guid}/droplets/current")
def show_current_droplet(req: Req) -> Resource:
    from .droplets import present_droplet

    app = get_app(req, req.params["guid"])
    droplet = req.sim.store.find("droplets", app.get("droplet_guid"))
    if droplet is None:
        raise not_found("Droplet")
    return present_droplet(req, droplet)
