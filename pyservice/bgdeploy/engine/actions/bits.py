"""An app's bits: from the archive to a staged droplet, each stage safe to repeat.

The package carries this operation's id and the content digest in its annotations, so after a lost answer
the package we created is found again rather than created twice; only builds of *that* package are
adopted; an upload whose answer was lost is recognised by the package's state.
"""

from __future__ import annotations

import hashlib
import tempfile
import zipfile
from typing import IO, Any

from bgdeploy import messages as msg
from bgdeploy import mta
from bgdeploy.cc import apps as cc_apps
from bgdeploy.cc import builds as cc_builds
from bgdeploy.cc import droplets as cc_droplets
from bgdeploy.cc import packages as cc_packages
from bgdeploy.cc.errors import BitsAlreadyUploaded, StagingInProgress, Unavailable
from bgdeploy.cc.models import Build, Droplet, Package
from bgdeploy.engine.actions.apps import DIGEST_ANNOTATION, mark_restart
from bgdeploy.engine.actions.create import create_or_adopt
from bgdeploy.engine.plan import AppWork, DeployedApp
from bgdeploy.engine.step import StepContext
from bgdeploy.errors import CloudControllerError, ContentError, InfrastructureError
from bgdeploy.mta.model import AppSpec

OPERATION_ANNOTATION = "bgdeploy/operation"
UPLOAD_ATTEMPTS = 3
_LIVE_PACKAGE_STATES = ("AWAITING_UPLOAD", "PROCESSING_UPLOAD", "READY", "COPYING")
_CHUNK = 1 << 20


def write_bits(ctx: StepContext, spec: AppSpec, out: IO[bytes]) -> str:
    """Write the module's bits (a zip) to `out`; returns their content digest."""
    if spec.content is None:
        raise ContentError(f'Module "{spec.module}" has no content in the archive (no "path")')
    with mta.open_archive(ctx.archive_path, ctx.op.archive_name) as archive:
        archive.write_module_bits(spec.module, out)
    out.flush()
    try:
        return content_digest(out)
    except zipfile.BadZipFile as exc:
        raise ContentError(f'content of module "{spec.module}" is not a valid zip: {exc}') from None


def content_digest(bits: IO[bytes]) -> str:
    """SHA-256 over the zip's files (name, executable bit, content) in name order: the same for the same
    files however the zip was made (dates, compression, entry order), so a rebuilt archive with unchanged
    module content is recognised as unchanged."""
    bits.seek(0)
    sha = hashlib.sha256()
    with zipfile.ZipFile(bits) as zipped:
        for info in sorted(zipped.infolist(), key=lambda i: i.filename):
            executable = bool((info.external_attr >> 16) & 0o111)
            sha.update(f"{len(info.filename)}:{info.filename}:{int(executable)}:{info.file_size}\n".encode())
            if info.is_dir():
                continue
            with zipped.open(info) as member:
                while chunk := member.read(_CHUNK):
                    sha.update(chunk)
    bits.seek(0)
    return sha.hexdigest()


def unchanged_source(ctx: StepContext, work: AppWork, module: str) -> DeployedApp | None:
    """A deployed app of the module (the live colour) whose bits have this digest, other than the new one."""
    return next((a for a in ctx.plan.deployed if a.module == module and a.digest == work.digest
                 and a.guid != work.guid), None)


def copy_droplet(ctx: StepContext, work: AppWork, source: DeployedApp) -> str | None:
    """Copy the source app's current droplet to the new app (no upload, no staging); the copy's guid, or
    None when there is nothing to copy or CC refuses the copy (the caller uploads instead)."""
    cc = ctx.cc
    source_droplet = _live_droplet(ctx, source)
    if not source_droplet:
        return None

    def find() -> Droplet | None:
        return next((d for d in cc_droplets.for_app(cc, work.guid) if d.state in ("COPYING", "STAGED")), None)

    try:
        return create_or_adopt(find, lambda: cc_droplets.copy(cc, source_droplet, work.guid)).guid
    except CloudControllerError as exc:
        if exc.status in (400, 403, 404, 422):
            ctx.log.debug(f"droplet copy from {source.name} refused ({exc}); uploading instead")
            return None
        raise


def _live_droplet(ctx: StepContext, source: DeployedApp) -> str | None:
    """The source app's current droplet. The deployed apps' staged droplets are listed once for all (an
    app with exactly one is using it); an app with several is asked which is current."""
    with ctx.lock:
        if ctx.plan.live_droplets is None:
            staged = cc_droplets.staged_by_app(ctx.cc, [a.guid for a in ctx.plan.deployed if a.digest])
            ctx.plan.live_droplets = {app: guids[0] for app, guids in staged.items() if len(guids) == 1}
        known = ctx.plan.live_droplets.get(source.guid)
    return known or cc_apps.current_droplet_guid(ctx.cc, source.guid)


