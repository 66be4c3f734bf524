"""A deploy replaces the version an earlier resume kept for rollback-mta: the kept apps are deleted before any
app of the new version is created (the new colour, or `X-live`, would take their names). Detect left them
out of the colour decision; this step removes them, each observed first (gone = done)."""

from __future__ import annotations

from bgdeploy import messages as msg
from bgdeploy.engine import observe
from bgdeploy.engine.actions.removal import advance_removal, removal_of
from bgdeploy.engine.concurrency import map_all
from bgdeploy.engine.step import DONE, Step, StepContext, StepResult, Wait


class ReplaceBackup(Step):
    name = "backup-replace"
    error_message = "Error deleting the applications kept for rollback"

    def run(self, ctx: StepContext) -> StepResult:
        kept = observe.kept_apps(ctx)  # each removal observes its app first: a record from detect is enough
        if not kept:
            return DONE
        if ctx.plan.once(self.name):
            ctx.log.info(msg.BACKUP_REPLACING.format(version=kept[0].version or "?", op=kept[0].replaced_by))
        waits = [w for w in map_all(lambda a: advance_removal(ctx, a.guid, removal_of(ctx, a.guid, a.name)), kept,
                                    ctx.settings.max_parallel_apps) if w is not None]
        ctx.save()
        return Wait(min(waits)) if waits else DONE
