"""App features (`/v3/apps/:guid/features`) and `/v3/apps/:guid/ssh_enabled`. The flags are stored and
reported; none changes what the simulator does (no SSH, no revisions are simulated)."""

from __future__ import annotations

from typing import Any

from ..api import Req, endpoint
from ..errors import not_found, unprocessable
from .apps import get_app

Resource = dict[str, Any]
DESCRIPTIONS = {
    "ssh": "Enable SSHing into the app.",
    "revisions": "Enable versioning of an application",
    "service-binding-k8s": "Enable k8s service bindings for the app",
    "file-based-vcap-services": "Enable file-based VCAP service bindings for the app",
}
BINDING_FEATURES = ("service-binding-k8s", "file-based-vcap-services")


def _present(app: Resource, name: str) -> Resource:
    return {"name": name, "description": DESCRIPTIONS[name], "enabled": app["features"][name]}


@endpoint("GET", "/v3/apps/{guid}/features")
def list_features(req: Req) -> Resource:
    app = get_app(req, req.params["guid"])
    href = req.link(f"/v3/apps/{app['guid']}/features")
    resources = [_present(app, name) for name in DESCRIPTIONS]
    return {"resources": resources, "pagination": {"total_results": len(resources), "total_pages": 1,
                                                   "first": href, "last": href, "next": None, "previous": None}}


def _feature_name(req: Req) -> str:
    name = req.params["name"]
    if name not in DESCRIPTIONS:
        raise not_found("Feature")
    return name


@endpoint("GET", "/v3/apps/{guid}/features/{name}")
def show_feature(req: Req) -> Resource:
    app = get_app(req, req.params["guid"])
    return _present(app, _feature_name(req))


@endpoint("PATCH", "/v3/apps/{guid}/features/{name}")
def update_feature(req: Req) -> Resource:
    app = get_app(req, req.params["guid"])
    name = _feature_name(req)
    # CC: revisions may be switched by space supporters too, the others by space developers only
    get_app(req, app["guid"], manage=name == "revisions", write=name != "revisions")
    check = req.checker(("enabled",))
    if not isinstance(check.body.get("enabled"), bool):
        check.add("Enabled must be a boolean")
    check.done()
    enabled = check.body["enabled"]
    other = next((f for f in BINDING_FEATURES if f != name), None) if name in BINDING_FEATURES else None
    if enabled and other and app["features"][other]:
        raise unprocessable(f"'{BINDING_FEATURES[1]}' and '{BINDING_FEATURES[0]}' features cannot be enabled at "
                            "the same time.")
    app["features"][name] = enabled
    req.sim.store.touch(app)
    return _present(app, name)


@endpoint("GET", "/v3/apps/{guid}/ssh_enabled")
def ssh_enabled(req: Req) -> Resource:
    """SSH is enabled globally here, but the space feature `ssh` is off (see orgs.space_feature)."""
    app = get_app(req, req.params["guid"])
    space = req.sim.store.tables["spaces"][app["space_guid"]]
    return {"enabled": False, "reason": f"ssh is disabled for space '{space['name']}'"}
