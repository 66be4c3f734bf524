"""Deploy the new apps: in waves (modules of one wave in parallel), each brought to its desired state.

Blue-green with a live colour deployed: the new colour gets only its temporary routes and the idle
environment. Otherwise (first deploy, or plain deploy) the apps get their productive routes at once.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

from bgdeploy import messages as msg
from bgdeploy.engine import app_deployer as deployer
from bgdeploy.engine import colors
from bgdeploy.engine.context import OperationContext
from bgdeploy.engine.step import DONE, Step, StepResult
from bgdeploy.engine.steps import names
from bgdeploy.mta.model import AppSpec


def new_app_name(ctx: OperationContext, spec: AppSpec) -> str:
    if names.keeps_original_names(ctx):
        return names.idle_live_name(ctx, spec, has_live_version(ctx))
    if ctx.is_blue_green:
        return colors.colored_name(spec.name, ctx.op.idle_color)
    return spec.name


def has_live_version(ctx: OperationContext) -> bool:
    if names.keeps_original_names(ctx):
        return bool(ctx.data("detect").get("live_version"))
    return ctx.is_blue_green and bool(ctx.op.live_color)


class DeployApps(Step):
    name = "deploy-apps"
    error_message = "Error deploying applications"

    def run(self, ctx: OperationContext) -> StepResult:
        phase = "idle" if has_live_version(ctx) else "live"
        model = ctx.model(phase)
        done = set(ctx.data(self.name).get("done", []))
        for wave in model.waves:
            todo = [model.app(m) for m in wave if m not in done]
            if not todo:
                continue
            workers = max(1, min(ctx.settings.max_parallel_apps, len(todo)))
            with ThreadPoolExecutor(max_workers=workers) as pool:
                futures = [pool.submit(self._deploy_one, ctx, spec, phase) for spec in todo]
                errors = [f.exception() for f in futures]
            for spec, err in zip(todo, errors, strict=True):
                if err is None:
                    done.add(spec.module)
            ctx.update(self.name, done=sorted(done))
            first_error = next((e for e in errors if e is not None), None)
            if first_error is not None:
                raise first_error
            ctx.check_aborted()
        return DONE

    def _deploy_one(self, ctx: OperationContext, spec: AppSpec, phase: str) -> None:
        ctx.check_aborted()
        name = new_app_name(ctx, spec)
        routes = spec.idle_routes if phase == "idle" else spec.routes
        if spec.no_route:
            routes = []
        app, env_changed = deployer.ensure_app(ctx, spec, name, spec.env)
        process_changed = deployer.ensure_process(ctx, spec, app["guid"])
        bindings_changed = deployer.ensure_bindings(ctx, spec, app["guid"], name)
        bits_changed = deployer.ensure_bits(ctx, spec, app, name)
        routes_changed = deployer.map_routes(ctx, app["guid"], name, routes, unmap_others=True)
        no_start = spec.no_start if spec.no_start is not None else bool(ctx.options.get("no_start"))
        if no_start or (ctx.options.get("skip_idle_start") and phase == "idle"):
            ctx.info(msg.NOT_STARTING.format(app=name), app=name, module=spec.module)
            return
        restart = env_changed or process_changed or bindings_changed or bits_changed
        started = deployer.ensure_running(ctx, spec, app, name, restart=restart, urls=[r.url for r in routes])
        if routes_changed or started:
            # Routers learn of new routes and instances late: users get the app only once they can reach it.
            ctx.update("settle", after_deploy=time.time() + ctx.settings.route_settle_s)
