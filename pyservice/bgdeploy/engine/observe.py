"""Reads of what is deployed, shared by the steps: the MTA's apps, and which of them the new version
replaces. Nothing here writes."""

from __future__ import annotations

from bgdeploy.cc import apps as cc_apps
from bgdeploy.cc.models import App
from bgdeploy.engine import backup
from bgdeploy.engine.plan import DeployedApp, KeptFound
from bgdeploy.engine.step import StepContext
from bgdeploy.mta import metadata
from bgdeploy.mta.model import AppSpec


def mta_apps(ctx: StepContext) -> list[App]:
    """Every app carrying this MTA's labels (in this namespace)."""
    return cc_apps.list_by_labels(ctx.cc, ctx.op.space_guid, metadata.label_selector(ctx.op.mta_id, ctx.op.namespace))


def serving_apps(ctx: StepContext) -> list[App]:
    """The MTA's apps but those kept for rollback-mta: what a new version replaces and decides colours by."""
    return [a for a in mta_apps(ctx) if not backup.is_kept(a)]


def serving_and_kept(ctx: StepContext) -> tuple[list[App], list[KeptFound]]:
    """serving_apps and the kept ones, from one look."""
    found = mta_apps(ctx)
    return [a for a in found if not backup.is_kept(a)], [_kept_found(a) for a in found if backup.is_kept(a)]


def kept_apps(ctx: StepContext) -> list[KeptFound]:
    """The apps an earlier resume kept for rollback-mta (--backup-previous-version): as detect found them,
    else looked up."""
    if ctx.plan.kept_found is not None:
        return list(ctx.plan.kept_found)
    return [_kept_found(a) for a in mta_apps(ctx) if backup.is_kept(a)]


def _kept_found(app: App) -> KeptFound:
    info = backup.kept(app)
    return KeptFound(app.guid, app.name, app.annotations.get("mta_version", ""), info.replaced_by if info else "")


def untouched_modules(ctx: StepContext) -> set[str]:
    """With -m, the descriptor's modules that were not selected: their apps are left alone."""
    selected = set(ctx.options.modules)
    if not selected:
        return set()
    return set(ctx.model("live").descriptor_modules) - selected


def old_apps(ctx: StepContext) -> list[DeployedApp]:
    """Apps deployed before this operation that the new version replaces (not among the new names)."""
    new_names = {ctx.plan.new_app_name(spec) for spec in ctx.model("live").apps}
    untouched = untouched_modules(ctx)
    return [a for a in ctx.plan.deployed if a.name not in new_names and a.module not in untouched]


def keeps_old_apps(ctx: StepContext) -> bool:
    """--backup-previous-version applies: backup-old keeps the old apps (stopped) instead of their deletion."""
    return ctx.options.backup_previous_version and ctx.plan.blue_green and ctx.plan.live_version


def pauses_for_testing(ctx: StepContext) -> bool:
    """Whether the deploy stops before the switch, for the user to test the new version on its temporary routes."""
    return ctx.plan.live_version and not (ctx.options.no_confirm or ctx.options.skip_idle_start)


def new_app(ctx: StepContext, spec: AppSpec) -> tuple[str, str] | None:
    """(guid, name) of the module's new app: as deploy-apps recorded it, else looked up."""
    name = ctx.plan.new_app_name(spec)
    work = ctx.plan.apps.get(spec.module)
    if work is not None and work.guid and work.name == name:
        return work.guid, name
    app = cc_apps.find(ctx.cc, ctx.op.space_guid, name)
    return (app.guid, name) if app is not None else None
