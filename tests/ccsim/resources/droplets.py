"""Droplets: staged bits on disk (or a docker image), and copies of them to other apps
(`POST /v3/droplets?source_guid=`: COPYING until the bits are copied after `job_s`, then STAGED)."""

from __future__ import annotations

import shutil
from typing import Any

from .. import access
from ..api import Req, Resp, endpoint, job_accepted, public, relationship
from ..errors import not_authorized, not_found, unknown_request, unprocessable
from ..query import TIMESTAMP_KEYS, filter_by
from ..state import new_guid
from ..validate import Checker, merge_metadata, new_metadata
from . import jobs
from .apps import get_app
from .owned import get_owned, space_org_filters, visible_owned

Resource = dict[str, Any]
SIM_BUILDPACKS = [{"name": "sim_buildpack", "detect_output": "sim", "version": "1.0.0", "buildpack_name": "sim"}]


def present_droplet(req: Req, droplet: Resource) -> Resource:
    g = droplet["guid"]
    docker = droplet["lifecycle_type"] == "docker"
    links = {"self": req.link(f"/v3/droplets/{g}"), "app": req.link(f"/v3/apps/{droplet['app_guid']}"),
             "assign_current_droplet": req.link(f"/v3/apps/{droplet['app_guid']}/relationships/current_droplet",
                                                "PATCH")}
    if droplet["package_guid"]:
        links["package"] = req.link(f"/v3/packages/{droplet['package_guid']}")
    if droplet["state"] == "STAGED" and not docker:
        links["download"] = req.link(f"/v3/droplets/{g}/download")
    return {
        **public(droplet, "state", "error", "execution_metadata", "process_types", "stack", "image"),
        "lifecycle": {"type": droplet["lifecycle_type"], "data": {}},
        "checksum": {"type": "sha256", "value": droplet["checksum"]} if droplet["checksum"] else None,
        "buildpacks": None if docker else SIM_BUILDPACKS,
        "relationships": {"app": relationship(droplet["app_guid"])}, "metadata": droplet["metadata"],
        "links": links,
    }


@endpoint("POST", "/v3/droplets")
def create_droplet(req: Req) -> Resp:
    """Only copies are simulated (CC's plain create, for droplet uploads, is not)."""
    req.query.allow("source_guid", paging=False)
    if not req.query.get("source_guid"):
        raise unknown_request()
    check = req.checker(("relationships",))
    rels = check.body.get("relationships")
    app_rel = rels.get("app") if isinstance(rels, dict) else None
    if not isinstance(app_rel, dict):
        check.add("App must be an object")
    data = app_rel.get("data") if isinstance(app_rel, dict) else None
    app_guid = data.get("guid") if isinstance(data, dict) else None
    if not isinstance(app_guid, str) or not app_guid:
        check.add("App guid must be a string")
    check.done()
    assert req.user is not None and isinstance(app_guid, str)
    sim, store = req.sim, req.sim.store
    source = store.find("droplets", req.query.get("source_guid"))
    readable = access.readable_space_guids(sim, req.user)
    if source is None or store.tables["apps"][source["app_guid"]]["space_guid"] not in readable:
        raise not_found("Droplet")
    target = store.find("apps", app_guid)
    if target is None or target["space_guid"] not in readable:
        raise not_found("App")
    if not access.can_write_space(sim, req.user, target["space_guid"]):
        raise not_authorized()
    if source["state"] != "STAGED":
        raise unprocessable("source droplet is not staged")
    if source["lifecycle_type"] != target["lifecycle"]["type"]:
        raise unprocessable("source and destination lifecycle types do not match")
    docker = source["lifecycle_type"] == "docker"
    guid = new_guid()
    droplet = store.add("droplets", {
        "guid": guid, "state": "STAGED" if docker else "COPYING", "error": None,
        "process_types": dict(source["process_types"]), "execution_metadata": source["execution_metadata"],
        "stack": source["stack"], "image": source["image"], "lifecycle_type": source["lifecycle_type"],
        "checksum": source["checksum"] if docker else None, "app_guid": target["guid"], "package_guid": None,
        "metadata": new_metadata(None), "_dir": str(sim.droplet_dir(guid)),
    })
    if docker:
        sim.droplet_dir(guid).mkdir(parents=True, exist_ok=True)
    else:
        sim.clock.call_later(sim.config.job_s, lambda: _finish_copy(sim, source["guid"], droplet))
    return Resp(201, present_droplet(req, droplet))


