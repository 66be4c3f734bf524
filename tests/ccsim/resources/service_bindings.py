"""Service credential bindings (app bindings and keys) and the VCAP_SERVICES they make."""

from __future__ import annotations

import secrets
from typing import Any

from .. import access
from ..api import Req, Resp, endpoint, job_accepted, public, relationship
from ..errors import async_operation_in_progress, not_found, unprocessable
from ..query import TIMESTAMP_KEYS, filter_by
from ..validate import merge_metadata, new_metadata
from . import jobs
from .apps import present_app
from .service_catalog import NAME_ORDER, unique
from .service_instances import broker_error, in_progress, operation, present_instance, visible_instances

Resource = dict[str, Any]


def present_binding(req: Req, b: Resource) -> Resource:
    g = b["guid"]
    rels: Resource = {"service_instance": relationship(b["si_guid"])}
    links: Resource = {"self": req.link(f"/v3/service_credential_bindings/{g}"),
                       "details": req.link(f"/v3/service_credential_bindings/{g}/details"),
                       "service_instance": req.link(f"/v3/service_instances/{b['si_guid']}")}
    if b["type"] == "app":
        rels["app"] = relationship(b["app_guid"])
        links["app"] = req.link(f"/v3/apps/{b['app_guid']}")
    si = req.sim.store.find("service_instances", b["si_guid"])
    if si and si["type"] == "managed":
        links["parameters"] = req.link(f"/v3/service_credential_bindings/{g}/parameters")
    return {**public(b, "name", "type", "last_operation"), "metadata": b["metadata"], "relationships": rels,
            "links": links}


def _generated_credentials(sim: Any, si: Resource) -> Resource:
    store = sim.store
    plan = store.tables["service_plans"][si["plan_guid"]]
    label = store.tables["service_offerings"][plan["offering_guid"]]["name"]
    user, password = f"u{secrets.token_hex(4)}", secrets.token_hex(12)
    if label == "xsuaa":
        return {"clientid": f"sb-{si['name']}", "clientsecret": password, "url": "https://uaa.sim.test",
                "xsappname": si["name"], "identityzone": "sim", "uaadomain": "uaa.sim.test"}
    return {"uri": f"{label}://{user}:{password}@{label}.sim.test:5432/{si['guid'][:8]}", "username": user,
            "password": password, "hostname": f"{label}.sim.test", "port": 5432, "name": si["guid"][:8]}


def _visible_bindings(req: Req) -> list[Resource]:
    si_guids = {s["guid"] for s in visible_instances(req)}
    return [b for b in req.sim.store.all("service_credential_bindings") if b["si_guid"] in si_guids]


def get_binding(req: Req, guid: str, write: bool = False) -> Resource:
    b = req.sim.store.get("service_credential_bindings", guid, "Service credential binding")
    si = req.sim.store.tables["service_instances"][b["si_guid"]]
    assert req.user is not None
    (access.check_write if write else access.check_read)(req.sim, req.user, si["space_guid"],
                                                         "Service credential binding")
    return b


