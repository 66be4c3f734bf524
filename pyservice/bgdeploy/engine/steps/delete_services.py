"""Services of the MTA that the new version no longer has: deleted with --delete-services, else kept."""

from __future__ import annotations

from bgdeploy import messages as msg
from bgdeploy.cc import services as cc_services
from bgdeploy.engine.actions.services import advance_deletion
from bgdeploy.engine.step import DONE, Step, StepContext, StepResult, Wait
from bgdeploy.mta import metadata


class DeleteDiscontinuedServices(Step):
    name = "delete-services"
    error_message = "Error deleting discontinued services"

    def run(self, ctx: StepContext) -> StepResult:
        wanted = {s.name for s in ctx.model("live").services}
        selector = metadata.label_selector(ctx.op.mta_id, ctx.op.namespace)
        owned = cc_services.list_by_labels(ctx.cc, ctx.op.space_guid, selector)
        discontinued = [s for s in owned if s.name not in wanted]
        if not discontinued:
            return DONE
        if not ctx.options.delete_services:
            ctx.log.info(msg.SKIP_SERVICE_DELETION)
            return DONE
        waits = [w for inst in discontinued if (w := advance_deletion(ctx, inst, keys_too=False)) is not None]
        ctx.save()
        return Wait(min(waits)) if waits else DONE
