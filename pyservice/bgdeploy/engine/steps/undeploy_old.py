"""Only now may the old apps stop: they are removed (routes, stop, bindings, app), side by side."""

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
        old = observe.old_apps(ctx)
        unmapped = {u.app_guid for u in ctx.plan.unmapped}  # unmap-old took these off every route
        waits = [w for w in map_all(lambda a: advance_removal(ctx, a.guid, removal_of(ctx, a.guid, a.name),
                                                              unmapped=a.guid in unmapped),
                                    old, ctx.settings.max_parallel_apps) if w is not None]
        ctx.save()
        return Wait(min(waits)) if waits else DONE
