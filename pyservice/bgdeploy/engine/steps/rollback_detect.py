"""The first step of a rollback: which apps are kept (they become the new colour) and which serve now (they
become the old one), in the plan the switch steps of resume read. Said once, before anything changes: what
goes back to which version, and that services are not rolled back.

With idle/live names (`deploy --strategy blue-green`) the kept `X-live` is renamed `X-idle` first (it is
stopped and has no routes), so the switch maps it, deletes `X` and renames `X-idle` back to `X`, as resume does.
"""

from __future__ import annotations

from bgdeploy import messages as msg
from bgdeploy.cc import apps as cc_apps
from bgdeploy.engine import backup, colors, observe
from bgdeploy.engine.actions.apps import DIGEST_ANNOTATION
from bgdeploy.engine.plan import COLORS, IDLE_LIVE, IDLE_SUFFIX, LIVE_SUFFIX, DeployedApp
from bgdeploy.engine.step import DONE, Step, StepContext, StepResult
from bgdeploy.errors import ContentError


class DetectRollbackTarget(Step):
    name = "rollback-detect"
    error_message = "Error detecting the version to roll back to"
    phase = "IDLE"

    def run(self, ctx: StepContext) -> StepResult:
        plan = ctx.plan
        if plan.detected:
            return DONE
        found = observe.mta_apps(ctx)
        kept = [a for a in found if backup.is_kept(a)]
        live = [a for a in found if not backup.is_kept(a)]
        if not kept:
            raise ContentError(f"Multi-target app {ctx.op.mta_id} has no version to roll back to any more")
        current = live[0].annotations.get("mta_version", "?") if live else "?"
        ctx.log.info(msg.OPERATION_ID.format(id=ctx.op.id))
        ctx.log.info(msg.ROLLBACK_TARGET.format(mta=ctx.op.mta_id, current=current, version=ctx.model().version))
        ctx.log.warn(msg.ROLLBACK_SERVICES)
        color = colors.color_of(kept[0].name)
        if color is not None:
            plan.scheme, plan.idle_color, plan.live_color = COLORS, color, colors.other(color)
        else:
            plan.scheme, plan.idle_color, plan.live_color = IDLE_LIVE, "", ""
            for app in kept:
                if app.name.endswith(LIVE_SUFFIX):
                    idle = app.name[: -len(LIVE_SUFFIX)] + IDLE_SUFFIX
                    ctx.log.info(msg.ADDING_COLOR.format(old=app.name, new=idle), app=app.name)
                    cc_apps.update(ctx.cc, app.guid, name=idle)
        plan.deployed = [DeployedApp(a.guid, a.name, a.module, colors.color_of(a.name), a.created_at,
                                     a.annotations.get(DIGEST_ANNOTATION, ""), a.state) for a in live]
        plan.live_version = plan.detected = True
        ctx.op.live_color, ctx.op.idle_color = plan.live_color, plan.idle_color
        ctx.save()
        return DONE
