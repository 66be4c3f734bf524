"""What is deployed already, which colour is live, and whether the version rule allows the new version.

Apps deployed without colours (by `cf deploy` or the official service) become the blue ones, and so do apps
pushed without MTA metadata that carry a module's app name (taken over first). With idle/live
names (`deploy --strategy blue-green`), the deployed version's apps are renamed `X -> X-live` first, and an
`X-live` next to a plain `X` (a run that died after renaming back) is removed.
"""

from __future__ import annotations

from bgdeploy import messages as msg
from bgdeploy.cc import apps as cc_apps
from bgdeploy.cc.models import App
from bgdeploy.engine import colors, observe
from bgdeploy.engine.actions.removal import advance_removal, removal_of
from bgdeploy.engine.actions.take_over import take_over_unlabelled
from bgdeploy.engine.plan import COLORS, IDLE_LIVE, IDLE_SUFFIX, LIVE_SUFFIX, DeployedApp
from bgdeploy.engine.step import DONE, Step, StepContext, StepResult, Wait
from bgdeploy.mta import versions
from bgdeploy.store import OperationRecord


class DetectDeployedMta(Step):
    name = "detect"
    error_message = "Error detecting the deployed MTA"

    def run(self, ctx: StepContext) -> StepResult:
        found = observe.mta_apps(ctx)
        if ctx.plan.scheme in (COLORS, IDLE_LIVE):
            found += take_over_unlabelled(ctx, found)
        model = ctx.model("live")
        if not found:
            ctx.log.info(msg.NO_DEPLOYED_MTA)
        else:
            deployed_version = next((v for a in found if (v := a.annotations.get("mta_version"))), "")
            ctx.log.info(msg.DEPLOYED_MTA.format(id=ctx.op.mta_id, version=deployed_version))
            versions.check_version_rule(ctx.options.version_rule or "SAME_HIGHER", deployed_version or None,
                                        model.version)
        ctx.log.info(msg.NEW_MTA_VERSION.format(version=model.version))
        if ctx.plan.scheme == IDLE_LIVE:
            return self._idle_live(ctx, found)
        apps = [self._deployed(ctx, app) for app in found]
        plan = ctx.plan
        if plan.scheme == COLORS:
            present = {a.color for a in apps if a.color}
            oldest = min(apps, key=lambda a: a.created_at).color if apps else None
            decision = colors.decide(present, _last_run(ctx), oldest)
            if decision.live:
                ctx.log.info(msg.DEPLOYED_COLOR.format(color=decision.live))
            if len(present) > 1:
                ctx.log.warn(msg.BOTH_COLORS.format(id=ctx.op.mta_id, color=decision.live, why=decision.why))
            ctx.log.info(msg.NEW_COLOR.format(color=decision.idle))
            plan.live_color, plan.idle_color = decision.live or "", decision.idle
            plan.live_version = bool(decision.live)
            ctx.op.live_color, ctx.op.idle_color = plan.live_color, plan.idle_color
        plan.deployed, plan.detected = apps, True
        ctx.op.mta_version = model.version
        ctx.save()
        return DONE

    @staticmethod
    def _deployed(ctx: StepContext, app: App) -> DeployedApp:
        name, color = app.name, colors.color_of(app.name)
        if ctx.plan.scheme == COLORS and color is None:
            # Deployed without colours: the running version becomes the blue one.
            name, color = colors.colored_name(app.name, colors.BLUE), colors.BLUE
            ctx.log.info(msg.ADDING_COLOR.format(old=app.name, new=name))
            cc_apps.update(ctx.cc, app.guid, name=name)
        return DeployedApp(app.guid, name, app.module, color, app.created_at)

    @staticmethod
    def _idle_live(ctx: StepContext, found: list[App]) -> StepResult:
        names = {a.name for a in found}
        apps = []
        for app in found:
            name = app.name
            if name.endswith(LIVE_SUFFIX) and name[: -len(LIVE_SUFFIX)] in names:
                # X took over already; this X-live is the version before it.
                again = advance_removal(ctx, app.guid, removal_of(ctx, app.guid, name))
                if again is not None:
                    return Wait(again)
                continue
            if not name.endswith(LIVE_SUFFIX) and not name.endswith(IDLE_SUFFIX):
                name = app.name + LIVE_SUFFIX
                ctx.log.info(msg.ADDING_COLOR.format(old=app.name, new=name), app=app.name)
                cc_apps.update(ctx.cc, app.guid, name=name)
            apps.append(DeployedApp(app.guid, name, app.module, None, app.created_at))
        plan = ctx.plan
        plan.deployed, plan.detected = apps, True
        plan.live_version = any(a.name.endswith(LIVE_SUFFIX) for a in apps)
        plan.live_color = plan.idle_color = ""
        ctx.op.live_color = ctx.op.idle_color = ""
        ctx.op.mta_version = ctx.model("live").version
        ctx.save()
        return DONE


def _last_run(ctx: StepContext) -> OperationRecord | None:
    for op in ctx.history.previous():
        if (op.id != ctx.op.id and op.process_type == "BLUE_GREEN_DEPLOY" and op.idle_color in colors.SUFFIXES
                and op.namespace == ctx.op.namespace):
            return op
    return None
