"""Space quotas (`/v3/space_quotas`): created by organization managers, applied to spaces of their org.
Enforcement lives in `ccsim.quotas`. None is unlimited."""

from __future__ import annotations

import json
from typing import Any

from .. import access
from ..api import Req, Resp, endpoint, job_accepted, public, relationship
from ..errors import not_authorized, not_found, unprocessable
from ..query import TIMESTAMP_KEYS, filter_by
from ..validate import Checker, human
from . import jobs

Resource = dict[str, Any]
LIMITS = {
    "apps": ("total_memory_in_mb", "per_process_memory_in_mb", "total_instances", "per_app_tasks",
             "log_rate_limit_in_bytes_per_second"),
    "services": ("paid_services_allowed", "total_service_instances", "total_service_keys"),
    "routes": ("total_routes", "total_reserved_ports"),
}


def present_quota(req: Req, quota: Resource) -> Resource:
    g = quota["guid"]
    visible = _visible_spaces(req)
    spaces = [{"guid": s["guid"]} for s in _spaces_of(req.sim, quota) if s["guid"] in visible]
    return {**public(quota, "name", "apps", "services", "routes"),
            "relationships": {"organization": relationship(quota["organization_guid"]), "spaces": {"data": spaces}},
            "links": {"self": req.link(f"/v3/space_quotas/{g}"),
                      "organization": req.link(f"/v3/organizations/{quota['organization_guid']}")}}


def _visible_spaces(req: Req) -> set[str]:
    assert req.user is not None
    return access.readable_space_guids(req.sim, req.user)


def _spaces_of(sim: Any, quota: Resource) -> list[Resource]:
    return [s for s in sim.store.all("spaces") if s.get("quota_guid") == quota["guid"]]


def _readable(req: Req, quota: Resource) -> bool:
    """CC: quotas applied to a space the user has a space role in, or owned by an org they manage."""
    assert req.user is not None
    if access.manages_org(req.sim, req.user, quota["organization_guid"]):
        return True
    return any(access.has_space_role(req.sim, req.user, s["guid"], access.SPACE_ROLES)
               for s in _spaces_of(req.sim, quota))


def _get(req: Req, write: bool = False) -> Resource:
    quota = req.sim.store.find("space_quotas", req.params["guid"])
    if quota is None or not _readable(req, quota):
        raise not_found("Space quota")
    assert req.user is not None
    if write and not access.manages_org(req.sim, req.user, quota["organization_guid"]):
        raise not_authorized()
    return quota


def _limits(check: Checker, current: Resource | None) -> Resource:
    """The apps/services/routes objects of a create or update, merged over `current`."""
    out = {group: dict((current or {}).get(group) or dict.fromkeys(keys)) for group, keys in LIMITS.items()}
    if current is None:
        out["services"]["paid_services_allowed"] = True
    for group, keys in LIMITS.items():
        value = check.body.get(group)
        if group not in check.body:
            continue
        if not isinstance(value, dict):
            check.add(f"{human(group)} must be an object")
            continue
        extra = [k for k in value if k not in keys]
        if extra:
            check.add(f"{human(group)} Unknown field(s): '" + "', '".join(extra) + "'")
        for key in keys:
            if key not in value:
                continue
            limit = value[key]
            if key == "paid_services_allowed":
                if not isinstance(limit, bool):
                    check.add(f"{human(group)} {human(key)} must be a boolean")
            elif limit is not None and (isinstance(limit, bool) or not isinstance(limit, int)):
                check.add(f"{human(group)} {human(key)} " + ("must be an integer" if isinstance(limit, float)
                                                             else "is not a number"))
            elif limit is not None and limit < 0:
                check.add(f"{human(group)} {human(key)} must be greater than or equal to 0")
            out[group][key] = limit
    return out


def _name(check: Checker, required: bool) -> str | None:
    name = check.string("name", required=required, max_len=250)
    if name is not None and not name.strip() and not required:
        check.add("Name can't be blank")
    return name


def _name_taken(req: Req, org_guid: str, name: str, except_guid: str | None = None) -> None:
    if any(q["name"] == name and q["organization_guid"] == org_guid and q["guid"] != except_guid
           for q in req.sim.store.all("space_quotas")):
        raise unprocessable(f"Space Quota '{name}' already exists.")


def _ruby_list(guids: list[str]) -> str:
    return json.dumps(guids).replace('","', '", "')


@endpoint("POST", "/v3/space_quotas")
def create_quota(req: Req) -> Resp:
    check = req.checker(("name", "apps", "services", "routes", "relationships"))
    name = _name(check, required=True)
    limits = _limits(check, None)
    rels = check.body.get("relationships")
    org_rel = rels.get("organization") if isinstance(rels, dict) else None
    org_guid = (org_rel.get("data") or {}).get("guid") if isinstance(org_rel, dict) else None
    if not isinstance(org_guid, str):
        check.add("Relationships Organization must be structured like this: "
                  "\"organization: {\"data\": {\"guid\": \"valid-guid\"}}\"")
    space_guids = _space_guids(check, rels.get("spaces") if isinstance(rels, dict) else None)
    check.done()
    assert req.user is not None and name is not None and isinstance(org_guid, str)
    store = req.sim.store
    if store.find("organizations", org_guid) is None:
        raise unprocessable(f"Organization with guid '{org_guid}' does not exist, or you do not have access to it.")
    if not access.manages_org(req.sim, req.user, org_guid):
        raise not_authorized()
    _name_taken(req, org_guid, name)
    spaces = [store.find("spaces", g) for g in space_guids]
    bad = [g for g, s in zip(space_guids, spaces, strict=True) if s is None or s["organization_guid"] != org_guid]
    if bad:
        raise unprocessable(f"Spaces with guids {_ruby_list(bad)} do not exist within the organization specified, "
                            "or you do not have access to them.")
    quota = store.add("space_quotas", {"name": name, "organization_guid": org_guid, **limits})
    for space in spaces:
        assert space is not None
        space["quota_guid"] = quota["guid"]
    return Resp(201, present_quota(req, quota))