@endpoint("POST", "/v3/service_credential_bindings")
def create_binding(req: Req) -> Resp:
    check = req.checker(("type", "name", "relationships", "parameters", "metadata"))
    kind = check.one_of("type", ("app", "key"), required=True)
    name = check.string("name", nullable=True, max_len=255)
    rels = check.relationships(("service_instance", "app") if kind == "app" else ("service_instance",))
    params = check.obj("parameters")
    metadata = check.metadata()
    if kind == "key" and not name:
        check.add("Name can't be blank")
    check.done()
    assert req.user is not None
    store = req.sim.store
    si = store.find("service_instances", rels["service_instance"])
    if si is None or si["space_guid"] not in access.readable_space_guids(req.sim, req.user):
        raise unprocessable(f"The service instance could not be found: {rels['service_instance']}")
    access.check_write(req.sim, req.user, si["space_guid"], "Service instance")
    app = None
    if kind == "app":
        app = store.find("apps", rels["app"])
        if app is None or app["space_guid"] not in access.readable_space_guids(req.sim, req.user):
            raise unprocessable(f"The app could not be found: {rels['app']}")
        if app["space_guid"] != si["space_guid"]:
            raise unprocessable("The service instance and the app are in different spaces")
        if any(b["app_guid"] == app["guid"] and b["si_guid"] == si["guid"]
               for b in store.all("service_credential_bindings")):
            raise unprocessable("The app is already bound to the service instance.")
    else:
        if si["type"] == "user-provided":
            raise unprocessable("Service credential bindings of type 'key' are not supported for user-provided "
                                "service instances.")
        if any(b["type"] == "key" and b["name"] == name and b["si_guid"] == si["guid"]
               for b in store.all("service_credential_bindings")):
            raise unprocessable(f"The binding name is invalid. Key binding names must be unique. The service "
                                f"instance already has a key binding with name '{name}'.")
    if in_progress(si):
        raise async_operation_in_progress(si["name"])
    if si["type"] == "managed":
        offering = store.tables["service_offerings"][store.tables["service_plans"][si["plan_guid"]]["offering_guid"]]
        if not offering["bindable"]:
            raise unprocessable("Service plan does not allow bindings.")
    binding = store.add("service_credential_bindings", {
        "type": kind, "name": name, "app_guid": app["guid"] if app else None, "si_guid": si["guid"],
        "parameters": params or {}, "metadata": new_metadata(metadata),
        "credentials": (dict(si["credentials"]) if si["type"] == "user-provided"
                        else _generated_credentials(req.sim, si)),
        "last_operation": operation("create", "succeeded", ""),
    })
    if si["type"] == "user-provided":
        return Resp(201, present_binding(req, binding))
    binding["last_operation"] = operation("create", "in progress")
    sim, guid = req.sim, binding["guid"]

    def work(job: Resource) -> None:
        current = sim.store.find("service_credential_bindings", guid)
        if current is None:
            return
        if sim.faults.broker_fails(si["name"]):
            current["last_operation"] = operation("create", "failed", "Service broker failed (injected fault)")
            raise broker_error()
        current["last_operation"] = operation("create", "succeeded", "")

    job = jobs.start(sim, "service_bindings.create", ("service_credential_binding", guid), sim.config.broker_s,
                     work, state="POLLING")
    return job_accepted(req, job)


def bind_from_manifest(sim: Any, si: Resource, app: Resource, name: str | None, params: Resource) -> None:
    """A manifest's `services` entry: CC binds synchronously (create succeeded) or fails with its text."""
    store = sim.store
    current = next((b for b in store.where("service_credential_bindings", app_guid=app["guid"], si_guid=si["guid"])),
                   None)
    if current is not None and current["last_operation"]["state"] == "succeeded":
        return
    if current is not None:
        kind = current["last_operation"]["type"]
        raise unprocessable(f"For service '{si['name']}': A binding is being {kind}d. Retry this operation later.")
    if in_progress(si):
        raise unprocessable(f"For service '{si['name']}': An operation for service instance {si['name']} is in "
                            "progress.")
    if si["type"] == "managed":
        offering = store.tables["service_offerings"][store.tables["service_plans"][si["plan_guid"]]["offering_guid"]]
        if not offering["bindable"]:
            raise unprocessable(f"For service '{si['name']}': Service plan does not allow bindings.")
    store.add("service_credential_bindings", {
        "type": "app", "name": name, "app_guid": app["guid"], "si_guid": si["guid"], "parameters": params,
        "metadata": new_metadata(None), "last_operation": operation("create", "succeeded", ""),
        "credentials": dict(si["credentials"]) if si["type"] == "user-provided" else _generated_credentials(sim, si),
    })


