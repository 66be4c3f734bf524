"""--backup-previous-version: on resume the old colour is kept for `cf rollback-mta` instead of deleted.

- backup-record (before the switch): what each old app needs to serve again, its productive routes and its
  instance count, goes into the plan. Reads only: nothing is marked while the old apps still serve.
- backup-old (after stop-old, before undeploy-old): each old app, stopped and unmapped by then, is
  annotated as kept (engine/backup.py), so undeploy-old leaves it and the next deploy recognises it.
"""

from __future__ import annotations

from bgdeploy import messages as msg
from bgdeploy.cc import apps as cc_apps
from bgdeploy.cc import processes as cc_processes
from bgdeploy.cc import routes as cc_routes
from bgdeploy.cc.errors import NotFound
from bgdeploy.cc.models import Route as CcRoute
from bgdeploy.engine import backup, observe
from bgdeploy.engine.actions.routes import unmap
from bgdeploy.engine.plan import BackupRecord
from bgdeploy.engine.step import DONE, Step, StepContext, StepResult


class RecordBackup(Step):
    name = "backup-record"
    error_message = "Error recording the applications to keep for rollback"

    def run(self, ctx: StepContext) -> StepResult:
        if not observe.keeps_old_apps(ctx):
            return DONE
        for old in observe.old_apps(ctx):
            if old.guid in ctx.plan.backups:
                continue
            try:
                routes = [route_parts(r) for r in cc_routes.for_app(ctx.cc, old.guid)]
                instances = cc_processes.web(ctx.cc, old.guid).instances
            except NotFound:
                continue  # gone already: nothing to keep
            ctx.plan.backups[old.guid] = BackupRecord(routes=routes, instances=instances)
        ctx.save()
        return DONE


class KeepOldApps(Step):
    name = "backup-old"
    error_message = "Error keeping the old applications for rollback"
    phase = "UNDEPLOY"

    def run(self, ctx: StepContext) -> StepResult:
        if not observe.keeps_old_apps(ctx):
            return DONE
        until = ctx.now() + backup.ttl_s(ctx.options)
        for old in observe.old_apps(ctx):
            record = ctx.plan.backups.get(old.guid)
            if record is None or record.kept:
                continue
            ctx.check_aborted()
            app = cc_apps.get(ctx.cc, old.guid)
            if app is None:
                continue
            for route in cc_routes.for_app(ctx.cc, old.guid):  # stop-old left it stopped, unmap-old unmapped it
                unmap(ctx, route, old.guid)
            if app.state == "STARTED":
                ctx.log.info(msg.STOPPING_APP.format(app=old.name), app=old.name, module=old.module)
                cc_apps.stop(ctx.cc, old.guid)
            version = app.annotations.get("mta_version", "")
            cc_apps.update(ctx.cc, old.guid, metadata={
                "annotations": backup.marks(ctx.op.id, until, record.routes, record.instances)})
            ctx.log.info(msg.BACKUP_KEEPING.format(app=old.name, version=version or "?", until=backup.iso(until),
                                                   mta=ctx.op.mta_id), app=old.name, module=old.module)
            record.kept = True
            ctx.save()
        return DONE


def route_parts(route: CcRoute) -> list[str]:
    """[host, domain, path] of a CC route (its url is host.domain/path, or domain/path)."""
    base = route.url[: len(route.url) - len(route.path)] if route.path else route.url
    domain = base[len(route.host) + 1:] if route.host else base
    return [route.host, domain, route.path]
