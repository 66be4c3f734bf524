"""Read and resolve the whole MTA before an operation exists: bad input fails here, changing nothing.

The resolved models (live values and, for blue-green, idle values) are kept with the operation, so no
step opens and resolves the archive again.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from bgdeploy import mta
from bgdeploy.cc import CloudController
from bgdeploy.cc import routes as cc_routes
from bgdeploy.engine.operations import BLUE_GREEN_DEPLOY, Target
from bgdeploy.engine.options import DeployOptions
from bgdeploy.engine.support import refused
from bgdeploy.engine.tokens import StaticToken
from bgdeploy.errors import ContentError, NotFoundError
from bgdeploy.mta.model import DeploymentModel, Phase, PlatformContext
from bgdeploy.store import FileRecord, OperationRecord, Store

MAX_EXTENSION_BYTES = 1 << 20


def platform_context(op: OperationRecord, default_domain: str) -> PlatformContext:
    flags = DeployOptions.of(op.options).apply_namespace  # the --apply-namespace-* flags given
    return PlatformContext(
        org=op.org_name,
        space=op.space_name,
        user=op.started_by,
        default_domain=default_domain,
        api_url=op.api_endpoint,
        namespace=op.namespace,
        apply_namespace_app_names=flags.get("app-names", True),
        apply_namespace_service_names=flags.get("service-names", True),
        apply_namespace_app_routes=flags.get("app-routes", True),
        apply_namespace_as_suffix=flags.get("as-suffix", False),
        apply_namespace_given=tuple(sorted(flags)),
        org_guid=op.org_guid,
        space_guid=op.space_guid,
        # Both phases of one operation must resolve ${timestamp} and generated values alike.
        timestamp=time.strftime("%Y%m%d%H%M%S", time.gmtime(op.started_at)),
        seed=op.id,
    )


def read_extensions(files: list[FileRecord], paths: list[str] | None = None) -> list[mta.ExtensionDescriptor]:
    exts = []
    for i, rec in enumerate(files):
        text = Path(paths[i] if paths else rec.path).read_bytes()[: MAX_EXTENSION_BYTES + 1]
        if len(text) > MAX_EXTENSION_BYTES:
            raise ContentError("extension descriptor is larger than 1 MB", file=rec.file_name)
        exts.append(mta.load_extension(text.decode("utf-8", errors="replace"), rec.file_name))
    return exts


def uploaded(store: Store, file_id: str, target: Target) -> FileRecord:
    rec = store.get_file(file_id)
    if rec is None or rec.space_guid != target.space_guid:
        raise NotFoundError(f"Uploaded file {file_id} not found")
    return rec


def resolve_operation(store: Store, op: OperationRecord, target: Target, token: str,
                      cc_factory: Any = CloudController, cache_dir: str = "") -> tuple[str, dict[str, DeploymentModel]]:
    """Fill the operation's MTA id, version and archive name; returns (default domain, models by phase).
    Files kept in the database are copied to `cache_dir` first."""
    archive = uploaded(store, op.archive_id, target)
    ext_files = [uploaded(store, i, target) for i in op.ext_ids]
    extensions = read_extensions(ext_files, [store.local_copy(f, cache_dir) for f in ext_files])
    options = DeployOptions.of(op.options)
    cc = cc_factory(target.api_endpoint, StaticToken(token), verify=not target.skip_ssl_validation)
    try:
        domain = cc_routes.default_domain(cc, target.org_guid)
    finally:
        cc.close()
    phases: tuple[Phase, ...] = ("live", "idle") if op.process_type == BLUE_GREEN_DEPLOY else ("live",)
    models: dict[str, DeploymentModel] = {}
    with mta.open_archive(store.local_copy(archive, cache_dir), archive.file_name) as arc:
        op.mta_id, op.mta_version, op.archive_name = arc.descriptor.id, arc.descriptor.version, archive.file_name
        platform = platform_context(op, domain)
        for phase in phases:
            models[phase] = mta.resolve(arc.descriptor, extensions, platform, phase,
                                        selected_modules=options.modules or None,
                                        selected_resources=options.resources or None, archive=arc)
    for problem in refused(models["live"]):
        raise ContentError(problem, file=archive.file_name)
    return domain, models
