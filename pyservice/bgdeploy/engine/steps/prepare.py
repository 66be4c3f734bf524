"""First steps of every deploy: target facts, the deployed MTA and its colours, the version rule."""

from __future__ import annotations

import json

from bgdeploy import messages as msg
from bgdeploy.cc import apps as cc_apps
from bgdeploy.cc import routes as cc_routes
from bgdeploy.engine import colors
from bgdeploy.engine.context import OperationContext
from bgdeploy.engine.step import DONE, Step, StepResult
from bgdeploy.engine.steps import names
from bgdeploy.mta import metadata, versions
from bgdeploy.store import FINAL_STATES


class CollectTargetFacts(Step):
    name = "target"
    error_message = "Error collecting the target's facts"
    phase = "IDLE"

    def run(self, ctx: OperationContext) -> StepResult:
        ctx.info(msg.OPERATION_ID.format(id=ctx.op.id))
        ctx.info(msg.DEPLOYING_IN.format(org=ctx.op.org_name, space=ctx.op.space_name))
        if not ctx.data(self.name).get("default_domain"):  # known from the pre-flight check
            ctx.update(self.name, default_domain=cc_routes.default_domain(ctx.cc, ctx.op.org_guid)["name"])
        model = ctx.model("live")
        ctx.info(msg.SCHEMA_VERSION.format(version=model.schema_version.split(".")[0]))
        for warning in model.warnings:
            ctx.warn(warning)
        return DONE


def deployed_apps(ctx: OperationContext) -> list[dict]:
    selector = metadata.label_selector(ctx.op.mta_id, ctx.op.namespace)
    return cc_apps.list_by_labels(ctx.cc, ctx.op.space_guid, selector)


def module_of(app: dict) -> str:
    raw = ((app.get("metadata") or {}).get("annotations") or {}).get("mta_module") or "{}"
    try:
        return json.loads(raw).get("name", "")
    except ValueError:
        return ""


class DetectDeployedMta(Step):
    name = "detect"
    error_message = "Error detecting the deployed MTA"

    def run(self, ctx: OperationContext) -> StepResult:
        found = deployed_apps(ctx)
        model = ctx.model("live")
        if not found:
            ctx.info(msg.NO_DEPLOYED_MTA)
        else:
            annotations = (found[0].get("metadata") or {}).get("annotations") or {}
            deployed_version = annotations.get("mta_version", "")
            ctx.info(msg.DEPLOYED_MTA.format(id=ctx.op.mta_id, version=deployed_version))
            versions.check_version_rule(ctx.options.get("version_rule") or "SAME_HIGHER",
                                        deployed_version or None, model.version)
        ctx.info(msg.NEW_MTA_VERSION.format(version=model.version))

        if names.keeps_original_names(ctx):
            apps = names.detect_idle_live(ctx, found, module_of)
            live_version = any(a["name"].endswith(names.LIVE) for a in apps)
            ctx.update(self.name, apps=apps, deployed=bool(apps), live_version=live_version)
            ctx.save(live_color="", idle_color="", mta_version=model.version)
            return DONE

        apps = []
        for app in found:
            name, color = app["name"], colors.color_of(app["name"])
            if ctx.is_blue_green and color is None:
                # Deployed without colours: the running version becomes the blue one.
                new_name = colors.colored_name(name, colors.BLUE)
                ctx.info(msg.ADDING_COLOR.format(old=name, new=new_name))
                cc_apps.rename(ctx.cc, app["guid"], new_name)
                name, color = new_name, colors.BLUE
            apps.append({"guid": app["guid"], "name": name, "module": module_of(app), "color": color,
                         "created_at": app.get("created_at", "")})

        decision = colors.ColorDecision(None, colors.BLUE)
        if ctx.is_blue_green:
            present = {a["color"] for a in apps if a["color"]}
            oldest = min(apps, key=lambda a: a["created_at"])["color"] if apps else None
            decision = colors.decide(present, self._last_run(ctx), oldest)
            if decision.live:
                ctx.info(msg.DEPLOYED_COLOR.format(color=decision.live))
            if len(present) > 1:
                ctx.warn(msg.BOTH_COLORS.format(id=ctx.op.mta_id, color=decision.live, why=decision.why))
            ctx.info(msg.NEW_COLOR.format(color=decision.idle))
        ctx.update(self.name, apps=apps, deployed=bool(apps))
        ctx.save(live_color=decision.live or "", idle_color=decision.idle if ctx.is_blue_green else "",
                 mta_version=model.version)
        return DONE

    @staticmethod
    def _last_run(ctx: OperationContext):  # type: ignore[no-untyped-def]
        for op in ctx.store.list_operations(ctx.op.space_guid, mta_id=ctx.op.mta_id, states=FINAL_STATES):
            if (op.id != ctx.op.id and op.process_type == "BLUE_GREEN_DEPLOY" and op.idle_color in colors.SUFFIXES
                    and op.namespace == ctx.op.namespace):
                return op
        return None
