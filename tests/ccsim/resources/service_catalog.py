"""Service catalog of the built-in broker: brokers, offerings and plans (read-only), and the `fields[...]`
projection helper."""

from __future__ import annotations

from typing import Any

from ..api import Req, Resp, endpoint, public, relationship
from ..query import TIMESTAMP_KEYS, filter_by

Resource = dict[str, Any]
NAME_ORDER = ("created_at", "updated_at", "name")


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


def broker_of(req: Req, off: Resource) -> Resource:
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
    items = filter_by(items, req.query, "service_broker_names", lambda o: broker_of(req, o)["name"])
    items = filter_by(items, req.query, "available", lambda o: str(o["available"]).lower())
    included = None
    if req.query.has("fields[service_broker]"):
        fields = req.query.list("fields[service_broker]") or []
        included = lambda page: {"service_brokers": [pick(present_broker(req, b), fields) for b in unique(  # noqa: E731
            [broker_of(req, o) for o in page])]}
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
                      lambda p: broker_of(req, off[p["offering_guid"]])["name"])
    items = filter_by(items, req.query, "available", lambda p: str(p["available"]).lower())
    si_guids = req.query.list("service_instance_guids")
    if si_guids is not None:
        plans = {store.tables["service_instances"][g].get("plan_guid") for g in si_guids
                 if g in store.tables["service_instances"]}
        items = [p for p in items if p["guid"] in plans]
    included = None
    if "service_offering" in includes:
        included = lambda page: {"service_offerings": [present_offering(req, o) for o in unique(  # noqa: E731
            [off[p["offering_guid"]] for p in page])]}
    return req.list_response(items, present_plan, NAME_ORDER, included)


@endpoint("GET", "/v3/service_plans/{guid}")
def show_plan(req: Req) -> Resource:
    return present_plan(req, req.sim.store.get("service_plans", req.params["guid"], "Service plan"))


def unique(items: list[Resource]) -> list[Resource]:
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
