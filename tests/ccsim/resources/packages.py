"""Packages (bits upload), builds (staging) and droplets (staged bits on disk)."""

from __future__ import annotations

import email.parser
import email.policy
import hashlib
import json
import shutil
import zipfile
from pathlib import Path
from typing import Any

from .. import access
from ..api import Req, Resp, endpoint, job_accepted, public, relationship
from ..errors import CCError, bad_request, staging_in_progress, unprocessable
from ..query import TIMESTAMP_KEYS, filter_by
from ..state import new_guid
from ..validate import Checker, merge_metadata, new_metadata
from . import jobs
from .apps import get_app, visible_apps

Resource = dict[str, Any]


# ------------------------------------------------------------ presenters
def present_package(req: Req, pkg: Resource) -> Resource:
    g = pkg["guid"]
    links = {"self": req.link(f"/v3/packages/{g}"), "app": req.link(f"/v3/apps/{pkg['app_guid']}")}
    if pkg["type"] == "bits":
        links["upload"] = req.link(f"/v3/packages/{g}/upload", "POST")
        links["download"] = req.link(f"/v3/packages/{g}/download")
        data = {"checksum": {"type": "sha256", "value": pkg["checksum"]}, "error": pkg["error"]}
    else:
        data = {"image": pkg.get("image"), "username": None, "password": None}
    return {**public(pkg, "type", "state"), "data": data,
            "relationships": {"app": relationship(pkg["app_guid"])}, "metadata": pkg["metadata"], "links": links}


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


def present_droplet(req: Req, droplet: Resource) -> Resource:
    g = droplet["guid"]
    return {
        **public(droplet, "state", "error", "execution_metadata", "process_types", "stack", "image"),
        "lifecycle": {"type": droplet["lifecycle_type"], "data": {}},
        "checksum": {"type": "sha256", "value": droplet["checksum"]},
        "buildpacks": [{"name": "sim_buildpack", "detect_output": "sim", "version": "1.0.0",
                        "buildpack_name": "sim"}],
        "relationships": {"app": relationship(droplet["app_guid"])}, "metadata": droplet["metadata"],
        "links": {"self": req.link(f"/v3/droplets/{g}"),
                  **({"package": req.link(f"/v3/packages/{pkg}")} if (pkg := droplet["package_guid"]) else {}),
                  "app": req.link(f"/v3/apps/{droplet['app_guid']}"),
                  "assign_current_droplet": req.link(f"/v3/apps/{droplet['app_guid']}/relationships/current_droplet",
                                                     "PATCH"),
                  "download": req.link(f"/v3/droplets/{g}/download")},
    }


def _visible(req: Req, kind: str) -> list[Resource]:
    apps = {a["guid"] for a in visible_apps(req)}
    return [r for r in req.sim.store.all(kind) if r["app_guid"] in apps]


def _get(req: Req, kind: str, guid: str, missing: str, write: bool = False) -> Resource:
    res = req.sim.store.get(kind, guid, missing)
    app = req.sim.store.tables["apps"][res["app_guid"]]
    assert req.user is not None
    (access.check_write if write else access.check_read)(req.sim, req.user, app["space_guid"], missing)
    return res


def _space_org_filters(req: Req, items: list[Resource]) -> list[Resource]:
    store = req.sim.store
    items = filter_by(items, req.query, "space_guids", lambda r: store.tables["apps"][r["app_guid"]]["space_guid"])
    return filter_by(items, req.query, "organization_guids", lambda r: store.tables["spaces"][
        store.tables["apps"][r["app_guid"]]["space_guid"]]["organization_guid"])


