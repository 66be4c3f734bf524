"""Service keys this MTA made and no longer names go once the new apps are deployed (as the deploy service
deletes abandoned keys after its apps): a rotated key (`name: key-${timestamp}`) is replaced without a gap."""

from __future__ import annotations

from bgdeploy.cc.models import Binding
from bgdeploy.engine.actions import jobs
from bgdeploy.engine.actions.service_keys import BUSY, abandoned, delete_key
from bgdeploy.engine.plan import Pending
from bgdeploy.engine.polling import next_poll
from bgdeploy.engine.step import DONE, Step, StepContext, StepResult, Wait

KEY_JOB_TIMEOUT_S = 600


class DeleteAbandonedServiceKeys(Step):
    name = "delete-service-keys"
    error_message = "Error deleting discontinued service keys"

    def run(self, ctx: StepContext) -> StepResult:
        work = ctx.plan.pending.setdefault(self.name, Pending())
        if work.jobs:
            work.jobs = jobs.pending(ctx, work.jobs, "Deleting the service key", work.since, KEY_JOB_TIMEOUT_S)
            ctx.save()
            if work.jobs:
                work.polls += 1
                return Wait(next_poll(ctx.now(), work.polls))
        looked = ctx.looks.pop(self.name, None)
        found = looked if looked is not None else _abandoned(ctx)
        if not found:
            return DONE
        started = [delete_key(ctx, key, service) for key, service in found]
        work.jobs = [j for j in started if j and j != BUSY]
        work.since, work.polls = ctx.now(), 0
        ctx.save()
        return Wait(next_poll(ctx.now(), 0)) if any(started) else DONE

    def look_ahead(self, ctx: StepContext) -> None:
        ctx.looks[self.name] = _abandoned(ctx)  # keys of this MTA's own instances: only this run changes them


def _abandoned(ctx: StepContext) -> list[tuple[Binding, str]]:
    guids = {s.name: ctx.plan.service_guids.get(s.name, "") for s in ctx.model("live").services
             if s.kind == "managed"}
    return abandoned(ctx, {guid: name for name, guid in guids.items() if guid})
