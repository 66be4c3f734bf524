"""Packages: bits (zip upload, processed after `upload_s`) and docker (an image reference, READY at
once); copies (`POST /v3/packages?source_guid=`, COPYING until the bits are copied after `job_s`)."""

from __future__ import annotations

import email.parser
import email.policy
import hashlib
import json
import shutil
import zipfile
from typing import Any

from .. import access
from ..api import Req, Resp, endpoint, job_accepted, public, relationship
from ..errors import CCError, bad_request, unprocessable
from ..query import TIMESTAMP_KEYS, filter_by
from ..validate import Checker, merge_metadata, new_metadata
from . import jobs
from .apps import get_app
from .owned import get_owned, space_org_filters, visible_owned

Resource = dict[str, Any]
REDACTED = "***"  # CC's Censorship::REDACTED_CREDENTIAL: a docker password is never echoed


def present_package(req: Req, pkg: Resource) -> Resource:
    g = pkg["guid"]
    links = {"self": req.link(f"/v3/packages/{g}"), "app": req.link(f"/v3/apps/{pkg['app_guid']}")}
    if pkg["type"] == "bits":
        links["upload"] = req.link(f"/v3/packages/{g}/upload", "POST")
        links["download"] = req.link(f"/v3/packages/{g}/download")
        data: Resource = {"checksum": {"type": "sha256", "value": pkg["checksum"]}, "error": pkg["error"]}
    else:
        username = pkg.get("docker_username")
        data = {"image": pkg["image"], "username": username, "password": REDACTED if username else None}
    return {**public(pkg, "type", "state"), "data": data,
            "relationships": {"app": relationship(pkg["app_guid"])}, "metadata": pkg["metadata"], "links": links}


def bits_already_uploaded() -> CCError:
    return CCError(400, 150004, "CF-PackageBitsAlreadyUploaded",
                   "Bits may be uploaded only once. Create a new package to upload different bits.")


def _docker_data(check: Checker, data: Resource | None) -> Resource:
    if data is None or not isinstance(data.get("image"), str) or not data["image"]:
        check.add("Data image required")
        return {}
    extra = [k for k in data if k not in ("image", "username", "password")]
    if extra:
        check.add("Data Unknown field(s): '" + "', '".join(extra) + "'")
    for key in ("username", "password"):
        if data.get(key) is not None and not isinstance(data[key], str):
            check.add(f"Data {key} must be a string")
    return data


@endpoint("POST", "/v3/packages")
def create_package(req: Req) -> Resp:
    if req.query.has("source_guid"):
        return _copy_package(req)
    check = req.checker(("type", "relationships", "data", "metadata"))
    kind = check.one_of("type", ("bits", "docker"), required=True)
    rels = check.relationships(("app",))
    data = check.obj("data")
    metadata = check.metadata()
    docker = _docker_data(check, data) if kind == "docker" else {}
    check.done()
    assert req.user is not None
    app = req.sim.store.find("apps", rels["app"])
    if app is None or app["space_guid"] not in access.readable_space_guids(req.sim, req.user):
        raise unprocessable("App is invalid. Ensure it exists and you have access to it.")
    access.check_write(req.sim, req.user, app["space_guid"], "App")
    if kind != "docker" and app["lifecycle"]["type"] == "docker":
        raise unprocessable("Cannot create bits package for a Docker app.")
    if kind != "bits" and app["lifecycle"]["type"] == "buildpack":
        raise unprocessable("Cannot create Docker package for a buildpack app.")
    pkg = req.sim.store.add("packages", {
        "type": kind, "state": "AWAITING_UPLOAD" if kind == "bits" else "READY", "app_guid": app["guid"],
        "checksum": None, "error": None, "image": docker.get("image"), "docker_username": docker.get("username"),
        "docker_password": docker.get("password"), "metadata": new_metadata(metadata),
    })
    return Resp(201, present_package(req, pkg))


