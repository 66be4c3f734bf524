"""A deploy replaces the version an earlier resume kept for rollback-mta: the kept apps are deleted before any
app of the new version is created (the new colour, or `X-live`, would take their names). Detect left them
out of the colour decision; this step removes them, each observed first (gone = done)."""

from __future__ import annotations

from bgdeploy import messages as msg
from bgdeploy.engine import backup, observe
from bgdeploy.engine.actions.removal import advance_removal, removal_of
from bgdeploy.engine.concurrency import map_all
from bgdeploy.engine.step import DONE, Step, StepContext, StepResult, Wait


class ReplaceBackup(Step):
    name = "backup-replace"
    error_message = "Error deleting the applications kept for rollback"

    def run(self, ctx: StepContext) -> StepResult:
        kept = observe.kept_apps(ctx)
        if not kept:
            return DONE
        first = backup.kept(kept[0])
        if first is not None and ctx.plan.once(self.name):
            ctx.log.info(msg.BACKUP_REPLACING.format(version=kept[0].annotations.get("mta_version", "?"),
                                                     op=first.replaced_by))
        waits = [w for w in map_all(lambda a: advance_removal(ctx, a.guid, removal_of(ctx, a.guid, a.name)), kept,
                                    ctx.settings.max_parallel_apps) if w is not None]
        ctx.save()
        return Wait(min(waits)) if waits else DONE
