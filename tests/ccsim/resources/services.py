"""Service brokers, offerings, plans, instances (managed: asynchronous through jobs; user-provided:
synchronous) and credential bindings (app bindings and keys)."""

from __future__ import annotations

import secrets
from typing import Any

from .. import access
from ..api import Req, Resp, endpoint, job_accepted, public, relationship
from ..errors import CCError, async_operation_in_progress, not_found, unprocessable
from ..query import TIMESTAMP_KEYS, filter_by
from ..state import now_iso
from ..validate import Checker, merge_metadata, new_metadata
from . import jobs
from .apps import present_app

Resource = dict[str, Any]
NAME_ORDER = ("created_at", "updated_at", "name")


def _operation(kind: str, state: str, description: str = "") -> Resource:
    stamp = now_iso()
    return {"type": kind, "state": state, "description": description, "created_at": stamp, "updated_at": stamp}


def _broker_error() -> CCError:
    return CCError(502, 270020, "CF-ServiceBrokerRequestRejected",
                   "The service broker rejected the request. Status Code: 500 Internal Server Error. "
                   "Please check that the URL points to a valid service broker.")


# ------------------------------------------------------------ catalog
def present_broker(req: Req, broker: Resource) -> Resource:
    return {**public(broker, "name", "url"), "relationships": {}, "metadata": broker["metadata"],
            "links": {"self": req.link(f"/v3/service_brokers/{broker['guid']}"),
                      "service_offerings": req.link(f"/v3/service_offerings?service_broker_guids={broker['guid']}")}}


def present_offering(req: Req, off: Resource) -> Resource:
    g = off["guid"]
    return {
        **public(off, "name", "description", "available", "tags", "shareable"), "requires": [],
        "documentation_url": None,
        "broker_catalog": {"id": f"catalog-{off['name']}", "metadata": {},
                           "features": {"plan_updateable": off["plan_updateable"], "bindable": off["bindable"],
                                        "instances_retrievable": True, "bindings_retrievable": True,
                                        "allow_context_updates": False}},
        "relationships": {"service_broker": relationship(off["broker_guid"])}, "metadata": off["metadata"],
        "links": {"self": req.link(f"/v3/service_offerings/{g}"),
                  "service_plans": req.link(f"/v3/service_plans?service_offering_guids={g}"),
                  "service_broker": req.link(f"/v3/service_brokers/{off['broker_guid']}")},
    }


def present_plan(req: Req, plan: Resource) -> Resource:
    g = plan["guid"]
    off = req.sim.store.tables["service_offerings"][plan["offering_guid"]]
    empty = {"parameters": {}}
    return {
        **public(plan, "name", "description", "available", "free"), "visibility_type": "public",
        "maintenance_info": {}, "costs": [],
        "broker_catalog": {"id": f"catalog-{off['name']}-{plan['name']}", "metadata": {},
                           "maximum_polling_duration": None,
                           "features": {"bindable": off["bindable"], "plan_updateable": off["plan_updateable"]}},
        "schemas": {"service_instance": {"create": empty, "update": empty}, "service_binding": {"create": empty}},
        "relationships": {"service_offering": relationship(plan["offering_guid"])}, "metadata": plan["metadata"],
        "links": {"self": req.link(f"/v3/service_plans/{g}"),
                  "service_offering": req.link(f"/v3/service_offerings/{plan['offering_guid']}"),
                  "visibility": req.link(f"/v3/service_plans/{g}/visibility")},
    }


def _broker_of(req: Req, off: Resource) -> Resource:
    return req.sim.store.tables["service_brokers"][off["broker_guid"]]


@endpoint("GET", "/v3/service_brokers")
def list_brokers(req: Req) -> Resp:
    req.query.allow("names", "space_guids", "label_selector", *TIMESTAMP_KEYS)
    items = filter_by(req.sim.store.all("service_brokers"), req.query, "names", lambda b: b["name"])
    return req.list_response(items, present_broker, NAME_ORDER)


@endpoint("GET", "/v3/service_brokers/{guid}")
def show_broker(req: Req) -> Resource:
    return present_broker(req, req.sim.store.get("service_brokers", req.params["guid"], "Service broker"))