def _finish_copy(sim: Any, source_guid: str, droplet: Resource) -> None:
    """Like CC's DropletBitsCopier: the copy gets the source's bits, checksum and state, or FAILS."""
    if droplet["guid"] not in sim.store.tables["droplets"]:
        return
    source = sim.store.find("droplets", source_guid)
    if source is None:
        droplet["state"], droplet["error"] = "FAILED", "failed to copy - source droplet does not exist"
    else:
        shutil.copytree(source["_dir"], droplet["_dir"], symlinks=True, dirs_exist_ok=True)
        droplet["state"], droplet["checksum"] = source["state"], source["checksum"]
    sim.store.touch(droplet)


@endpoint("GET", "/v3/droplets")
def list_droplets(req: Req) -> Resp:
    req.query.allow("guids", "states", "app_guids", "space_guids", "organization_guids", "label_selector",
                    *TIMESTAMP_KEYS)
    items = visible_owned(req, "droplets")
    for key, field in (("guids", "guid"), ("states", "state"), ("app_guids", "app_guid")):
        items = filter_by(items, req.query, key, lambda r, f=field: r[f])
    return req.list_response(space_org_filters(req, items), present_droplet)


@endpoint("GET", "/v3/apps/{guid}/droplets")
def list_app_droplets(req: Req) -> Resp:
    req.query.allow("guids", "states", "current", "label_selector", *TIMESTAMP_KEYS)
    app = get_app(req, req.params["guid"])
    items = req.sim.store.where("droplets", app_guid=app["guid"])
    for key, field in (("guids", "guid"), ("states", "state")):
        items = filter_by(items, req.query, key, lambda r, f=field: r[f])
    if req.query.boolean("current"):
        items = [d for d in items if d["guid"] == app.get("droplet_guid")]
    return req.list_response(items, present_droplet)


@endpoint("GET", "/v3/packages/{guid}/droplets")
def list_package_droplets(req: Req) -> Resp:
    req.query.allow("guids", "states", "label_selector", *TIMESTAMP_KEYS)
    pkg = get_owned(req, "packages", req.params["guid"], "Package")
    items = req.sim.store.where("droplets", package_guid=pkg["guid"])
    return req.list_response(items, present_droplet)


@endpoint("GET", "/v3/droplets/{guid}")
def show_droplet(req: Req) -> Resource:
    return present_droplet(req, get_owned(req, "droplets", req.params["guid"], "Droplet"))


@endpoint("PATCH", "/v3/droplets/{guid}")
def update_droplet(req: Req) -> Resource:
    droplet = get_owned(req, "droplets", req.params["guid"], "Droplet", write=True)
    check = Checker(req.json(), ("metadata", "image"))
    metadata = check.metadata()
    check.done()
    merge_metadata(droplet["metadata"], metadata)
    req.sim.store.touch(droplet)
    return present_droplet(req, droplet)


@endpoint("DELETE", "/v3/droplets/{guid}")
def delete_droplet(req: Req) -> Resp:
    droplet = get_owned(req, "droplets", req.params["guid"], "Droplet", write=True)
    guid = droplet["guid"]

    def work(job: Resource) -> None:
        store = req.sim.store
        store.remove("droplets", guid)
        for app in store.all("apps"):
            if app.get("droplet_guid") == guid:
                app["droplet_guid"] = None
        shutil.rmtree(req.sim.droplet_dir(guid), ignore_errors=True)

    return job_accepted(req, jobs.start(req.sim, "droplet.delete", ("droplet", guid), req.sim.config.job_s, work))
