"""Bridges the operation to the mta package: archive + extensions + target facts → DeploymentModel."""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING

from bgdeploy import mta
from bgdeploy.mta.model import DeploymentModel, Phase, PlatformContext

if TYPE_CHECKING:
    from bgdeploy.engine.context import OperationContext

MAX_EXTENSION_BYTES = 1 << 20


def platform_context(ctx: OperationContext) -> PlatformContext:
    op = ctx.op
    return PlatformContext(
        org=op.org_name,
        space=op.space_name,
        user=op.started_by,
        default_domain=ctx.data("target").get("default_domain", ""),
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
            from bgdeploy.errors import ContentError

            raise ContentError("extension descriptor is larger than 1 MB", file=name)
        exts.append(mta.load_extension(text.decode("utf-8", errors="replace"), name))
    return exts


def resolve_for(ctx: OperationContext, phase: Phase) -> DeploymentModel:
    with mta.open_archive(ctx.archive_path) as archive:
        return mta.resolve(
            archive.descriptor,
            read_extensions(ctx.extension_paths),
            platform_context(ctx),
            phase,
            selected_modules=ctx.options.get("modules") or None,
            selected_resources=ctx.options.get("resources") or None,
            archive=archive,
        )