@endpoint("GET", "/v3/service_offerings")
def list_offerings(req: Req) -> Resp:
    req.query.allow("names", "available", "service_broker_guids", "service_broker_names", "space_guids",
                    "organization_guids", "label_selector", "fields[service_broker]", *TIMESTAMP_KEYS)
    items = filter_by(req.sim.store.all("service_offerings"), req.query, "names", lambda o: o["name"])
    items = filter_by(items, req.query, "service_broker_guids", lambda o: o["broker_guid"])
    items = filter_by(items, req.query, "service_broker_names", lambda o: _broker_of(req, o)["name"])
    items = filter_by(items, req.query, "available", lambda o: str(o["available"]).lower())
    included = None
    if req.query.has("fields[service_broker]"):
        fields = req.query.list("fields[service_broker]") or []
        included = lambda page: {"service_brokers": [pick(present_broker(req, b), fields) for b in _unique(  # noqa: E731
            [_broker_of(req, o) for o in page])]}
    return req.list_response(items, present_offering, NAME_ORDER, included)


@endpoint("GET", "/v3/service_offerings/{guid}")
def show_offering(req: Req) -> Resource:
    return present_offering(req, req.sim.store.get("service_offerings", req.params["guid"], "Service offering"))


@endpoint("GET", "/v3/service_plans")
def list_plans(req: Req) -> Resp:
    req.query.allow("names", "available", "broker_catalog_ids", "service_offering_guids", "service_offering_names",
                    "service_broker_guids", "service_broker_names", "space_guids", "organization_guids",
                    "service_instance_guids", "include", "label_selector", *TIMESTAMP_KEYS)
    includes = req.query.includes("service_offering", "space.organization")
    store = req.sim.store
    items = filter_by(store.all("service_plans"), req.query, "names", lambda p: p["name"])
    off = store.tables["service_offerings"]
    items = filter_by(items, req.query, "service_offering_guids", lambda p: p["offering_guid"])
    items = filter_by(items, req.query, "service_offering_names", lambda p: off[p["offering_guid"]]["name"])
    items = filter_by(items, req.query, "service_broker_guids", lambda p: off[p["offering_guid"]]["broker_guid"])
    items = filter_by(items, req.query, "service_broker_names",
                      lambda p: _broker_of(req, off[p["offering_guid"]])["name"])
    items = filter_by(items, req.query, "available", lambda p: str(p["available"]).lower())
    si_guids = req.query.list("service_instance_guids")
    if si_guids is not None:
        plans = {store.tables["service_instances"][g].get("plan_guid") for g in si_guids
                 if g in store.tables["service_instances"]}
        items = [p for p in items if p["guid"] in plans]
    included = None
    if "service_offering" in includes:
        included = lambda page: {"service_offerings": [present_offering(req, o) for o in _unique(  # noqa: E731
            [off[p["offering_guid"]] for p in page])]}
    return req.list_response(items, present_plan, NAME_ORDER, included)


@endpoint("GET", "/v3/service_plans/{guid}")
def show_plan(req: Req) -> Resource:
    return present_plan(req, req.sim.store.get("service_plans", req.params["guid"], "Service plan"))


def _unique(items: list[Resource]) -> list[Resource]:
    return list({i["guid"]: i for i in items}.values())


def pick(obj: Resource, fields: list[str]) -> Resource:
    """The `fields[...]` projection: keep only the named (dotted) keys."""
    out: Resource = {}
    for field in fields:
        head, _, rest = field.partition(".")
        if head not in obj:
            continue
        if rest and isinstance(obj[head], dict):
            out[head] = {**out.get(head, {}), **pick(obj[head], [rest])}
        else:
            out[head] = obj[head]
    return out


# ------------------------------------------------------------ service instances
def present_instance(req: Req, si: Resource) -> Resource:
    g = si["guid"]
    links: Resource = {"self": req.link(f"/v3/service_instances/{g}"),
                       "space": req.link(f"/v3/spaces/{si['space_guid']}"),
                       "service_credential_bindings": req.link(
                           f"/v3/service_credential_bindings?service_instance_guids={g}"),
                       "service_route_bindings": req.link(f"/v3/service_route_bindings?service_instance_guids={g}")}
    body: Resource = {**public(si, "name", "type", "tags", "last_operation"), "metadata": si["metadata"]}
    rels: Resource = {"space": relationship(si["space_guid"])}
    if si["type"] == "managed":
        body.update({"maintenance_info": {}, "upgrade_available": False, "dashboard_url": None})
        rels["service_plan"] = relationship(si["plan_guid"])
        links.update({"service_plan": req.link(f"/v3/service_plans/{si['plan_guid']}"),
                      "parameters": req.link(f"/v3/service_instances/{g}/parameters"),
                      "shared_spaces": req.link(f"/v3/service_instances/{g}/relationships/shared_spaces")})
    else:
        body.update({"syslog_drain_url": si["syslog_drain_url"], "route_service_url": si["route_service_url"]})
        links["credentials"] = req.link(f"/v3/service_instances/{g}/credentials")
    body["relationships"] = rels
    body["links"] = links
    return body


