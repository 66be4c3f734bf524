"""Builds: staging a READY package into a droplet after `staging_s`. Bits are unpacked into the droplet
directory and `process_types` read from a `Procfile`; a docker package yields a droplet that carries
its image (and runs as the built-in responder)."""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

from .. import access, quotas
from ..api import Req, Resp, endpoint, public, relationship
from ..errors import CCError, bad_request, staging_in_progress, unprocessable
from ..query import TIMESTAMP_KEYS, filter_by
from ..state import new_guid
from ..validate import merge_metadata, new_metadata
from .apps import get_app
from .owned import get_owned, visible_owned

Resource = dict[str, Any]
DOCKER_EXECUTION_METADATA = '{"cmd":[],"ports":[{"Port":8080,"Protocol":"tcp"}]}'


def present_build(req: Req, build: Resource) -> Resource:
    return {
        **public(build, "state", "staging_memory_in_mb", "staging_disk_in_mb",
                 "staging_log_rate_limit_bytes_per_second", "error", "lifecycle", "created_by"),
        "package": {"guid": build["package_guid"]},
        "droplet": {"guid": build["droplet_guid"]} if build["droplet_guid"] else None,
        "relationships": {"app": relationship(build["app_guid"])}, "metadata": build["metadata"],
        "links": {"self": req.link(f"/v3/builds/{build['guid']}"), "app": req.link(f"/v3/apps/{build['app_guid']}"),
                  **({"droplet": req.link(f"/v3/droplets/{build['droplet_guid']}")} if build["droplet_guid"] else {})},
    }


def _unusable_package() -> CCError:
    return unprocessable("Unable to use package. Ensure that the package exists and you have access to it.")


@endpoint("POST", "/v3/builds")
def create_build(req: Req) -> Resp:
    check = req.checker(("package", "lifecycle", "staging_memory_in_mb", "staging_disk_in_mb",
                         "staging_log_rate_limit_bytes_per_second", "metadata"))
    package = check.obj("package")
    if package is None or not isinstance(package.get("guid"), str):
        check.add("Package guid must be a string")
    lifecycle = check.obj("lifecycle")
    memory = check.integer("staging_memory_in_mb", minimum=1, nullable=True)
    disk = check.integer("staging_disk_in_mb", minimum=1, nullable=True)
    log_rate = check.integer("staging_log_rate_limit_bytes_per_second", minimum=-1, nullable=True)
    metadata = check.metadata()
    check.done()
    assert package is not None and req.user is not None
    sim, store = req.sim, req.sim.store
    pkg = store.find("packages", package["guid"])
    app = store.find("apps", pkg["app_guid"]) if pkg else None
    if pkg is None or app is None or not access.has_space_role(sim, req.user, app["space_guid"], access.APP_MANAGERS):
        raise _unusable_package()  # CC answers 422 here also to readers who may not stage
    if pkg["state"] != "READY":
        raise bad_request("Cannot stage package whose state is not ready.")
    if any(b["state"] == "STAGING" for b in store.where("builds", app_guid=app["guid"])):
        raise staging_in_progress()
    web = next((p for p in store.where("processes", app_guid=app["guid"]) if p["type"] == "web"), None)
    staging_mb = quotas.staging_memory(sim, app["space_guid"], memory or (web["memory_in_mb"] if web else 1024))
    build = store.add("builds", {
        "state": "STAGING", "staging_memory_in_mb": staging_mb, "staging_disk_in_mb": disk or 1024,
        "staging_log_rate_limit_bytes_per_second": log_rate if log_rate is not None else -1, "error": None,
        "lifecycle": lifecycle if lifecycle else {"type": app["lifecycle"]["type"], "data": app["lifecycle"]["data"]},
        "created_by": {"guid": req.user["guid"], "name": req.user["username"], "email": req.user["email"]},
        "package_guid": pkg["guid"], "app_guid": app["guid"], "droplet_guid": None,
        "metadata": new_metadata(metadata),
    })
    sim.clock.call_later(sim.config.staging_s, lambda: _finish_staging(sim, build, pkg, app))
    return Resp(201, present_build(req, build))