# ------------------------------------------------------------ packages
@endpoint("POST", "/v3/packages")
def create_package(req: Req) -> Resp:
    if req.query.has("source_guid"):
        return _copy_package(req)
    check = req.checker(("type", "relationships", "data", "metadata"))
    kind = check.one_of("type", ("bits", "docker"), required=True)
    rels = check.relationships(("app",))
    data = check.obj("data")
    metadata = check.metadata()
    if kind == "docker" and not (data and isinstance(data.get("image"), str)):
        check.add("Data image required")
    check.done()
    assert req.user is not None
    app = req.sim.store.find("apps", rels["app"])
    if app is None or app["space_guid"] not in access.readable_space_guids(req.sim, req.user):
        raise unprocessable("App is invalid. Ensure it exists and you have access to it.")
    access.check_write(req.sim, req.user, app["space_guid"], "App")
    pkg = req.sim.store.add("packages", {
        "type": kind, "state": "AWAITING_UPLOAD" if kind == "bits" else "READY", "app_guid": app["guid"],
        "checksum": None, "error": None, "image": (data or {}).get("image"), "metadata": new_metadata(metadata),
    })
    return Resp(201, present_package(req, pkg))


def _copy_package(req: Req) -> Resp:
    req.query.allow("source_guid", paging=False)
    source = _get(req, "packages", req.query.get("source_guid") or "", "Package")
    check = req.checker(("relationships",))
    rels = check.relationships(("app",))
    check.done()
    target = get_app(req, rels["app"], write=True)
    fields = {k: v for k, v in source.items() if k not in ("guid", "created_at", "updated_at", "_seq")}
    pkg = req.sim.store.add("packages", {**fields, "app_guid": target["guid"], "metadata": new_metadata(None)})
    if source["type"] == "bits" and req.sim.package_file(source["guid"]).exists():
        shutil.copy(req.sim.package_file(source["guid"]), req.sim.package_file(pkg["guid"]))
    return Resp(201, present_package(req, pkg))


@endpoint("GET", "/v3/packages")
def list_packages(req: Req) -> Resp:
    req.query.allow("guids", "states", "types", "app_guids", "space_guids", "organization_guids",
                    "label_selector", *TIMESTAMP_KEYS)
    items = _visible(req, "packages")
    for key, field in (("guids", "guid"), ("states", "state"), ("types", "type"), ("app_guids", "app_guid")):
        items = filter_by(items, req.query, key, lambda r, f=field: r[f])
    return req.list_response(_space_org_filters(req, items), present_package)


@endpoint("GET", "/v3/apps/{guid}/packages")
def list_app_packages(req: Req) -> Resp:
    req.query.allow("guids", "states", "types", "label_selector", *TIMESTAMP_KEYS)
    app = get_app(req, req.params["guid"])
    items = req.sim.store.where("packages", app_guid=app["guid"])
    for key, field in (("guids", "guid"), ("states", "state"), ("types", "type")):
        items = filter_by(items, req.query, key, lambda r, f=field: r[f])
    return req.list_response(items, present_package)


@endpoint("GET", "/v3/packages/{guid}")
def show_package(req: Req) -> Resource:
    return present_package(req, _get(req, "packages", req.params["guid"], "Package"))


@endpoint("PATCH", "/v3/packages/{guid}")
def update_package(req: Req) -> Resource:
    pkg = _get(req, "packages", req.params["guid"], "Package", write=True)
    check = req.checker(("metadata", "username", "password"))
    metadata = check.metadata()
    check.done()
    merge_metadata(pkg["metadata"], metadata)
    req.sim.store.touch(pkg)
    return present_package(req, pkg)


@endpoint("DELETE", "/v3/packages/{guid}")
def delete_package(req: Req) -> Resp:
    pkg = _get(req, "packages", req.params["guid"], "Package", write=True)
    guid = pkg["guid"]

    def work(job: Resource) -> None:
        req.sim.store.remove("packages", guid)
        req.sim.package_file(guid).unlink(missing_ok=True)

    return job_accepted(req, jobs.start(req.sim, "package.delete", ("package", guid), req.sim.config.job_s, work))


