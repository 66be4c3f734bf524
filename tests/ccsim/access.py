"""Who may see and change what: CC's role model reduced to org and space roles.

Readers of a space: any space role in it, or organization_manager of its org. Writers (create apps,
packages, tasks, bindings...): space_developer. App managers (start/stop, scale, env, droplet, builds,
routes, cancel tasks): space_developer or space_supporter. Secrets (env, credentials, task commands):
space_developer. Org writers (space quotas): organization_manager.
A resource the user cannot read answers 404 (as if absent); one they can read but not write answers 403.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .errors import not_authorized, not_found, unprocessable

if TYPE_CHECKING:
    from .simulator import Simulator

SPACE_ROLES = ("space_developer", "space_manager", "space_auditor", "space_supporter")
ORG_ROLES = ("organization_user", "organization_manager", "organization_auditor", "organization_billing_manager")
WRITERS = ("space_developer",)
APP_MANAGERS = ("space_developer", "space_supporter")


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


def has_space_role(sim: Simulator, user: dict[str, Any], space_guid: str, types: tuple[str, ...]) -> bool:
    return any(r["type"] in types and r["space_guid"] == space_guid for r in _roles(sim, user))


def can_write_space(sim: Simulator, user: dict[str, Any], space_guid: str) -> bool:
    return has_space_role(sim, user, space_guid, WRITERS)


def manages_org(sim: Simulator, user: dict[str, Any], org_guid: str) -> bool:
    return any(r["type"] == "organization_manager" and r["organization_guid"] == org_guid for r in _roles(sim, user))


def check_read(sim: Simulator, user: dict[str, Any], space_guid: str, missing: str) -> None:
    if space_guid not in readable_space_guids(sim, user):
        raise not_found(missing)


def check_write(sim: Simulator, user: dict[str, Any], space_guid: str, missing: str,
                roles: tuple[str, ...] = WRITERS) -> None:
    """404 `<missing> not found` if unreadable, 403 without one of `roles` in the space."""
    check_read(sim, user, space_guid, missing)
    if not has_space_role(sim, user, space_guid, roles):
        raise not_authorized()


def check_manage(sim: Simulator, user: dict[str, Any], space_guid: str, missing: str) -> None:
    """Like check_write, for what CC lets space supporters do too (`can_manage_apps_in_active_space`)."""
    check_write(sim, user, space_guid, missing, APP_MANAGERS)


def check_target_space(sim: Simulator, user: dict[str, Any], space_guid: str,
                       roles: tuple[str, ...] = WRITERS) -> None:
    """For creates naming a space: CC's 422 if the space is invisible, 403 without one of `roles`."""
    if sim.store.find("spaces", space_guid) is None or space_guid not in readable_space_guids(sim, user):
        raise unprocessable("Invalid space. Ensure that the space exists and you have access to it.")
    if not has_space_role(sim, user, space_guid, roles):
        raise not_authorized()
