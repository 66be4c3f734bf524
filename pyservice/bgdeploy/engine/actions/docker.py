"""Docker modules (`parameters.docker: {image, username, password}`): the app has the docker lifecycle and
gets a docker package of the image instead of bits from the archive.

As the deploy service does, every deploy creates a new package (a tag such as `latest` may name a new
image), found again by this operation's annotation after a lost answer. The registry password goes to
Cloud Controller only (which never echoes it); the digest annotation carries the image name alone.
"""

from __future__ import annotations

from bgdeploy import messages as msg
from bgdeploy.cc import packages as cc_packages
from bgdeploy.cc.models import Package
from bgdeploy.engine.actions.apps import DIGEST_ANNOTATION
from bgdeploy.engine.actions.bits import OPERATION_ANNOTATION
from bgdeploy.engine.actions.create import create_or_adopt
from bgdeploy.engine.plan import AppWork
from bgdeploy.engine.step import StepContext
from bgdeploy.mta.model import AppSpec

_USABLE_STATES = ("READY", "COPYING")


def digest(spec: AppSpec) -> str:
    """What the app's digest annotation records for a docker module: the image, never a credential."""
    return f"docker:{spec.docker_image}"


def ensure_package(ctx: StepContext, work: AppWork, spec: AppSpec) -> None:
    """This operation's docker package for the image (created once), remembered in `work.package_guid`."""
    cc = ctx.cc
    annotations = {OPERATION_ANNOTATION: ctx.op.id, DIGEST_ANNOTATION: work.digest}

    def find() -> Package | None:
        return next((p for p in cc_packages.for_app(cc, work.guid)
                     if p.annotations.get(OPERATION_ANNOTATION) == ctx.op.id
                     and p.annotations.get(DIGEST_ANNOTATION) == work.digest and p.state in _USABLE_STATES), None)

    package = cc_packages.get(cc, work.package_guid) if work.package_guid else find()
    if package is None or package.state not in _USABLE_STATES:
        ctx.log.info(msg.UPLOADING_APP.format(app=work.name), app=work.name, module=spec.module)
        credentials = spec.docker_credentials or {}
        package = create_or_adopt(find, lambda: cc_packages.create(
            cc, work.guid, annotations=annotations, docker_image=spec.docker_image,
            docker_username=credentials.get("username"), docker_password=credentials.get("password")))
    work.package_guid = package.guid
    ctx.save()