def _process_types(droplet_dir: Path) -> dict[str, str]:
    types = {"web": ""}
    procfile = droplet_dir / "Procfile"
    if procfile.is_file():
        for line in procfile.read_text(errors="replace").splitlines():
            name, sep, command = line.partition(":")
            if sep and name.strip() and not name.strip().startswith("#"):
                types[name.strip()] = command.strip()
    return types


def _unpack(sim: Any, pkg: Resource, target: Path) -> None:
    source = sim.package_file(pkg["guid"])
    if pkg["type"] != "bits" or not source.exists() or not source.stat().st_size:
        return
    try:
        with zipfile.ZipFile(source) as archive:
            for info in archive.infolist():
                archive.extract(info, target)
                mode = (info.external_attr >> 16) & 0o777
                if mode:
                    (target / info.filename).chmod(mode)
    except (zipfile.BadZipFile, OSError) as exc:
        raise CCError(400, 170001, "CF-StagingError", f"Staging error: cannot unpack bits: {exc}") from exc


def _finish_staging(sim: Any, build: Resource, pkg: Resource, app: Resource) -> None:
    if build["guid"] not in sim.store.tables["builds"] or build["state"] != "STAGING":
        return
    droplet_guid = new_guid()
    target = sim.droplet_dir(droplet_guid)
    try:
        if sim.faults.staging_fails(app["name"]):
            raise CCError(400, 170001, "CF-StagingError", "Staging error: staging failed (injected fault)")
        target.mkdir(parents=True, exist_ok=True)
        _unpack(sim, pkg, target)
        types = _process_types(target)
    except CCError as err:
        build["state"], build["error"] = "FAILED", f"StagingError - {err.detail}"
        sim.store.touch(build)
        return
    docker = pkg["type"] == "docker"
    droplet = sim.store.add("droplets", {
        "guid": droplet_guid, "state": "STAGED", "error": None, "process_types": types,
        "execution_metadata": DOCKER_EXECUTION_METADATA if docker else "",
        "stack": None if docker else app["lifecycle"]["data"].get("stack"), "image": pkg["image"] if docker else None,
        "lifecycle_type": "docker" if docker else app["lifecycle"]["type"], "checksum": pkg["checksum"],
        "app_guid": app["guid"], "package_guid": pkg["guid"], "metadata": new_metadata(None), "_dir": str(target),
    })
    build["state"], build["droplet_guid"] = "STAGED", droplet["guid"]
    sim.store.touch(build)


@endpoint("GET", "/v3/builds")
def list_builds(req: Req) -> Resp:
    req.query.allow("states", "app_guids", "package_guids", "label_selector", *TIMESTAMP_KEYS)
    items = visible_owned(req, "builds")
    for key, field in (("states", "state"), ("app_guids", "app_guid"), ("package_guids", "package_guid")):
        items = filter_by(items, req.query, key, lambda r, f=field: r[f])
    return req.list_response(items, present_build)


@endpoint("GET", "/v3/apps/{guid}/builds")
def list_app_builds(req: Req) -> Resp:
    req.query.allow("states", "label_selector", *TIMESTAMP_KEYS)
    app = get_app(req, req.params["guid"])
    items = filter_by(req.sim.store.where("builds", app_guid=app["guid"]), req.query, "states", lambda r: r["state"])
    return req.list_response(items, present_build)


@endpoint("GET", "/v3/builds/{guid}")
def show_build(req: Req) -> Resource:
    return present_build(req, get_owned(req, "builds", req.params["guid"], "Build"))


@endpoint("PATCH", "/v3/builds/{guid}")
def update_build(req: Req) -> Resource:
    build = get_owned(req, "builds", req.params["guid"], "Build", write=True)
    check = req.checker(("metadata",))
    metadata = check.metadata()
    check.done()
    merge_metadata(build["metadata"], metadata)
    req.sim.store.touch(build)
    return present_build(req, build)
