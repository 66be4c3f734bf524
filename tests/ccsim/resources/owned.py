"""Lookups shared by the resources an app owns (packages, builds, droplets, tasks): visibility follows
the app's space."""

from __future__ import annotations

from typing import Any

from .. import access
from ..api import Req
from ..query import filter_by
from .apps import visible_apps

Resource = dict[str, Any]


def visible_owned(req: Req, kind: str) -> list[Resource]:
    apps = {a["guid"] for a in visible_apps(req)}
    return [r for r in req.sim.store.all(kind) if r["app_guid"] in apps]


def get_owned(req: Req, kind: str, guid: str, missing: str, write: bool = False, manage: bool = False) -> Resource:
    """The resource or 404 "<missing> not found"; `write`: 403 unless space developer; `manage`: 403 unless
    space developer or supporter."""
    res = req.sim.store.get(kind, guid, missing)
    space_guid = owner_space(req.sim, res)
    assert req.user is not None
    if manage:
        access.check_manage(req.sim, req.user, space_guid, missing)
    elif write:
        access.check_write(req.sim, req.user, space_guid, missing)
    else:
        access.check_read(req.sim, req.user, space_guid, missing)
    return res


def owner_space(sim: Any, res: Resource) -> str:
    return str(sim.store.tables["apps"][res["app_guid"]]["space_guid"])


def space_org_filters(req: Req, items: list[Resource]) -> list[Resource]:
    """`space_guids` and `organization_guids` filters through the owning app."""
    store = req.sim.store
    items = filter_by(items, req.query, "space_guids", lambda r: owner_space(req.sim, r))
    return filter_by(items, req.query, "organization_guids",
                     lambda r: store.tables["spaces"][owner_space(req.sim, r)]["organization_guid"])


def can_read_secrets(req: Req, space_guid: str) -> bool:
    assert req.user is not None
    return access.can_write_space(req.sim, req.user, space_guid)
