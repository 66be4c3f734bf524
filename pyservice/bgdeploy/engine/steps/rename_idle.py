"""Idle/live names (`deploy --strategy blue-green`): after the switch, X-idle becomes X (the old X-live
is gone by now)."""

from __future__ import annotations

from bgdeploy import messages as msg
from bgdeploy.cc import apps as cc_apps
from bgdeploy.engine.plan import IDLE_LIVE, IDLE_SUFFIX
from bgdeploy.engine.step import DONE, Step, StepContext, StepResult


class RenameIdleApps(Step):
    name = "rename-idle"
    error_message = "Error renaming the new applications"
    phase = "UNDEPLOY"

    def run(self, ctx: StepContext) -> StepResult:
        plan = ctx.plan
        if plan.scheme != IDLE_LIVE or not plan.live_version or plan.renamed_idle:
            return DONE
        for spec in ctx.model("live").apps:
            ctx.check_aborted()
            idle = spec.name + IDLE_SUFFIX
            app = cc_apps.find(ctx.cc, ctx.op.space_guid, idle)
            if app is None:
                continue  # renamed before a retry
            ctx.log.info(msg.ADDING_COLOR.format(old=idle, new=spec.name), app=spec.name, module=spec.module)
            cc_apps.update(ctx.cc, app.guid, name=spec.name)
        plan.renamed_idle = True
        ctx.save()
        return DONE
