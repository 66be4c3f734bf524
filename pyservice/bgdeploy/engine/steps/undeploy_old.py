"""Only now may the old apps stop: they are removed (routes, stop, bindings, app), side by side; those kept
for rollback-mta (backup-old) stay."""

from __future__ import annotations

from bgdeploy.engine import observe
from bgdeploy.engine.actions.removal import advance_removal, removal_of
from bgdeploy.engine.concurrency import map_all
from bgdeploy.engine.step import DONE, Step, StepContext, StepResult, Wait


class UndeployOldApps(Step):
    name = "undeploy-old"
    error_message = "Error deleting the old applications"
    phase = "UNDEPLOY"

    def run(self, ctx: StepContext) -> StepResult:
        kept = {guid for guid, record in ctx.plan.backups.items() if record.kept}  # --backup-previous-version
        old = [a for a in observe.old_apps(ctx) if a.guid not in kept]
        unmapped = {u.app_guid for u in ctx.plan.unmapped}  # unmap-old took these off every route
        stopped = {guid for guid, stop in ctx.plan.stops.items() if stop.stage == "done"}  # stop-old stopped these
        waits = [w for w in map_all(lambda a: advance_removal(ctx, a.guid, removal_of(ctx, a.guid, a.name),
                                                              unmapped=a.guid in unmapped, stopped=a.guid in stopped),
                                    old, ctx.settings.max_parallel_apps) if w is not None]
        ctx.save()
        return Wait(min(waits)) if waits else DONE
