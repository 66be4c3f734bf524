"""/v3/builds: staging a package into a droplet."""

from __future__ import annotations

from bgdeploy.cc.models import Build
from bgdeploy.cc.session import CloudController


def create(cc: CloudController, package_guid: str) -> Build:
    return Build.of(cc.post("/v3/builds", {"package": {"guid": package_guid}}).json())


def for_package(cc: CloudController, package_guid: str) -> list[Build]:
    return [Build.of(b) for b in cc.list("/v3/builds", package_guids=[package_guid], order_by="-created_at")]


def get(cc: CloudController, guid: str) -> Build:
    return Build.of(cc.get(f"/v3/builds/{guid}"))
