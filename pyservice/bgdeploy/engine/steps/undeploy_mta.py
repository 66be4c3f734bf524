"""`cf undeploy MTA_ID`: every app of the MTA; its services (and keys) with --delete-services."""

from __future__ import annotations

from bgdeploy import messages as msg
from bgdeploy.cc import services as cc_services
from bgdeploy.engine import observe
from bgdeploy.engine.actions.removal import advance_removal, removal_of
from bgdeploy.engine.actions.services import advance_deletion
from bgdeploy.engine.step import DONE, Step, StepContext, StepResult, Wait
from bgdeploy.mta import metadata


class UndeployMta(Step):
    name = "undeploy-mta"
    error_message = "Error undeploying the MTA"
    phase = "UNDEPLOY"

    def run(self, ctx: StepContext) -> StepResult:
        if ctx.plan.once("undeploying"):
            ctx.log.info(msg.UNDEPLOYING_MTA.format(id=ctx.op.mta_id))
        for app in observe.mta_apps(ctx):
            ctx.check_aborted()
            again = advance_removal(ctx, app.guid, removal_of(ctx, app.guid, app.name))
            if again is not None:
                ctx.save()
                return Wait(again)
            ctx.log.debug(f"module {app.module} undeployed")
        selector = metadata.label_selector(ctx.op.mta_id, ctx.op.namespace)
        owned = cc_services.list_by_labels(ctx.cc, ctx.op.space_guid, selector)
        if owned and not ctx.options.delete_services:
            ctx.log.info(msg.SKIP_SERVICE_DELETION)
            return DONE
        keys_too = ctx.options.delete_service_keys or ctx.options.delete_services
        waits = [w for inst in owned if (w := advance_deletion(ctx, inst, keys_too=keys_too)) is not None]
        ctx.save()
        return Wait(min(waits)) if waits else DONE
