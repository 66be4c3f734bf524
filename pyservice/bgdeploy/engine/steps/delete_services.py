"""Services of the MTA that the new version no longer has: deleted with --delete-services, else kept."""

from __future__ import annotations

from bgdeploy import messages as msg
from bgdeploy.engine.actions.services import advance_deletion, discontinued
from bgdeploy.engine.step import DONE, Step, StepContext, StepResult, Wait


class DeleteDiscontinuedServices(Step):
    name = "delete-services"
    error_message = "Error deleting discontinued services"

    def run(self, ctx: StepContext) -> StepResult:
        looked = ctx.looks.pop(self.name, None)
        gone = looked if looked is not None else discontinued(ctx)
        if not gone:
            return DONE
        if not ctx.options.delete_services:
            ctx.log.info(msg.SKIP_SERVICE_DELETION)
            return DONE
        waits = [w for inst in gone if (w := advance_deletion(ctx, inst, keys_too=False)) is not None]
        ctx.save()
        return Wait(min(waits)) if waits else DONE

    def look_ahead(self, ctx: StepContext) -> None:
        ctx.looks[self.name] = discontinued(ctx)  # this MTA's labelled instances: only this run changes them
