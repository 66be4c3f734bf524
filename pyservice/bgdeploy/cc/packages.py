"""/v3/packages: an app's bits, created, uploaded (streamed multipart) or copied from another app."""

from __future__ import annotations

from typing import Any, BinaryIO

from requests_toolbelt.multipart.encoder import MultipartEncoder

from bgdeploy.cc.models import Package
from bgdeploy.cc.session import CloudController


def create(cc: CloudController, app_guid: str, *, annotations: dict[str, str], docker_image: str | None = None,
           docker_username: str | None = None, docker_password: str | None = None) -> Package:
    body: dict[str, Any] = {"type": "docker" if docker_image else "bits",
                            "relationships": {"app": {"data": {"guid": app_guid}}},
                            "metadata": {"annotations": annotations}}
    if docker_image:
        data: dict[str, Any] = {"image": docker_image}
        if docker_username:
            data.update(username=docker_username, password=docker_password or "")
        body["data"] = data
    return Package.of(cc.post("/v3/packages", body).json())


def for_app(cc: CloudController, app_guid: str) -> list[Package]:
    return [Package.of(p) for p in cc.list(f"/v3/apps/{app_guid}/packages", order_by="-created_at")]


def get(cc: CloudController, guid: str) -> Package:
    return Package.of(cc.get(f"/v3/packages/{guid}"))


def upload(cc: CloudController, guid: str, bits: BinaryIO) -> None:
    """Stream a zip to the package (multipart, never whole in memory, never retried by the transport)."""
    form = MultipartEncoder(fields={"resources": "[]", "bits": ("package.zip", bits, "application/zip")})
    cc.request("POST", f"/v3/packages/{guid}/upload", data=form, headers={"Content-Type": form.content_type})
