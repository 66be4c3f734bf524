"""What is deployed already, which colour is live, and whether the version rule allows the new version.

`engine/detection.py` decides (a dry run reads the same decision); this step applies it: leftovers removed,
apps renamed (uncoloured ones to the blue colour; idle/live names: `X -> X-live`), the colours recorded.
Apps pushed without MTA metadata that carry a module's app name are taken over first (`take_over`), so they
become the blue ones too.
"""

from __future__ import annotations

from bgdeploy import messages as msg
from bgdeploy.cc import apps as cc_apps
from bgdeploy.engine import detection, observe
from bgdeploy.engine.actions.removal import advance_removal, removal_of
from bgdeploy.engine.actions.take_over import take_over_unlabelled
from bgdeploy.engine.plan import COLORS, IDLE_LIVE
from bgdeploy.engine.step import DONE, Step, StepContext, StepResult, Wait
from bgdeploy.mta import versions


class DetectDeployedMta(Step):
    name = "detect"
    error_message = "Error detecting the deployed MTA"

    def run(self, ctx: StepContext) -> StepResult:
        # Apps kept for rollback-mta are replaced (by the next step, from this look), not detected.
        found, ctx.plan.kept_found = observe.serving_and_kept(ctx)
        if ctx.plan.scheme in (COLORS, IDLE_LIVE):
            found += take_over_unlabelled(ctx, found)
        model = ctx.model("live")
        if not found:
            ctx.log.info(msg.NO_DEPLOYED_MTA)
        else:
            deployed_version = detection.deployed_version(found)
            ctx.log.info(msg.DEPLOYED_MTA.format(id=ctx.op.mta_id, version=deployed_version))
            versions.check_version_rule(ctx.options.version_rule or "SAME_HIGHER", deployed_version or None,
                                        model.version)
        ctx.log.info(msg.NEW_MTA_VERSION.format(version=model.version))
        plan = ctx.plan
        seen = detection.detect(plan.scheme, found, detection.last_blue_green_run(ctx))
        for app in seen.stale:
            again = advance_removal(ctx, app.guid, removal_of(ctx, app.guid, app.name))
            if again is not None:
                return Wait(again)
        for rename in seen.renames:
            ctx.log.info(msg.ADDING_COLOR.format(old=rename.old, new=rename.new), app=rename.old)
            cc_apps.update(ctx.cc, rename.guid, name=rename.new)
        decision = seen.decision
        if plan.scheme == COLORS and decision is not None:
            if decision.live:
                ctx.log.info(msg.DEPLOYED_COLOR.format(color=decision.live))
            if seen.both_colors:
                ctx.log.warn(msg.BOTH_COLORS.format(id=ctx.op.mta_id, color=decision.live, why=decision.why))
            ctx.log.info(msg.NEW_COLOR.format(color=decision.idle))
            plan.live_color, plan.idle_color = decision.live or "", decision.idle
        plan.live_version = seen.live_version
        ctx.op.live_color, ctx.op.idle_color = plan.live_color, plan.idle_color
        plan.deployed, plan.detected = seen.apps, True
        ctx.op.mta_version = model.version
        ctx.save()
        return DONE