def visible_instances(req: Req) -> list[Resource]:
    assert req.user is not None
    spaces = access.readable_space_guids(req.sim, req.user)
    return [s for s in req.sim.store.all("service_instances") if s["space_guid"] in spaces]


def get_instance(req: Req, guid: str, write: bool = False) -> Resource:
    si = req.sim.store.get("service_instances", guid, "Service instance")
    assert req.user is not None
    (access.check_write if write else access.check_read)(req.sim, req.user, si["space_guid"], "Service instance")
    return si


def _in_progress(si: Resource) -> bool:
    return si["last_operation"]["state"] in ("initial", "in progress")


def _check_name_free(req: Req, space_guid: str, name: str, except_guid: str | None = None) -> None:
    if any(s["name"] == name and s["space_guid"] == space_guid and s["guid"] != except_guid
           for s in req.sim.store.all("service_instances")):
        raise unprocessable(f"The service instance name is taken: {name}.")


def _plan_for(req: Req, guid: str) -> Resource:
    plan = req.sim.store.find("service_plans", guid)
    if plan is None or not plan["available"]:
        raise unprocessable("Invalid service plan. Ensure that the service plan exists, is available, and you "
                            "have access to it.")
    return plan


def _broker_operation(req: Req, si: Resource, kind: str, done: Any) -> Resp:
    """Run a broker operation: 202 + job; last_operation `in progress` until `broker_s` passes."""
    si["last_operation"] = _operation(kind, "in progress")
    sim = req.sim
    guid = si["guid"]

    def work(job: Resource) -> None:
        current = sim.store.find("service_instances", guid)
        if current is None:
            return
        if sim.faults.broker_fails(current["name"]):
            current["last_operation"] = _operation(kind, "failed", "Service broker failed (injected fault)")
            raise _broker_error()
        done(current)

    job = jobs.start(sim, f"service_instance.{kind}", ("service_instances", guid), sim.config.broker_s, work,
                     state="POLLING")
    return job_accepted(req, job)


@endpoint("POST", "/v3/service_instances")
def create_instance(req: Req) -> Resp:
    body = req.json()
    kind = body.get("type") if isinstance(body, dict) else None
    managed = ("type", "name", "relationships", "parameters", "tags", "metadata", "maintenance_info")
    upsi = ("type", "name", "relationships", "credentials", "tags", "syslog_drain_url", "route_service_url", "metadata")
    check = Checker(body, upsi if kind == "user-provided" else managed)
    check.one_of("type", ("managed", "user-provided"), required=True)
    name = check.string("name", required=True, max_len=255)
    rels = check.relationships(("space", "service_plan") if kind == "managed" else ("space",))
    tags = check.string_list("tags")
    metadata = check.metadata()
    params = check.obj("parameters") if kind == "managed" else None
    credentials = check.obj("credentials") if kind == "user-provided" else None
    syslog = check.string("syslog_drain_url", nullable=True) if kind == "user-provided" else None
    route_svc = check.string("route_service_url", nullable=True) if kind == "user-provided" else None
    check.done()
    assert req.user is not None and name is not None
    access.check_target_space(req.sim, req.user, rels["space"])
    plan = _plan_for(req, rels["service_plan"]) if kind == "managed" else None
    _check_name_free(req, rels["space"], name)
    si = req.sim.store.add("service_instances", {
        "name": name, "type": kind, "space_guid": rels["space"], "plan_guid": plan["guid"] if plan else None,
        "tags": tags or [], "parameters": params or {}, "credentials": credentials or {},
        "syslog_drain_url": syslog, "route_service_url": route_svc, "metadata": new_metadata(metadata),
        "last_operation": _operation("create", "succeeded", "Operation succeeded"),
    })
    if kind == "user-provided":
        return Resp(201, present_instance(req, si))
    si["last_operation"] = _operation("create", "initial")

    def created(current: Resource) -> None:
        current["last_operation"] = _operation("create", "succeeded", "Operation succeeded")

    return _broker_operation(req, si, "create", created)


