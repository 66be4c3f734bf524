"""/v3/apps/:guid/features/:name: an app's feature flags (ssh, revisions, file-based-vcap-services, ...)."""

from __future__ import annotations

from bgdeploy.cc.session import CloudController


def enabled(cc: CloudController, app_guid: str, name: str) -> bool:
    """Raises cc.errors.NotFound for a feature this Cloud Controller does not know."""
    return bool(cc.get(f"/v3/apps/{app_guid}/features/{name}").get("enabled"))


def set_enabled(cc: CloudController, app_guid: str, name: str, value: bool) -> None:
    cc.patch(f"/v3/apps/{app_guid}/features/{name}", {"enabled": value})