def _copy_package(req: Req) -> Resp:
    req.query.allow("source_guid", paging=False)
    check = req.checker(("relationships",))
    rels = check.relationships(("app",))
    check.done()
    assert req.user is not None
    sim, store = req.sim, req.sim.store
    target = store.find("apps", rels["app"])
    if target is None or target["space_guid"] not in access.readable_space_guids(sim, req.user):
        raise unprocessable("App is invalid. Ensure it exists and you have access to it.")
    access.check_write(sim, req.user, target["space_guid"], "App")
    source = store.find("packages", req.query.get("source_guid"))
    source_space = store.tables["apps"][source["app_guid"]]["space_guid"] if source else None
    if source is None or source_space not in access.readable_space_guids(sim, req.user):
        raise unprocessable("Source package is invalid. Ensure it exists and you have access to it.")
    access.check_write(sim, req.user, source_space, "Package")
    if source["app_guid"] == target["guid"]:
        raise unprocessable("Source and destination app cannot be the same")
    bits = source["type"] == "bits"
    pkg = store.add("packages", {
        "type": source["type"], "state": "COPYING" if bits else "READY", "app_guid": target["guid"],
        "checksum": None, "error": None, "image": source["image"], "docker_username": None,
        "docker_password": None, "metadata": new_metadata(None),
    })
    if bits:
        sim.clock.call_later(sim.config.job_s, lambda: _finish_copy(sim, source["guid"], pkg))
    return Resp(201, present_package(req, pkg))


def _finish_copy(sim: Any, source_guid: str, pkg: Resource) -> None:
    """Like CC's PackageBitsCopier: the copy is READY with the source's checksum, or FAILED."""
    if pkg["guid"] not in sim.store.tables["packages"]:
        return
    source = sim.store.find("packages", source_guid)
    source_file = sim.package_file(source_guid)
    if source is None:
        pkg["state"], pkg["error"] = "FAILED", "failed to copy - source package does not exist"
    elif not source_file.exists():
        pkg["state"], pkg["error"] = "FAILED", f"failed to copy - Could not find object '{source_guid}'"
    else:
        sim.package_file(pkg["guid"]).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(source_file, sim.package_file(pkg["guid"]))
        pkg["state"], pkg["checksum"] = "READY", source["checksum"]
    sim.store.touch(pkg)


@endpoint("GET", "/v3/packages")
def list_packages(req: Req) -> Resp:
    req.query.allow("guids", "states", "types", "app_guids", "space_guids", "organization_guids",
                    "label_selector", *TIMESTAMP_KEYS)
    items = visible_owned(req, "packages")
    for key, field in (("guids", "guid"), ("states", "state"), ("types", "type"), ("app_guids", "app_guid")):
        items = filter_by(items, req.query, key, lambda r, f=field: r[f])
    return req.list_response(space_org_filters(req, items), present_package)


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
    return present_package(req, get_owned(req, "packages", req.params["guid"], "Package"))


@endpoint("PATCH", "/v3/packages/{guid}")
def update_package(req: Req) -> Resource:
    check = req.checker(("metadata", "username", "password"))
    metadata = check.metadata()
    username = check.string("username", nullable=True)
    password = check.string("password", nullable=True)
    check.done()
    pkg = get_owned(req, "packages", req.params["guid"], "Package")
    if pkg["type"] != "docker" and (username or password):
        raise unprocessable("Cannot update Docker credentials for a buildpack app.")
    pkg = get_owned(req, "packages", pkg["guid"], "Package", write=True)
    if "username" in check.body:
        pkg["docker_username"] = username
    if "password" in check.body:
        pkg["docker_password"] = password
    merge_metadata(pkg["metadata"], metadata)
    req.sim.store.touch(pkg)
    return present_package(req, pkg)


@endpoint("DELETE", "/v3/packages/{guid}")
def delete_package(req: Req) -> Resp:
    pkg = get_owned(req, "packages", req.params["guid"], "Package", write=True)
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
    pkg = get_owned(req, "packages", req.params["guid"], "Package", write=True)
    if pkg["type"] != "bits":
        raise unprocessable("Package type must be bits.")
    if pkg["state"] != "AWAITING_UPLOAD":
        raise bits_already_uploaded()
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