def droplet_state(ctx: StepContext, work: AppWork) -> str:
    droplet = cc_droplets.get(ctx.cc, work.droplet_guid)
    return droplet.state if droplet is not None else "FAILED"


def has_droplet(ctx: StepContext, app_guid: str) -> bool:
    return bool(cc_apps.current_droplet_guid(ctx.cc, app_guid))


def runs_these_bits(ctx: StepContext, app_guid: str, deployed_digest: str, digest: str) -> bool:
    """The app has a droplet of these very bits already: nothing to upload or stage."""
    return deployed_digest == digest and has_droplet(ctx, app_guid)


def module_digest(ctx: StepContext, spec: AppSpec) -> str:
    """The digest of the module's bits in this archive, without keeping them (a dry run compares it)."""
    with temp_file(ctx) as scratch:
        return write_bits(ctx, spec, scratch)


def upload_package(ctx: StepContext, work: AppWork, spec: AppSpec, bits: IO[bytes]) -> None:
    """Create (or find again) this operation's package for the digest, and get the bits into it."""
    cc, name = ctx.cc, work.name
    annotations = {OPERATION_ANNOTATION: ctx.op.id, DIGEST_ANNOTATION: work.digest}

    def find() -> Package | None:
        return next((p for p in cc_packages.for_app(cc, work.guid)
                     if p.annotations.get(OPERATION_ANNOTATION) == ctx.op.id
                     and p.annotations.get(DIGEST_ANNOTATION) == work.digest
                     and p.state in _LIVE_PACKAGE_STATES), None)

    package = cc_packages.get(cc, work.package_guid) if work.package_guid else find()
    if package is None or package.state not in _LIVE_PACKAGE_STATES:
        ctx.log.info(msg.UPLOADING_APP.format(app=name), app=name, module=spec.module)
        package = create_or_adopt(find, lambda: cc_packages.create(cc, work.guid, annotations=annotations))
    work.package_guid = package.guid
    ctx.save()
    if package.state != "AWAITING_UPLOAD":
        return  # uploaded by an earlier attempt whose answer was lost
    for attempt in range(1, UPLOAD_ATTEMPTS + 1):
        bits.seek(0)
        try:
            cc_packages.upload(cc, package.guid, bits)
            return
        except BitsAlreadyUploaded:
            return
        except Unavailable:
            if cc_packages.get(cc, package.guid).state != "AWAITING_UPLOAD":
                return  # CC took the bits; only the answer was lost
            if attempt == UPLOAD_ATTEMPTS:
                raise


def package_state(ctx: StepContext, work: AppWork) -> Package:
    package = cc_packages.get(ctx.cc, work.package_guid)
    if package.state in ("FAILED", "EXPIRED"):
        raise InfrastructureError(f"Package processing failed: {package.error or package.state}")
    return package


def start_build(ctx: StepContext, work: AppWork) -> Build | None:
    """The build of this package: an existing one (an earlier attempt's), or a new one. None while
    another build of the app (not ours) is still staging: CC allows one at a time."""
    cc = ctx.cc

    def find() -> Build | None:
        return next((b for b in cc_builds.for_package(cc, work.package_guid) if b.state in ("STAGING", "STAGED")),
                    None)

    found = find()
    if found is not None:
        return found
    try:
        return create_or_adopt(find, lambda: cc_builds.create(cc, work.package_guid))
    except StagingInProgress:
        return None


def build_state(ctx: StepContext, work: AppWork) -> Build:
    build = cc_builds.get(ctx.cc, work.build_guid)
    if build.state == "FAILED":
        raise CloudControllerError(422, "CF-StagingError", f"Staging failed: {build.error}")
    return build


def set_droplet(ctx: StepContext, work: AppWork) -> None:
    """Make the staged droplet current (a restart is due) and remember which bits it was built from."""
    mark_restart(ctx, work)
    cc_apps.set_current_droplet(ctx.cc, work.guid, work.droplet_guid)
    if work.annotated_digest != work.digest:
        cc_apps.update(ctx.cc, work.guid, metadata={"annotations": {DIGEST_ANNOTATION: work.digest}})


def temp_file(ctx: StepContext) -> Any:
    return tempfile.TemporaryFile(dir=ctx.settings.state_dir)