def _multipart(req: Req) -> dict[str, bytes]:
    ctype = req.headers.get("content-type", "")
    if not ctype.startswith("multipart/form-data"):
        raise bad_request("Content-Type must be multipart/form-data")
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        f"Content-Type: {ctype}\r\n\r\n".encode() + req.body)
    parts: dict[str, bytes] = {}
    if not message.is_multipart():
        raise bad_request("invalid multipart body")
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if isinstance(name, str):
            parts[name] = part.get_payload(decode=True) or b""
    return parts


@endpoint("POST", "/v3/packages/{guid}/upload")
def upload_package(req: Req) -> Resource:
    pkg = _get(req, "packages", req.params["guid"], "Package", write=True)
    if pkg["type"] != "bits":
        raise unprocessable("Package type must be bits.")
    if pkg["state"] != "AWAITING_UPLOAD":
        raise unprocessable("Package may be uploaded only once. Create a new package to upload different bits.")
    parts = _multipart(req)
    unknown = [k for k in parts if k not in ("bits", "resources")]
    if unknown:
        raise unprocessable("Unknown field(s): '" + "', '".join(unknown) + "'")
    resources = parts.get("resources")
    if resources is not None:
        try:
            if not isinstance(json.loads(resources), list):
                raise ValueError
        except ValueError as exc:
            raise unprocessable("Resources must be an array") from exc
    bits = parts.get("bits")
    if bits is None and resources is None:
        raise unprocessable("Upload must include either resources or bits")
    path = req.sim.package_file(pkg["guid"])
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(bits or b"")
    pkg["state"] = "PROCESSING_UPLOAD"
    req.sim.store.touch(pkg)

    def processed() -> None:
        if pkg["guid"] not in req.sim.store.tables["packages"]:
            return
        if bits and not zipfile.is_zipfile(path):
            pkg["state"], pkg["error"] = "FAILED", "Invalid zip archive"
        else:
            pkg["state"], pkg["checksum"] = "READY", hashlib.sha256(bits or b"").hexdigest()
        req.sim.store.touch(pkg)

    req.sim.clock.call_later(req.sim.config.upload_s, processed)
    return present_package(req, pkg)


# ------------------------------------------------------------ builds
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
    store = req.sim.store
    pkg = store.find("packages", package["guid"])
    app = store.find("apps", pkg["app_guid"]) if pkg else None
    if pkg is None or app is None or app["space_guid"] not in access.readable_space_guids(req.sim, req.user):
        raise unprocessable("Unable to use package. Ensure that the package exists and you have access to it.")
    access.check_write(req.sim, req.user, app["space_guid"], "Package")
    if pkg["state"] != "READY":
        raise bad_request("Cannot stage package whose state is not ready.")
    if any(b["state"] == "STAGING" for b in store.where("builds", app_guid=app["guid"])):
        raise staging_in_progress()
    build = store.add("builds", {
        "state": "STAGING", "staging_memory_in_mb": memory or 1024, "staging_disk_in_mb": disk or 1024,
        "staging_log_rate_limit_bytes_per_second": log_rate if log_rate is not None else -1, "error": None,
        "lifecycle": lifecycle if lifecycle else {"type": app["lifecycle"]["type"], "data": app["lifecycle"]["data"]},
        "created_by": {"guid": req.user["guid"], "name": req.user["username"], "email": req.user["email"]},
        "package_guid": pkg["guid"], "app_guid": app["guid"], "droplet_guid": None,
        "metadata": new_metadata(metadata),
    })
    req.sim.clock.call_later(req.sim.config.staging_s, lambda: _finish_staging(req.sim, build, pkg, app))
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


