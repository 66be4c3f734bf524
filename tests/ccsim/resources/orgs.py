"""Organizations, spaces, users, roles, domains and stacks."""

from __future__ import annotations

from typing import Any

from .. import access
from ..api import Req, Resp, endpoint, public, relationship
from ..errors import not_authorized, not_found, unprocessable
from ..query import TIMESTAMP_KEYS, filter_by
from ..validate import Checker, new_metadata

Resource = dict[str, Any]
NAME_ORDER = ("created_at", "updated_at", "name")


# ------------------------------------------------------------ presenters
def present_org(req: Req, org: Resource) -> Resource:
    guid = org["guid"]
    return {**public(org, "name", "suspended"), "relationships": {"quota": {"data": None}},
            "metadata": org["metadata"],
            "links": {"self": req.link(f"/v3/organizations/{guid}"),
                      "domains": req.link(f"/v3/organizations/{guid}/domains"),
                      "default_domain": req.link(f"/v3/organizations/{guid}/domains/default")}}


def present_space(req: Req, space: Resource) -> Resource:
    guid = space["guid"]
    return {**public(space, "name"),
            "relationships": {"organization": relationship(space["organization_guid"]),
                              "quota": relationship(space.get("quota_guid"))},
            "metadata": space["metadata"],
            "links": {"self": req.link(f"/v3/spaces/{guid}"),
                      "organization": req.link(f"/v3/organizations/{space['organization_guid']}"),
                      "features": req.link(f"/v3/spaces/{guid}/features"),
                      "apply_manifest": req.link(f"/v3/spaces/{guid}/actions/apply_manifest", "POST")}}


def present_user(req: Req, user: Resource) -> Resource:
    return {**public(user, "username", "origin"), "presentation_name": user["username"],
            "metadata": user["metadata"], "links": {"self": req.link(f"/v3/users/{user['guid']}")}}


def present_role(req: Req, role: Resource) -> Resource:
    links = {"self": req.link(f"/v3/roles/{role['guid']}"), "user": req.link(f"/v3/users/{role['user_guid']}")}
    if role["space_guid"]:
        links["space"] = req.link(f"/v3/spaces/{role['space_guid']}")
    if role["organization_guid"]:
        links["organization"] = req.link(f"/v3/organizations/{role['organization_guid']}")
    return {**public(role, "type"),
            "relationships": {"user": relationship(role["user_guid"]),
                              "space": relationship(role["space_guid"]),
                              "organization": relationship(role["organization_guid"])},
            "links": links}


def present_domain(req: Req, domain: Resource) -> Resource:
    guid = domain["guid"]
    links = {"self": req.link(f"/v3/domains/{guid}"),
             "route_reservations": req.link(f"/v3/domains/{guid}/route_reservations")}
    if domain["organization_guid"]:
        links["organization"] = req.link(f"/v3/organizations/{domain['organization_guid']}")
        links["shared_organizations"] = req.link(f"/v3/domains/{guid}/relationships/shared_organizations")
    return {**public(domain, "name", "internal"), "router_group": None, "supported_protocols": ["http"],
            "metadata": domain["metadata"],
            "relationships": {"organization": relationship(domain["organization_guid"]),
                              "shared_organizations": {"data": []}},
            "links": links}


def present_stack(req: Req, stack: Resource) -> Resource:
    return {**public(stack, "name", "description"), "build_rootfs_image": stack["name"],
            "run_rootfs_image": stack["name"], "default": True, "metadata": stack["metadata"],
            "links": {"self": req.link(f"/v3/stacks/{stack['guid']}")}}


# ------------------------------------------------------------ organizations
def visible_orgs(req: Req) -> list[Resource]:
    assert req.user is not None
    guids = access.readable_org_guids(req.sim, req.user)
    return [o for o in req.sim.store.all("organizations") if o["guid"] in guids]


@endpoint("GET", "/v3/organizations")
def list_orgs(req: Req) -> Resp:
    req.query.allow("names", "guids", "label_selector", *TIMESTAMP_KEYS)
    items = filter_by(visible_orgs(req), req.query, "names", lambda o: o["name"])
    items = filter_by(items, req.query, "guids", lambda o: o["guid"])
    return req.list_response(items, present_org, NAME_ORDER)


def get_org(req: Req, guid: str) -> Resource:
    org = req.sim.store.get("organizations", guid, "Organization")
    if org not in visible_orgs(req):
        raise not_found("Organization")
    return org


