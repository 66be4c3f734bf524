"""Service instances: managed (asynchronous through jobs, `broker_s`) and user-provided (synchronous)."""

from __future__ import annotations

from typing import Any

from .. import access
from ..api import Req, Resp, endpoint, job_accepted, public, relationship
from ..errors import CCError, async_operation_in_progress, not_found, plan_not_updateable, unprocessable
from ..query import TIMESTAMP_KEYS, filter_by
from ..state import now_iso
from ..validate import Checker, merge_metadata, new_metadata
from . import jobs
from .service_catalog import NAME_ORDER, broker_of, pick, present_broker, present_offering, present_plan, unique

Resource = dict[str, Any]


def operation(kind: str, state: str, description: str = "") -> Resource:
    stamp = now_iso()
    return {"type": kind, "state": state, "description": description, "created_at": stamp, "updated_at": stamp}


def broker_error() -> CCError:
    return CCError(502, 270020, "CF-ServiceBrokerRequestRejected",
                   "The service broker rejected the request. Status Code: 500 Internal Server Error. "
                   "Please check that the URL points to a valid service broker.")


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


def in_progress(si: Resource) -> bool:
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


def _plan_updateable(req: Req, si: Resource) -> bool:
    store = req.sim.store
    offering = store.tables["service_offerings"][store.tables["service_plans"][si["plan_guid"]]["offering_guid"]]
    return bool(offering["plan_updateable"])


def _broker_operation(req: Req, si: Resource, kind: str, done: Any) -> Resp:
    """Run a broker operation: 202 + job; last_operation `in progress` until `broker_s` passes."""
    si["last_operation"] = operation(kind, "in progress")
    sim = req.sim
    guid = si["guid"]

    def work(job: Resource) -> None:
        current = sim.store.find("service_instances", guid)
        if current is None:
            return
        if sim.faults.broker_fails(current["name"]):
            current["last_operation"] = operation(kind, "failed", "Service broker failed (injected fault)")
            raise broker_error()
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
        "last_operation": operation("create", "succeeded", "Operation succeeded"),
    })
    if kind == "user-provided":
        return Resp(201, present_instance(req, si))
    si["last_operation"] = operation("create", "initial")

    def created(current: Resource) -> None:
        current["last_operation"] = operation("create", "succeeded", "Operation succeeded")

    return _broker_operation(req, si, "create", created)


def _instance_includes(req: Req) -> Any:
    fields = {k[len("fields["):-1]: req.query.list(k) or [] for k in req.query.values if k.startswith("fields[")}
    if not fields:
        return None
    store = req.sim.store

    def included(page: list[Resource]) -> dict[str, list[Resource]]:
        plans = unique([store.tables["service_plans"][s["plan_guid"]] for s in page if s["plan_guid"]])
        offerings = unique([store.tables["service_offerings"][p["offering_guid"]] for p in plans])
        brokers = unique([broker_of(req, o) for o in offerings])
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
    if in_progress(si):
        raise async_operation_in_progress(si["name"])
    if rels.get("service_plan") and not _plan_updateable(req, si):
        raise plan_not_updateable()  # CC refuses any plan in the request (even the same), changing nothing
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
            current["last_operation"] = operation("update", "succeeded", "Operation succeeded")

        return _broker_operation(req, si, "update", updated)
    si["last_operation"] = operation("update", "succeeded", "Operation succeeded")
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
    if in_progress(si):
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
