"""Idle/live app names: `cf deploy --strategy blue-green` (option keep_original_app_names).

The deploy service's second blue-green scheme (section 1.3 of the controller reference): apps keep
their descriptor names. When a version is deployed, its apps are renamed `X -> X-live` first, the new
version is created as `X-idle` (on temporary routes), and after the switch the old `X-live` is removed
and `X-idle` is renamed back to `X`. A first deploy creates `X` directly (nothing to switch from).
An `X-idle` left by an aborted run is updated in place; an `X-live` next to a plain `X` (a run that
renamed but died before deleting the old app) is removed before the renames.

Colours are not used in this scheme: the operation's live/idle colours stay empty and whether a live
version exists is kept in the detect step's data (`live_version`).
"""

from __future__ import annotations

from bgdeploy import messages as msg
from bgdeploy.cc import apps as cc_apps
from bgdeploy.engine.context import OperationContext
from bgdeploy.engine.step import DONE, Step, StepResult
from bgdeploy.mta.model import AppSpec

IDLE, LIVE = "-idle", "-live"
RENAME_STEP = "rename-idle"


def keeps_original_names(ctx: OperationContext) -> bool:
    return ctx.is_blue_green and bool(ctx.options.get("keep_original_app_names"))


def idle_live_name(ctx: OperationContext, spec: AppSpec, live_version: bool) -> str:
    """The new app's current name: X-idle while a live version exists and the rename is not done yet."""
    if not live_version or ctx.data(RENAME_STEP).get("done"):
        return spec.name
    return spec.name + IDLE


def detect_idle_live(ctx: OperationContext, found: list[dict], module_of) -> list[dict]:  # type: ignore[no-untyped-def]
    """Rename the deployed version's apps to X-live (removing leftovers first); return the detected apps."""
    from bgdeploy.engine.steps.undeploy import remove_app  # undeploy imports the steps that import us

    names = {a["name"] for a in found}
    apps = []
    for app in found:
        name = app["name"]
        if name.endswith(LIVE) and name[: -len(LIVE)] in names:
            # X took over already; this X-live is the version before it.
            remove_app(ctx, app["guid"], name)
            continue
        if not name.endswith(LIVE) and not name.endswith(IDLE):
            new_name = name + LIVE
            ctx.info(msg.ADDING_COLOR.format(old=name, new=new_name), app=name)
            cc_apps.rename(ctx.cc, app["guid"], new_name)
            name = new_name
        apps.append({"guid": app["guid"], "name": name, "module": module_of(app), "color": None,
                     "created_at": app.get("created_at", "")})
    return apps


class RenameIdleApps(Step):
    """After the switch: X-idle becomes X (the old X-live is gone by now)."""

    name = RENAME_STEP
    error_message = "Error renaming the new applications"
    phase = "UNDEPLOY"

    def run(self, ctx: OperationContext) -> StepResult:
        if not keeps_original_names(ctx) or not ctx.data("detect").get("live_version"):
            return DONE
        if ctx.data(self.name).get("done"):
            return DONE
        for spec in ctx.model("live").apps:
            ctx.check_aborted()
            idle = spec.name + IDLE
            app = cc_apps.find(ctx.cc, ctx.op.space_guid, idle)
            if app is None:
                continue  # renamed before a retry
            ctx.info(msg.ADDING_COLOR.format(old=idle, new=spec.name), app=spec.name, module=spec.module)
            cc_apps.rename(ctx.cc, app["guid"], spec.name)
        ctx.update(self.name, done=True)
        return DONE
