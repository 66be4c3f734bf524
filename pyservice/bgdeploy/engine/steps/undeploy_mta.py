"""`cf undeploy MTA_ID`: every app of the MTA; its services (and keys) with --delete-services; only the
service keys it made with --delete-service-keys."""

from __future__ import annotations

from bgdeploy import messages as msg
from bgdeploy.cc import bindings as cc_bindings
from bgdeploy.cc import services as cc_services
from bgdeploy.engine import observe
from bgdeploy.engine.actions import jobs
from bgdeploy.engine.actions.removal import advance_removal, removal_of
from bgdeploy.engine.actions.service_keys import BUSY, delete_key, key_selector
from bgdeploy.engine.actions.services import advance_deletion
from bgdeploy.engine.plan import Pending
from bgdeploy.engine.polling import next_poll
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
        if ctx.options.delete_service_keys and not ctx.options.delete_services:
            again = _delete_mta_keys(ctx, {s.guid: s.name for s in owned})
            if again is not None:
                return Wait(again)
        if owned and not ctx.options.delete_services:
            ctx.log.info(msg.SKIP_SERVICE_DELETION)
            return DONE
        keys_too = ctx.options.delete_service_keys or ctx.options.delete_services
        waits = [w for inst in owned if (w := advance_deletion(ctx, inst, keys_too=keys_too)) is not None]
        ctx.save()
        return Wait(min(waits)) if waits else DONE


def _delete_mta_keys(ctx: StepContext, instances: dict[str, str]) -> float | None:
    """Delete the keys with this MTA's labels on its instances; when to look again, or None when none is left."""
    work = ctx.plan.pending.setdefault("undeploy-keys", Pending())
    if work.jobs:
        work.jobs = jobs.pending(ctx, work.jobs, "Deleting the service key", work.since, 600)
        ctx.save()
        if work.jobs:
            work.polls += 1
            return next_poll(ctx.now(), work.polls)
    found = [k for k in cc_bindings.keys_by_labels(ctx.cc, key_selector(ctx.op.mta_id, ctx.op.namespace,
                                                                         ctx.op.space_guid))
             if k.instance_guid in instances]
    started = [delete_key(ctx, k, instances[k.instance_guid]) for k in found]
    work.jobs = [j for j in started if j and j != BUSY]
    work.since, work.polls = ctx.now(), 0
    ctx.save()
    return next_poll(ctx.now(), 0) if any(started) else None