def _space_guids(check: Checker, spaces: Any) -> list[str]:
    if spaces is None:
        return []
    data = spaces.get("data") if isinstance(spaces, dict) else None
    if not isinstance(data, list) or not all(isinstance(d, dict) and isinstance(d.get("guid"), str) for d in data):
        check.add("Relationships Spaces must be structured like this: \"spaces: {\"data\": [{\"guid\": "
                  "\"valid-guid\"}]}\"")
        return []
    return [d["guid"] for d in data]


@endpoint("GET", "/v3/space_quotas")
def list_quotas(req: Req) -> Resp:
    req.query.allow("guids", "names", "organization_guids", "space_guids", *TIMESTAMP_KEYS,
                    invalid_status=422)  # CC answers bad parameters of this list with a 422
    items = [q for q in req.sim.store.all("space_quotas") if _readable(req, q)]
    for key, field in (("guids", "guid"), ("names", "name"), ("organization_guids", "organization_guid")):
        items = filter_by(items, req.query, key, lambda r, f=field: r[f])
    wanted = req.query.list("space_guids")
    if wanted is not None:
        items = [q for q in items if any(s["guid"] in wanted for s in _spaces_of(req.sim, q))]
    return req.list_response(items, present_quota, labels=False)


@endpoint("GET", "/v3/space_quotas/{guid}")
def show_quota(req: Req) -> Resource:
    return present_quota(req, _get(req))


@endpoint("PATCH", "/v3/space_quotas/{guid}")
def update_quota(req: Req) -> Resource:
    quota = _get(req, write=True)
    check = req.checker(("name", "apps", "services", "routes"))
    name = _name(check, required=False)
    limits = _limits(check, quota)
    check.done()
    if name is not None:
        _name_taken(req, quota["organization_guid"], name, quota["guid"])
        quota["name"] = name
    quota.update(limits)
    req.sim.store.touch(quota)
    return present_quota(req, quota)


@endpoint("DELETE", "/v3/space_quotas/{guid}")
def delete_quota(req: Req) -> Resp:
    quota = _get(req, write=True)
    if _spaces_of(req.sim, quota):
        raise unprocessable("This quota is applied to one or more spaces. Remove this quota from all spaces before "
                            "deleting.")
    guid = quota["guid"]
    job = jobs.start(req.sim, "space_quota.delete", ("space_quota", guid), req.sim.config.job_s,
                     lambda job: req.sim.store.remove("space_quotas", guid))
    return job_accepted(req, job)


@endpoint("POST", "/v3/space_quotas/{guid}/relationships/spaces")
def apply_quota(req: Req) -> Resource:
    quota = _get(req, write=True)
    check = req.checker(("data",))
    data = check.body.get("data")
    if data is None:
        check.add("Data can't be blank")
    elif not isinstance(data, list):
        check.add("Data must be an array")
    else:
        for index, item in enumerate(data):
            if not isinstance(item, dict) or not isinstance(item.get("guid"), str):
                check.add(f"Invalid data type: Data[{index}] guid should be a string.")
    check.done()
    assert isinstance(data, list)
    store, visible = req.sim.store, _visible_spaces(req)
    guids = [d["guid"] for d in data]
    invalid = [g for g in guids if store.find("spaces", g) is None or g not in visible]
    if invalid:
        raise unprocessable(f"Spaces with guids {_ruby_list(invalid)} do not exist, or you do not have access to them.")
    spaces = [store.tables["spaces"][g] for g in guids]
    if any(s["organization_guid"] != quota["organization_guid"] for s in spaces):
        raise unprocessable("Space quotas cannot be applied outside of their owning organization.")
    for space in spaces:
        space["quota_guid"] = quota["guid"]
        store.touch(space)
    return {"data": [{"guid": s["guid"]} for s in _spaces_of(req.sim, quota)],
            "links": {"self": req.link(f"/v3/space_quotas/{quota['guid']}/relationships/spaces")}}


@endpoint("DELETE", "/v3/space_quotas/{guid}/relationships/spaces/{space_guid}")
def remove_quota(req: Req) -> Resp:
    quota = _get(req, write=True)
    space_guid = req.params["space_guid"]
    space = req.sim.store.find("spaces", space_guid)
    if space is None or space.get("quota_guid") != quota["guid"]:
        raise unprocessable(f"Unable to remove quota from space with guid '{space_guid}'. Ensure the space quota is "
                            "applied to this space.")
    space["quota_guid"] = None
    req.sim.store.touch(space)
    return Resp(204)
