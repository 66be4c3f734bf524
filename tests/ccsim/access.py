"""Who may see and change what: CC's role model reduced to org and space roles.

Readers of a space: any space role in it, or organization_manager of its org. Writers: space_developer.
A resource the user cannot read answers 404 (as if absent); one they can read but not write answers 403.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .errors import not_authorized, not_found, unprocessable

if TYPE_CHECKING:
    from .simulator import Simulator

SPACE_ROLES = ("space_developer", "space_manager", "space_auditor", "space_supporter")
ORG_ROLES = ("organization_user", "organization_manager", "organization_auditor", "organization_billing_manager")


def _roles(sim: Simulator, user: dict[str, Any]) -> list[dict[str, Any]]:
    return [r for r in sim.store.all("roles") if r["user_guid"] == user["guid"]]


def readable_space_guids(sim: Simulator, user: dict[str, Any]) -> set[str]:
    guids = set()
    managed_orgs = set()
    for role in _roles(sim, user):
        if role["type"] in SPACE_ROLES:
            guids.add(role["space_guid"])
        elif role["type"] == "organization_manager":
            managed_orgs.add(role["organization_guid"])
    for space in sim.store.all("spaces"):
        if space["organization_guid"] in managed_orgs:
            guids.add(space["guid"])
    return guids


def readable_org_guids(sim: Simulator, user: dict[str, Any]) -> set[str]:
    guids = {r["organization_guid"] for r in _roles(sim, user) if r["type"] in ORG_ROLES}
    for space_guid in readable_space_guids(sim, user):
        space = sim.store.find("spaces", space_guid)
        if space:
            guids.add(space["organization_guid"])
    return guids


def can_write_space(sim: Simulator, user: dict[str, Any], space_guid: str) -> bool:
    return any(r["type"] == "space_developer" and r["space_guid"] == space_guid for r in _roles(sim, user))


def check_read(sim: Simulator, user: dict[str, Any], space_guid: str, missing: str) -> None:
    if space_guid not in readable_space_guids(sim, user):
        raise not_found(missing)


def check_write(sim: Simulator, user: dict[str, Any], space_guid: str, missing: str) -> None:
    """404 `<missing> not found` if unreadable, 403 if readable but not a space developer."""
    check_read(sim, user, space_guid, missing)
    if not can_write_space(sim, user, space_guid):
        raise not_authorized()


def check_target_space(sim: Simulator, user: dict[str, Any], space_guid: str) -> None:
    """For creates naming a space: CC's 422 if the space is invisible, 403 without the developer role."""
    if sim.store.find("spaces", space_guid) is None or space_guid not in readable_space_guids(sim, user):
        raise unprocessable("Invalid space. Ensure that the space exists and you have access to it.")
    if not can_write_space(sim, user, space_guid):
        raise not_authorized()
