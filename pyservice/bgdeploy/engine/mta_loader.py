"""Bridges an operation to the mta package: archive + extensions + target facts → DeploymentModel."""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bgdeploy import mta
from bgdeploy.errors import ContentError
from bgdeploy.mta.model import DeploymentModel, Phase, PlatformContext
from bgdeploy.store import OperationRecord

if TYPE_CHECKING:
    from bgdeploy.engine.context import OperationContext

MAX_EXTENSION_BYTES = 1 << 20


def platform_context(op: OperationRecord, default_domain: str) -> PlatformContext:
    return PlatformContext(
        org=op.org_name,
        space=op.space_name,
        user=op.started_by,
        default_domain=default_domain,
        api_url=op.api_endpoint,
        namespace=op.namespace,
        org_guid=op.org_guid,
        space_guid=op.space_guid,
        # Both phases of one operation must resolve ${timestamp} and generated values alike.
        timestamp=time.strftime("%Y%m%d%H%M%S", time.gmtime(op.started_at)),
        seed=op.id,
    )


def read_extensions(paths: list[tuple[str, str]]) -> list[mta.ExtensionDescriptor]:
    exts = []
    for name, path in paths:
        text = Path(path).read_bytes()[: MAX_EXTENSION_BYTES + 1]
        if len(text) > MAX_EXTENSION_BYTES:
            raise ContentError("extension descriptor is larger than 1 MB", file=name)
        exts.append(mta.load_extension(text.decode("utf-8", errors="replace"), name))
    return exts


def resolve_archive(archive_path: str, archive_name: str, extension_paths: list[tuple[str, str]],
                    platform: PlatformContext, phase: Phase, options: dict[str, Any]) -> DeploymentModel:
    with mta.open_archive(archive_path, archive_name) as archive:
        return mta.resolve(
            archive.descriptor,
            read_extensions(extension_paths),
            platform,
            phase,
            selected_modules=options.get("modules") or None,
            selected_resources=options.get("resources") or None,
            archive=archive,
        )


def resolve_for(ctx: OperationContext, phase: Phase) -> DeploymentModel:
    platform = platform_context(ctx.op, ctx.data("target").get("default_domain", ""))
    return resolve_archive(ctx.archive_path, ctx.op.archive_name, ctx.extension_paths, platform, phase, ctx.options)