@endpoint("GET", "/v3/service_credential_bindings")
def list_bindings(req: Req) -> Resp:
    req.query.allow("names", "guids", "service_instance_guids", "service_instance_names", "app_guids", "app_names",
                    "service_plan_guids", "service_plan_names", "service_offering_guids", "service_offering_names",
                    "type", "include", "label_selector", *TIMESTAMP_KEYS)
    includes = req.query.includes("app", "service_instance")
    store = req.sim.store
    items = _visible_bindings(req)
    for key, field in (("names", "name"), ("guids", "guid"), ("service_instance_guids", "si_guid"),
                       ("app_guids", "app_guid"), ("type", "type")):
        items = filter_by(items, req.query, key, lambda r, f=field: r[f])
    si = store.tables["service_instances"]
    items = filter_by(items, req.query, "service_instance_names", lambda b: si[b["si_guid"]]["name"])
    items = filter_by(items, req.query, "app_names",
                      lambda b: store.tables["apps"][b["app_guid"]]["name"] if b["app_guid"] else None)
    items = filter_by(items, req.query, "service_plan_guids", lambda b: si[b["si_guid"]]["plan_guid"])

    def included(page: list[Resource]) -> dict[str, list[Resource]]:
        out: dict[str, list[Resource]] = {}
        if "app" in includes:
            out["apps"] = [present_app(req, a) for a in unique(
                [store.tables["apps"][b["app_guid"]] for b in page if b["app_guid"]])]
        if "service_instance" in includes:
            out["service_instances"] = [present_instance(req, s) for s in unique([si[b["si_guid"]] for b in page])]
        return out

    return req.list_response(items, present_binding, NAME_ORDER, included if includes else None)


@endpoint("GET", "/v3/service_credential_bindings/{guid}")
def show_binding(req: Req) -> Resource:
    req.query.allow("include", paging=False)
    req.query.includes("app", "service_instance")
    return present_binding(req, get_binding(req, req.params["guid"]))


@endpoint("PATCH", "/v3/service_credential_bindings/{guid}")
def update_binding(req: Req) -> Resource:
    b = get_binding(req, req.params["guid"], write=True)
    check = req.checker(("metadata",))
    metadata = check.metadata()
    check.done()
    merge_metadata(b["metadata"], metadata)
    req.sim.store.touch(b)
    return present_binding(req, b)


@endpoint("GET", "/v3/service_credential_bindings/{guid}/details")
def binding_details(req: Req) -> Resource:
    b = get_binding(req, req.params["guid"], write=True)
    if b["last_operation"]["state"] != "succeeded":
        raise not_found("Service credential binding")
    si = req.sim.store.tables["service_instances"][b["si_guid"]]
    body: Resource = {"credentials": dict(b["credentials"])}
    if si.get("syslog_drain_url"):
        body["syslog_drain_url"] = si["syslog_drain_url"]
    return body


@endpoint("GET", "/v3/service_credential_bindings/{guid}/parameters")
def binding_parameters(req: Req) -> Resource:
    return dict(get_binding(req, req.params["guid"])["parameters"])


@endpoint("DELETE", "/v3/service_credential_bindings/{guid}")
def delete_binding(req: Req) -> Resp:
    b = get_binding(req, req.params["guid"], write=True)
    si = req.sim.store.tables["service_instances"][b["si_guid"]]
    if si["type"] != "managed":
        req.sim.store.remove("service_credential_bindings", b["guid"])
        return Resp(204)
    if b["last_operation"]["state"] == "in progress":
        raise async_operation_in_progress(si["name"])
    b["last_operation"] = operation("delete", "in progress")
    guid = b["guid"]
    job = jobs.start(req.sim, "service_bindings.delete", ("service_credential_binding", guid), req.sim.config.broker_s,
                     lambda job: req.sim.store.remove("service_credential_bindings", guid), state="POLLING")
    return job_accepted(req, job)


def vcap_services(sim: Any, app_guid: str) -> dict[str, list[Resource]]:
    store = sim.store
    out: dict[str, list[Resource]] = {}
    for b in store.all("service_credential_bindings"):
        if b["app_guid"] != app_guid or b["last_operation"]["state"] != "succeeded":
            continue
        si = store.tables["service_instances"][b["si_guid"]]
        entry: Resource = {"binding_guid": b["guid"], "binding_name": b["name"], "credentials": b["credentials"],
                           "instance_guid": si["guid"], "instance_name": si["name"], "name": b["name"] or si["name"],
                           "syslog_drain_url": si.get("syslog_drain_url"), "tags": si["tags"], "volume_mounts": []}
        if si["type"] == "managed":
            plan = store.tables["service_plans"][si["plan_guid"]]
            offering = store.tables["service_offerings"][plan["offering_guid"]]
            entry.update(label=offering["name"], plan=plan["name"], provider=None,
                         tags=[*offering["tags"], *si["tags"]])
            out.setdefault(offering["name"], []).append(entry)
        else:
            entry["label"] = "user-provided"
            out.setdefault("user-provided", []).append(entry)
    return out