def _instance_includes(req: Req) -> Any:
    fields = {k[len("fields["):-1]: req.query.list(k) or [] for k in req.query.values if k.startswith("fields[")}
    if not fields:
        return None
    store = req.sim.store

    def included(page: list[Resource]) -> dict[str, list[Resource]]:
        plans = _unique([store.tables["service_plans"][s["plan_guid"]] for s in page if s["plan_guid"]])
        offerings = _unique([store.tables["service_offerings"][p["offering_guid"]] for p in plans])
        brokers = _unique([_broker_of(req, o) for o in offerings])
        out: dict[str, list[Resource]] = {}
        for key, name, items, present in (
                ("service_plan", "service_plans", plans, present_plan),
                ("service_plan.service_offering", "service_offerings", offerings, present_offering),
                ("service_plan.service_offering.service_broker", "service_brokers", brokers, present_broker)):
            if key in fields:
                out[name] = [pick(present(req, i), fields[key]) for i in items]
        return out

    return included


@endpoint("GET", "/v3/service_instances")
def list_instances(req: Req) -> Resp:
    field_keys = ("fields[space]", "fields[space.organization]", "fields[service_plan]",
                  "fields[service_plan.service_offering]", "fields[service_plan.service_offering.service_broker]")
    req.query.allow("names", "guids", "type", "space_guids", "organization_guids", "service_plan_guids",
                    "service_plan_names", "label_selector", *field_keys, *TIMESTAMP_KEYS)
    store = req.sim.store
    items = visible_instances(req)
    for key, field in (("names", "name"), ("guids", "guid"), ("type", "type"), ("space_guids", "space_guid"),
                       ("service_plan_guids", "plan_guid")):
        items = filter_by(items, req.query, key, lambda r, f=field: r[f])
    items = filter_by(items, req.query, "organization_guids",
                      lambda s: store.tables["spaces"][s["space_guid"]]["organization_guid"])
    items = filter_by(items, req.query, "service_plan_names",
                      lambda s: store.tables["service_plans"][s["plan_guid"]]["name"] if s["plan_guid"] else None)
    return req.list_response(items, present_instance, NAME_ORDER, _instance_includes(req))


@endpoint("GET", "/v3/service_instances/{guid}")
def show_instance(req: Req) -> Resource:
    req.query.allow(*(k for k in req.query.values if k.startswith("fields[")), paging=False)
    si = get_instance(req, req.params["guid"])
    body = present_instance(req, si)
    included = _instance_includes(req)
    if included:
        body["included"] = included([si])
    return body


@endpoint("PATCH", "/v3/service_instances/{guid}")
def update_instance(req: Req) -> Resp:
    si = get_instance(req, req.params["guid"], write=True)
    if si["type"] == "managed":
        check = req.checker(("name", "tags", "parameters", "relationships", "maintenance_info", "metadata"))
    else:
        check = req.checker(("name", "credentials", "tags", "syslog_drain_url", "route_service_url", "metadata"))
    name = check.string("name")
    tags = check.string_list("tags")
    metadata = check.metadata()
    params = check.obj("parameters") if si["type"] == "managed" else None
    rels = check.relationships((), ("service_plan",)) if si["type"] == "managed" else {}
    credentials = check.obj("credentials") if si["type"] != "managed" else None
    check.done()
    if _in_progress(si):
        raise async_operation_in_progress(si["name"])
    if name is not None:
        _check_name_free(req, si["space_guid"], name, si["guid"])
        si["name"] = name
    if tags is not None:
        si["tags"] = tags
    merge_metadata(si["metadata"], metadata)
    for key in ("syslog_drain_url", "route_service_url"):
        if si["type"] != "managed" and key in check.body:
            si[key] = check.body[key]
    if credentials is not None:
        si["credentials"] = credentials
    req.sim.store.touch(si)
    plan = _plan_for(req, rels["service_plan"]) if rels.get("service_plan") else None
    if si["type"] == "managed" and (params is not None or plan is not None or "maintenance_info" in check.body):
        def updated(current: Resource) -> None:
            if params is not None:
                current["parameters"] = params
            if plan is not None:
                current["plan_guid"] = plan["guid"]
            current["last_operation"] = _operation("update", "succeeded", "Operation succeeded")

        return _broker_operation(req, si, "update", updated)
    si["last_operation"] = _operation("update", "succeeded", "Operation succeeded")
    return Resp(200, present_instance(req, si))


