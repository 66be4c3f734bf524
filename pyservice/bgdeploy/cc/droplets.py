"""/v3/droplets: copying a staged droplet to another app (no upload, no staging)."""

from __future__ import annotations

from bgdeploy.cc.models import Droplet
from bgdeploy.cc.session import CloudController


def copy(cc: CloudController, source_guid: str, app_guid: str) -> Droplet:
    body = {"relationships": {"app": {"data": {"guid": app_guid}}}}
    return Droplet.of(cc.post("/v3/droplets", body, params={"source_guid": source_guid}).json())


def for_app(cc: CloudController, app_guid: str) -> list[Droplet]:
    return [Droplet.of(d) for d in cc.list(f"/v3/apps/{app_guid}/droplets", order_by="-created_at")]


def staged_by_app(cc: CloudController, app_guids: list[str]) -> dict[str, list[str]]:
    """app guid -> guids of its STAGED droplets, for several apps in one request."""
    if not app_guids:
        return {}
    found: dict[str, list[str]] = {}
    for res in cc.list("/v3/droplets", app_guids=sorted(set(app_guids)), states=["STAGED"]):
        app = (((res.get("relationships") or {}).get("app") or {}).get("data") or {}).get("guid") or \
            str(((res.get("links") or {}).get("app") or {}).get("href", "")).rsplit("/", 1)[-1]
        found.setdefault(app, []).append(res["guid"])
    return found


def get(cc: CloudController, guid: str) -> Droplet | None:
    found = cc.get_or_none(f"/v3/droplets/{guid}")
    return Droplet.of(found) if found else None
