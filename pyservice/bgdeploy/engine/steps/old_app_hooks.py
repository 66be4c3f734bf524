"""Before the switch unmaps anything: the old apps' before-unmap-routes.live hooks (and the new apps'
before-unmap-routes.idle ones, before their temporary routes go), side by side across apps."""

from __future__ import annotations

from bgdeploy.engine import observe
from bgdeploy.engine.actions.hooks import run_hooks
from bgdeploy.engine.concurrency import map_all
from bgdeploy.engine.hook_moments import NEW_BEFORE_UNMAP, OLD_BEFORE_UNMAP, Phases
from bgdeploy.engine.step import DONE, Step, StepContext, StepResult, Wait
from bgdeploy.mta.model import AppSpec


class BeforeUnmapRoutesHooks(Step):
    name = "hooks-before-unmap"
    error_message = "Error executing hooks before unmapping routes"

    def blocks_look_ahead(self, ctx: StepContext) -> bool:
        return any(spec.hooks for spec in ctx.model("live").apps)  # a task may change anything

    def run(self, ctx: StepContext) -> StepResult:
        if not ctx.plan.live_version:
            return DONE
        specs = {s.module: s for s in ctx.model("live").apps}
        todo: list[tuple[AppSpec | None, str, str, Phases]] = [
            (specs.get(old.module), old.guid, old.name, OLD_BEFORE_UNMAP) for old in observe.old_apps(ctx)]
        for spec in specs.values():
            work = ctx.plan.apps.get(spec.module)
            if work is not None and work.guid:
                todo.append((spec, work.guid, ctx.plan.new_app_name(spec), NEW_BEFORE_UNMAP))
        waits = [w for w in map_all(lambda t: run_hooks(ctx, *t), todo, ctx.settings.max_parallel_apps)
                 if w is not None]
        ctx.save()
        return Wait(min(waits)) if waits else DONE
