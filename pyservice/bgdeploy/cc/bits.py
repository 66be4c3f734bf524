"""Packages, builds and droplets: getting an app's bits from the archive to a runnable droplet."""

from __future__ import annotations

import time
from typing import Any, BinaryIO

from requests_toolbelt.multipart.encoder import MultipartEncoder

from bgdeploy.cc.session import CloudController
from bgdeploy.errors import CloudControllerError, InfrastructureError, StepTimeoutError

Resource = dict[str, Any]


def latest_package(cc: CloudController, app_guid: str) -> Resource | None:
    return cc.first(f"/v3/apps/{app_guid}/packages", order_by="-created_at", types=["bits"])


def create_package(cc: CloudController, app_guid: str) -> Resource:
    body = {"type": "bits", "relationships": {"app": {"data": {"guid": app_guid}}}}
    return cc.post("/v3/packages", body).json()


def upload(cc: CloudController, package_guid: str, bits: BinaryIO) -> Resource:
    """Stream a zip to the package (multipart, never whole in memory)."""
    form = MultipartEncoder(fields={"resources": "[]", "bits": ("package.zip", bits, "application/zip")})
    resp = cc.request(
        "POST", f"/v3/packages/{package_guid}/upload", data=form,
        headers={"Content-Type": form.content_type},
    )
    assert resp is not None
    return resp.json()


def wait_package_ready(cc: CloudController, package_guid: str, timeout_s: float) -> Resource:
    def check() -> Resource | None:
        pkg = cc.get(f"/v3/packages/{package_guid}")
        if pkg["state"] == "READY":
            return pkg
        if pkg["state"] in ("FAILED", "EXPIRED"):
            raise InfrastructureError(f"Package processing failed: {(pkg.get('data') or {}).get('error')}")
        return None

    return poll(check, timeout_s, "Uploading the application")


def create_build(cc: CloudController, package_guid: str) -> Resource:
    return cc.post("/v3/builds", {"package": {"guid": package_guid}}).json()


def builds_for_app(cc: CloudController, app_guid: str) -> list[Resource]:
    return list(cc.list("/v3/builds", app_guids=[app_guid], order_by="-created_at"))


def wait_build(cc: CloudController, build_guid: str, timeout_s: float) -> Resource:
    def check() -> Resource | None:
        build = cc.get(f"/v3/builds/{build_guid}")
        if build["state"] == "STAGED":
            return build
        if build["state"] == "FAILED":
            raise CloudControllerError(422, "CF-StagingError", f"Staging failed: {build.get('error')}")
        return None

    return poll(check, timeout_s, "Staging the application")


def poll(check: Any, timeout_s: float, what: str, first_delay: float = 0.05, max_delay: float = 1.0) -> Any:
    """Call check() until it returns something; back off gently; fail after timeout_s."""
    deadline = time.monotonic() + timeout_s
    delay = first_delay
    while True:
        result = check()
        if result is not None:
            return result
        if time.monotonic() > deadline:
            raise StepTimeoutError(f"{what} did not finish within {int(timeout_s)} seconds")
        time.sleep(delay)
        delay = min(delay * 1.5, max_delay)
