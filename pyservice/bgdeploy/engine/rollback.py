"""Pre-flight of `cf rollback-mta`: find the version an earlier resume kept (engine/backup.py) and describe
it as the model the switch steps work from, before the operation exists: no backup, or an expired one,
fails here and changes nothing.

The model has one app per kept app: its module, its name without the colour (or `-live`) suffix, the
instances and productive routes it had before that resume. Nothing else is deployed: a rollback starts
the kept apps, switches the routes back and deletes the newer ones. Services are left as they are.
"""

from __future__ import annotations

from typing import Any

from bgdeploy.cc import CloudController
from bgdeploy.cc import apps as cc_apps
from bgdeploy.cc.models import App
from bgdeploy.engine import backup, colors
from bgdeploy.engine.operations import Target
from bgdeploy.engine.plan import IDLE_SUFFIX, LIVE_SUFFIX
from bgdeploy.engine.tokens import StaticToken
from bgdeploy.errors import ContentError, NotFoundError
from bgdeploy.mta import metadata
from bgdeploy.mta.model import AppSpec, DeploymentModel
from bgdeploy.store import OperationRecord


def base_name(app_name: str) -> str:
    """The app's name without the suffix a blue-green scheme gave it."""
    for suffix in (*colors.SUFFIXES.values(), LIVE_SUFFIX, IDLE_SUFFIX):
        if app_name.endswith(suffix):
            return app_name[: -len(suffix)]
    return app_name


def model_of(mta_id: str, namespace: str, kept: list[App]) -> DeploymentModel:
    apps = []
    for app in sorted(kept, key=lambda a: a.name):
        info = backup.kept(app)
        assert info is not None
        apps.append(AppSpec(module=app.module or base_name(app.name), name=base_name(app.name), content=None,
                            instances=info.instances or None, routes=list(info.routes), no_route=not info.routes))
    modules = [a.module for a in apps]
    version = kept[0].annotations.get("mta_version", "") if kept else ""
    return DeploymentModel(mta_id=mta_id, version=version, schema_version="3", namespace=namespace, apps=apps,
                           services=[], waves=[modules], service_batches=[], descriptor_modules=modules)


def resolve_rollback(op: OperationRecord, target: Target, token: str,
                     cc_factory: Any = CloudController) -> dict[str, DeploymentModel]:
    """The rollback's model (phase "live"); fills the operation's version with the kept one."""
    cc = cc_factory(target.api_endpoint, StaticToken(token), verify=not target.skip_ssl_validation)
    try:
        found = cc_apps.list_by_labels(cc, target.space_guid, metadata.label_selector(op.mta_id, op.namespace))
    finally:
        cc.close()
    if not found:
        suffix = f" with namespace {op.namespace}" if op.namespace else ""
        raise NotFoundError(f"Multi-target app {op.mta_id}{suffix} not found")
    kept = [a for a in found if backup.is_kept(a)]
    if not kept:
        raise ContentError(f"Multi-target app {op.mta_id} has no version to roll back to: deploy it with "
                           "--backup-previous-version to keep the version a resume replaces")
    infos = [info for a in kept if (info := backup.kept(a)) is not None]
    soonest = min(infos, key=lambda i: i.until)
    if soonest.expired(op.started_at):
        raise ContentError(f"The version of multi-target app {op.mta_id} kept for rollback by operation "
                           f"{soonest.replaced_by} expired at {backup.iso(soonest.until)}; the next deploy removes it")
    model = model_of(op.mta_id, op.namespace, kept)
    op.mta_version = model.version
    return {"live": model}