@endpoint("GET", "/v3/organizations/{guid}")
def show_org(req: Req) -> Resource:
    return present_org(req, get_org(req, req.params["guid"]))


@endpoint("GET", "/v3/organizations/{guid}/domains")
def org_domains(req: Req) -> Resp:
    req.query.allow("names", "guids", "label_selector", *TIMESTAMP_KEYS)
    org = get_org(req, req.params["guid"])
    items = [d for d in req.sim.store.all("domains") if d["organization_guid"] in (None, org["guid"])]
    items = filter_by(items, req.query, "names", lambda d: d["name"])
    items = filter_by(items, req.query, "guids", lambda d: d["guid"])
    return req.list_response(items, present_domain)


@endpoint("GET", "/v3/organizations/{guid}/domains/default")
def org_default_domain(req: Req) -> Resource:
    get_org(req, req.params["guid"])
    shared = [d for d in req.sim.store.all("domains") if d["organization_guid"] is None and not d["internal"]]
    if not shared:
        raise not_found("Domain")
    return present_domain(req, min(shared, key=lambda d: d["_seq"]))


# ------------------------------------------------------------ spaces
def visible_spaces(req: Req) -> list[Resource]:
    assert req.user is not None
    guids = access.readable_space_guids(req.sim, req.user)
    return [s for s in req.sim.store.all("spaces") if s["guid"] in guids]


@endpoint("GET", "/v3/spaces")
def list_spaces(req: Req) -> Resp:
    req.query.allow("names", "guids", "organization_guids", "label_selector", "include", *TIMESTAMP_KEYS)
    includes = req.query.includes("organization")
    items = filter_by(visible_spaces(req), req.query, "names", lambda s: s["name"])
    items = filter_by(items, req.query, "guids", lambda s: s["guid"])
    items = filter_by(items, req.query, "organization_guids", lambda s: s["organization_guid"])

    def included(page: list[Resource]) -> dict[str, list[Resource]]:
        orgs = {s["organization_guid"] for s in page}
        return {"organizations": [present_org(req, o) for o in req.sim.store.all("organizations") if o["guid"] in orgs]}

    return req.list_response(items, present_space, NAME_ORDER, included if includes else None)


def get_space(req: Req, guid: str) -> Resource:
    space = req.sim.store.get("spaces", guid, "Space")
    if space not in visible_spaces(req):
        raise not_found("Space")
    return space


@endpoint("GET", "/v3/spaces/{guid}")
def show_space(req: Req) -> Resource:
    return present_space(req, get_space(req, req.params["guid"]))


@endpoint("GET", "/v3/spaces/{guid}/features/{name}")
def space_feature(req: Req) -> Resource:
    get_space(req, req.params["guid"])
    if req.params["name"] != "ssh":
        raise not_found("Feature")
    return {"name": "ssh", "description": "Enable SSHing into apps in the space.", "enabled": False}


# ------------------------------------------------------------ users and roles
@endpoint("GET", "/v3/users/{guid}")
def show_user(req: Req) -> Resource:
    user = req.sim.store.get("users", req.params["guid"], "User")
    assert req.user is not None
    if user["guid"] != req.user["guid"]:
        raise not_found("User")
    return present_user(req, user)


def _visible_roles(req: Req) -> list[Resource]:
    """CC's `readable_roles`: roles in spaces the user can read, and org roles of orgs they belong to."""
    assert req.user is not None
    spaces = access.readable_space_guids(req.sim, req.user)
    orgs = access.readable_org_guids(req.sim, req.user)
    return [r for r in req.sim.store.all("roles") if r["space_guid"] in spaces or r["organization_guid"] in orgs]


def _roles_included(req: Req, includes: list[str]) -> Any:
    store = req.sim.store

    def included(page: list[Resource]) -> dict[str, list[Resource]]:
        out: dict[str, list[Resource]] = {}
        for name, key, kind, present in (("user", "user_guid", "users", present_user),
                                         ("space", "space_guid", "spaces", present_space),
                                         ("organization", "organization_guid", "organizations", present_org)):
            if name in includes:
                guids = dict.fromkeys(r[key] for r in page if r[key])
                out[kind] = [present(req, store.tables[kind][g]) for g in guids]
        return out

    return included if includes else None


