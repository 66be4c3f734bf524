"""/v3/roles: the space roles of one user, read with that user's own token (CC shows users their roles)."""

from __future__ import annotations

from bgdeploy.cc.session import CloudController

SPACE_ROLES = ("space_developer", "space_manager", "space_auditor", "space_supporter")


def space_roles(cc: CloudController, user_guid: str, space_guid: str) -> set[str]:
    found = cc.list("/v3/roles", user_guids=[user_guid], space_guids=[space_guid], types=list(SPACE_ROLES))
    return {r["type"] for r in found if r.get("type") in SPACE_ROLES}


def space_visible(cc: CloudController, space_guid: str) -> bool:
    """The token is valid and can see the space (for admins, who hold no roles)."""
    return cc.get_or_none(f"/v3/spaces/{space_guid}") is not None