def _finish_staging(sim: Any, build: Resource, pkg: Resource, app: Resource) -> None:
    if build["guid"] not in sim.store.tables["builds"] or build["state"] != "STAGING":
        return
    try:
        if sim.faults.staging_fails(app["name"]):
            raise CCError(400, 170001, "CF-StagingError", "Staging error: staging failed (injected fault)")
        droplet_guid = new_guid()
        target = sim.droplet_dir(droplet_guid)
        target.mkdir(parents=True, exist_ok=True)
        source = sim.package_file(pkg["guid"])
        if pkg["type"] == "bits" and source.exists() and source.stat().st_size:
            try:
                with zipfile.ZipFile(source) as archive:
                    for info in archive.infolist():
                        archive.extract(info, target)
                        mode = (info.external_attr >> 16) & 0o777
                        if mode:
                            (target / info.filename).chmod(mode)
            except (zipfile.BadZipFile, OSError) as exc:
                raise CCError(400, 170001, "CF-StagingError", f"Staging error: cannot unpack bits: {exc}") from exc
        types = _process_types(target)
    except CCError as err:
        build["state"], build["error"] = "FAILED", f"StagingError - {err.detail}"
        sim.store.touch(build)
        return
    droplet = sim.store.add("droplets", {
        "guid": droplet_guid, "state": "STAGED", "error": None, "execution_metadata": "", "process_types": types,
        "stack": app["lifecycle"]["data"].get("stack"), "image": None, "lifecycle_type": app["lifecycle"]["type"],
        "checksum": pkg["checksum"], "app_guid": app["guid"], "package_guid": pkg["guid"],
        "metadata": new_metadata(None), "_dir": str(target),
    })
    build["state"], build["droplet_guid"] = "STAGED", droplet["guid"]
    sim.store.touch(build)


@endpoint("GET", "/v3/builds")
def list_builds(req: Req) -> Resp:
    req.query.allow("states", "app_guids", "package_guids", "label_selector", *TIMESTAMP_KEYS)
    items = _visible(req, "builds")
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
    return present_build(req, _get(req, "builds", req.params["guid"], "Build"))


@endpoint("PATCH", "/v3/builds/{guid}")
def update_build(req: Req) -> Resource:
    build = _get(req, "builds", req.params["guid"], "Build", write=True)
    check = req.checker(("metadata",))
    metadata = check.metadata()
    check.done()
    merge_metadata(build["metadata"], metadata)
    req.sim.store.touch(build)
    return present_build(req, build)


# ------------------------------------------------------------ droplets
@endpoint("GET", "/v3/droplets")
def list_droplets(req: Req) -> Resp:
    req.query.allow("guids", "states", "app_guids", "space_guids", "organization_guids", "label_selector",
                    *TIMESTAMP_KEYS)
    items = _visible(req, "droplets")
    for key, field in (("guids", "guid"), ("states", "state"), ("app_guids", "app_guid")):
        items = filter_by(items, req.query, key, lambda r, f=field: r[f])
    return req.list_response(_space_org_filters(req, items), present_droplet)


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
    pkg = _get(req, "packages", req.params["guid"], "Package")
    items = req.sim.store.where("droplets", package_guid=pkg["guid"])
    return req.list_response(items, present_droplet)


@endpoint("GET", "/v3/droplets/{guid}")
def show_droplet(req: Req) -> Resource:
    return present_droplet(req, _get(req, "droplets", req.params["guid"], "Droplet"))


@endpoint("PATCH", "/v3/droplets/{guid}")
def update_droplet(req: Req) -> Resource:
    droplet = _get(req, "droplets", req.params["guid"], "Droplet", write=True)
    check = Checker(req.json(), ("metadata", "image"))
    metadata = check.metadata()
    check.done()
    merge_metadata(droplet["metadata"], metadata)
    req.sim.store.touch(droplet)
    return present_droplet(req, droplet)


@endpoint("DELETE", "/v3/droplets/{guid}")
def delete_droplet(req: Req) -> Resp:
    droplet = _get(req, "droplets", req.params["guid"], "Droplet", write=True)
    guid = droplet["guid"]

    def work(job: Resource) -> None:
        store = req.sim.store
        store.remove("droplets", guid)
        for app in store.all("apps"):
            if app.get("droplet_guid") == guid:
                app["droplet_guid"] = None
        shutil.rmtree(req.sim.droplet_dir(guid), ignore_errors=True)

    return job_accepted(req, jobs.start(req.sim, "droplet.delete", ("droplet", guid), req.sim.config.job_s, work))