@endpoint("GET", "/v3/roles")
def list_roles(req: Req) -> Resp:
    req.query.allow("guids", "types", "space_guids", "organization_guids", "user_guids", "include", *TIMESTAMP_KEYS,
                    invalid_status=422)  # CC answers bad parameters of the roles endpoints with a 422
    includes = req.query.includes("user", "space", "organization")
    items = _visible_roles(req)
    for key, field in (("guids", "guid"), ("types", "type"), ("space_guids", "space_guid"),
                       ("organization_guids", "organization_guid"), ("user_guids", "user_guid")):
        items = filter_by(items, req.query, key, lambda r, f=field: r[f])
    return req.list_response(items, present_role, labels=False, included=_roles_included(req, includes))


@endpoint("GET", "/v3/roles/{guid}")
def show_role(req: Req) -> Resource:
    req.query.allow("include", paging=False, invalid_status=422)
    includes = req.query.includes("user", "space", "organization")
    role = next((r for r in _visible_roles(req) if r["guid"] == req.params["guid"]), None)
    if role is None:
        raise not_found("Role")
    body = present_role(req, role)
    included = _roles_included(req, includes)
    if included:
        body["included"] = included([role])
    return body


# ------------------------------------------------------------ domains
def visible_domains(req: Req) -> list[Resource]:
    assert req.user is not None
    orgs = access.readable_org_guids(req.sim, req.user)
    return [d for d in req.sim.store.all("domains") if d["organization_guid"] is None or d["organization_guid"] in orgs]


def get_domain(req: Req, guid: str) -> Resource:
    domain = req.sim.store.get("domains", guid, "Domain")
    if domain not in visible_domains(req):
        raise not_found("Domain")
    return domain


@endpoint("GET", "/v3/domains")
def list_domains(req: Req) -> Resp:
    req.query.allow("names", "guids", "organization_guids", "label_selector", *TIMESTAMP_KEYS)
    items = filter_by(visible_domains(req), req.query, "names", lambda d: d["name"])
    items = filter_by(items, req.query, "guids", lambda d: d["guid"])
    items = filter_by(items, req.query, "organization_guids", lambda d: d["organization_guid"])
    return req.list_response(items, present_domain)


@endpoint("GET", "/v3/domains/{guid}")
def show_domain(req: Req) -> Resource:
    return present_domain(req, get_domain(req, req.params["guid"]))


@endpoint("POST", "/v3/domains")
def create_domain(req: Req) -> Resp:
    check = Checker(req.json(), ("name", "internal", "router_group", "organization", "relationships", "metadata"))
    name = check.string("name", required=True, max_len=253)
    internal = check.boolean("internal") or False
    rels = check.relationships((), ("organization", "shared_organizations"))
    metadata = check.metadata()
    check.done()
    assert req.user is not None and name is not None
    org_guid = rels.get("organization")
    if org_guid is None:
        raise not_authorized()  # shared domains need an admin
    if org_guid not in access.readable_org_guids(req.sim, req.user):
        raise unprocessable(f"Organization with guid '{org_guid}' does not exist or you do not have access to it.")
    if not any(r["type"] == "organization_manager" and r["organization_guid"] == org_guid
               and r["user_guid"] == req.user["guid"] for r in req.sim.store.all("roles")):
        raise not_authorized()
    if any(d["name"] == name.lower() for d in req.sim.store.all("domains")):
        raise unprocessable(f"The domain name \"{name}\" is already in use")
    domain = req.sim.store.add("domains", {"name": name.lower(), "organization_guid": org_guid, "internal": internal,
                                           "metadata": new_metadata(metadata)})
    return Resp(201, present_domain(req, domain))


@endpoint("GET", "/v3/domains/{guid}/route_reservations")
def route_reservations(req: Req) -> Resource:
    req.query.allow("host", "path", "port", paging=False)
    domain = get_domain(req, req.params["guid"])
    host, path = req.query.get("host") or "", req.query.get("path") or ""
    match = any(r["domain_guid"] == domain["guid"] and r["host"] == host and r["path"] == path
                for r in req.sim.store.all("routes"))
    return {"matching_route": match}


# ------------------------------------------------------------ stacks
@endpoint("GET", "/v3/stacks")
def list_stacks(req: Req) -> Resp:
    req.query.allow("names", "default", "label_selector", *TIMESTAMP_KEYS)
    items = filter_by(req.sim.store.all("stacks"), req.query, "names", lambda s: s["name"])
    return req.list_response(items, present_stack, NAME_ORDER)