def _drop_instance(sim: Any, guid: str) -> None:
    for binding in sim.store.where("service_credential_bindings", si_guid=guid):
        sim.store.remove("service_credential_bindings", binding["guid"])
    sim.store.remove("service_instances", guid)


@endpoint("DELETE", "/v3/service_instances/{guid}")
def delete_instance(req: Req) -> Resp:
    req.query.allow("purge", paging=False)
    si = get_instance(req, req.params["guid"], write=True)
    if req.query.boolean("purge") or si["type"] != "managed":
        _drop_instance(req.sim, si["guid"])
        return Resp(204)
    if _in_progress(si):
        raise async_operation_in_progress(si["name"])
    return _broker_operation(req, si, "delete", lambda current: _drop_instance(req.sim, current["guid"]))


@endpoint("GET", "/v3/service_instances/{guid}/credentials")
def instance_credentials(req: Req) -> Resource:
    si = get_instance(req, req.params["guid"], write=True)
    if si["type"] != "user-provided":
        raise not_found("Service instance")
    return dict(si["credentials"])


@endpoint("GET", "/v3/service_instances/{guid}/parameters")
def instance_parameters(req: Req) -> Resource:
    si = get_instance(req, req.params["guid"])
    if si["type"] != "managed":
        raise CCError(400, 10009, "CF-UnableToPerform",
                      "Fetch parameters could not be completed: This service instance is user-provided")
    return dict(si["parameters"])


# ------------------------------------------------------------ credential bindings
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


def _generated_credentials(req: Req, si: Resource) -> Resource:
    store = req.sim.store
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
    if _in_progress(si):
        raise async_operation_in_progress(si["name"])
    if si["type"] == "managed":
        offering = store.tables["service_offerings"][store.tables["service_plans"][si["plan_guid"]]["offering_guid"]]
        if not offering["bindable"]:
            raise unprocessable("Service plan does not allow bindings.")
    binding = store.add("service_credential_bindings", {
        "type": kind, "name": name, "app_guid": app["guid"] if app else None, "si_guid": si["guid"],
        "parameters": params or {}, "metadata": new_metadata(metadata),
        "credentials": dict(si["credentials"]) if si["type"] == "user-provided" else _generated_credentials(req, si),
        "last_operation": _operation("create", "succeeded", ""),
    })
    if si["type"] == "user-provided":
        return Resp(201, present_binding(req, binding))
    binding["last_operation"] = _operation("create", "in progress")
    sim, guid = req.sim, binding["guid"]

    def work(job: Resource) -> None:
        current = sim.store.find("service_credential_bindings", guid)
        if current is None:
            return
        if sim.faults.broker_fails(si["name"]):
            current["last_operation"] = _operation("create", "failed", "Service broker failed (injected fault)")
            raise _broker_error()
        current["last_operation"] = _operation("create", "succeeded", "")

    job = jobs.start(sim, "service_bindings.create", ("service_credential_binding", guid), sim.config.broker_s,
                     work, state="POLLING")
    return job_accepted(req, job)


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
            out["apps"] = [present_app(req, a) for a in _unique(
                [store.tables["apps"][b["app_guid"]] for b in page if b["app_guid"]])]
        if "service_instance" in includes:
            out["service_instances"] = [present_instance(req, s) for s in _unique([si[b["si_guid"]] for b in page])]
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
    b["last_operation"] = _operation("delete", "in progress")
    guid = b["guid"]
    job = jobs.start(req.sim, "service_bindings.delete", ("service_credential_binding", guid), req.sim.config.broker_s,
                     lambda job: req.sim.store.remove("service_credential_bindings", guid), state="POLLING")
    return job_accepted(req, job)


# ------------------------------------------------------------ VCAP_SERVICES
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
