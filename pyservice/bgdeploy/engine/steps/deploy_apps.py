"""Deploy the new apps: in waves (modules of one wave side by side), each brought to its desired state.

Blue-green with a live version: the new apps get their temporary routes and the idle environment.
Otherwise (first deploy, plain deploy) they get their productive routes at once. Each app moves through
stages (app → bindings → bits → package → build → staging → droplet → routes → start → running → tasks), saved
in the plan, so a retry or a restarted engine continues at the stage that did not finish, and a wait
(upload, staging, start) goes back to the runner instead of sleeping. The module's hooks run around the
start (`hook_moments.deploy_moments`), its `tasks` after it; with incremental blue-green the new app starts
on one instance.
"""

from __future__ import annotations

from bgdeploy import messages as msg
from bgdeploy.engine import incremental
from bgdeploy.engine.actions import bits, jobs, running
from bgdeploy.engine.actions.apps import ensure_app, ensure_process
from bgdeploy.engine.actions.bindings import ensure_bindings
from bgdeploy.engine.actions.hooks import run_hooks, run_tasks, stop_with_hooks
from bgdeploy.engine.actions.key_env import app_env
from bgdeploy.engine.actions.routes import map_routes
from bgdeploy.engine.concurrency import map_settled
from bgdeploy.engine.hook_moments import deploy_moments
from bgdeploy.engine.plan import AppWork
from bgdeploy.engine.polling import expired, next_poll
from bgdeploy.engine.step import DONE, Step, StepContext, StepResult, Wait
from bgdeploy.engine.timeouts import app_timeouts
from bgdeploy.errors import BgDeployError, StepTimeoutError
from bgdeploy.mta.model import AppSpec, Phase, Route

DONE_STAGE = "done"


class DeployApps(Step):
    name = "deploy-apps"
    error_message = "Error deploying applications"

    def run(self, ctx: StepContext) -> StepResult:
        phase: Phase = "idle" if ctx.plan.live_version else "live"
        model = ctx.model(phase)
        for wave in model.waves:
            todo = [model.app(m) for m in wave if work_of(ctx, m).stage != DONE_STAGE]
            if not todo:
                continue
            results = map_settled(lambda spec: DeployOne(ctx, spec, phase).advance(), todo,
                                  ctx.settings.max_parallel_apps)
            ctx.save()
            error = next((e for _, e in results if e is not None), None)
            if error is not None:
                raise error
            waits = [r for r, _ in results if r is not None]
            if waits:
                return Wait(min(waits))
            ctx.check_aborted()
        return DONE


def work_of(ctx: StepContext, module: str) -> AppWork:
    with ctx.lock:
        return ctx.plan.apps.setdefault(module, AppWork(module))


class DeployOne:
    """One module's app, advanced stage by stage until it must wait (returns when to come back)."""

    def __init__(self, ctx: StepContext, spec: AppSpec, phase: Phase) -> None:
        self.ctx, self.spec, self.phase = ctx, spec, phase
        self.work = work_of(ctx, spec.module)
        self.timeouts = app_timeouts(ctx.options, ctx.settings, spec)

    def advance(self) -> float | None:
        while self.work.stage != DONE_STAGE:
            self.ctx.check_aborted()
            stage = self.work.stage or "app"
            try:
                again = STAGES[stage](self)
            except BgDeployError:
                if stage in REDO_FROM:  # a failed build or start: a retry makes a new one
                    self._go(REDO_FROM[stage])
                    if stage == "running":  # it was started: the retry restarts its (crashed) instances
                        self.work.restart, self.work.app_state = True, "STARTED"
                    self.ctx.save()
                raise
            self.ctx.save()
            if again is not None:
                self.work.polls += 1
                return again
        return None

    def _go(self, stage: str) -> None:
        self.work.stage, self.work.wait_since, self.work.polls = stage, self.ctx.now(), 0

    def _poll(self) -> float:
        return next_poll(self.ctx.now(), self.work.polls)

    @property
    def routes(self) -> list[Route]:
        if self.spec.no_route:
            return []
        return self.spec.idle_routes if self.phase == "idle" else self.spec.routes

    # -- stages -------------------------------------------------------------------------------------

    def stage_app(self) -> None:
        ctx, spec, work = self.ctx, self.spec, self.work
        name = ctx.plan.new_app_name(spec)
        app = ensure_app(ctx, work, spec, name, app_env(ctx, spec))
        work.app_state = app.state
        work.deployed_digest = app.annotations.get(bits.DIGEST_ANNOTATION, "")
        ensure_process(ctx, work, incremental.first_scale(ctx.options, ctx.plan, spec), app.guid)
        ensure_bindings(ctx, work, spec, app.guid, name)
        self._go("bindings")

    def stage_bindings(self) -> float | None:
        work = self.work
        work.jobs = jobs.pending(self.ctx, work.jobs, "Binding the service", work.wait_since,
                                 self.ctx.settings.service_timeout_s)
        if work.jobs:
            return self._poll()
        if work.bind_again:  # bound again once the unbinding finished (binding parameters changed)
            ensure_bindings(self.ctx, work, self.spec, work.guid, work.name)
            if work.jobs or work.bind_again:
                self._check_time(int(self.ctx.settings.service_timeout_s), "Binding the service")
                return self._poll()
        self._go("bits")
        return None

    def stage_bits(self) -> None:
        ctx, spec, work = self.ctx, self.spec, self.work
        with bits.temp_file(ctx) as tmp:
            work.digest = bits.write_bits(ctx, spec, tmp)
            if work.deployed_digest == work.digest and bits.has_droplet(ctx, work.guid):
                ctx.log.info(msg.CONTENT_UNCHANGED.format(app=work.name), app=work.name, module=spec.module)
                self._go("routes")
                return
            bits.upload_package(ctx, work, spec, tmp)
        self._go("package")

    def stage_package(self) -> float | None:
        if bits.package_state(self.ctx, self.work).state != "READY":
            self._check_time(self.timeouts.upload_s, "Uploading the application")
            return self._poll()
        self._go("build")
        return None

    def stage_build(self) -> float | None:
        build = bits.start_build(self.ctx, self.work)
        if build is None:  # another build of this app is staging; CC stages one at a time
            self._check_time(self.timeouts.stage_s, "Staging the application")
            return self._poll()
        self.work.build_guid = build.guid
        self.ctx.log.info(msg.STAGING_APP.format(app=self.work.name), app=self.work.name, module=self.spec.module)
        self._go("staging")
        return None

    def stage_staging(self) -> float | None:
        build = bits.build_state(self.ctx, self.work)
        if build.state != "STAGED":
            self._check_time(self.timeouts.stage_s, "Staging the application")
            return self._poll()
        self.work.droplet_guid = build.droplet_guid
        self.ctx.log.info(msg.APP_STAGED.format(app=self.work.name), app=self.work.name, module=self.spec.module)
        self._go("droplet")
        return None

    def stage_droplet(self) -> None:
        bits.set_droplet(self.ctx, self.work)
        self._go("routes")

    def stage_routes(self) -> None:
        def routers_must_learn() -> None:  # saved before the route writes, so a crash cannot lose it
            self.work.started = True
            self.ctx.save()

        map_routes(self.ctx, self.work.guid, self.work.name, self.routes, unmap_others=True,
                   before_change=routers_must_learn)
        self._go("start")

    def stage_start(self) -> float | None:
        ctx, spec, work = self.ctx, self.spec, self.work
        no_start = spec.no_start if spec.no_start is not None else ctx.options.no_start
        if no_start or (ctx.options.skip_idle_start and self.phase == "idle"):
            ctx.log.info(msg.NOT_STARTING.format(app=work.name), app=work.name, module=spec.module)
            self._finish()
            return None
        started = work.app_state == "STARTED"
        if started and not work.restart and running.all_running(ctx, work.guid):
            self._finish()
            return None
        before_stop, after_stop, before_start = deploy_moments(ctx.plan.blue_green, ctx.plan.live_version)
        again = stop_with_hooks(ctx, work, spec, before_stop, after_stop)
        if again is None:
            again = run_hooks(ctx, spec, work.guid, work.name, before_start)
        if again is not None:
            return again
        running.begin_start(ctx, work, started=work.app_state == "STARTED", module=spec.module)
        self._go("running")
        return None

    def stage_running(self) -> float | None:
        ctx, work = self.ctx, self.work
        if not running.instances_running(ctx, work, self.timeouts.start_s):
            return self._poll()
        running.say_started(ctx, work, self.spec.module, [r.url for r in self.routes])
        work.restart, work.started, work.app_state = False, True, "STARTED"
        self._finish()
        return None

    def stage_tasks(self) -> float | None:
        """The module's `tasks`, once the app is deployed (started or not: a task needs only the droplet)."""
        again = run_tasks(self.ctx, self.spec, self.work.guid, self.work.name)
        if again is None:
            self.work.stage = DONE_STAGE
        return again

    def _finish(self) -> None:
        work = self.work
        if work.started:
            # Routers learn of new routes and instances late: users get the app only once they can reach it.
            with self.ctx.lock:
                self.ctx.plan.settle["after_deploy"] = self.ctx.now() + self.ctx.settings.route_settle_s
        work.stage = "tasks" if self.spec.tasks else DONE_STAGE

    def _check_time(self, timeout_s: int, what: str) -> None:
        if expired(self.ctx.now(), self.work.wait_since, timeout_s):
            raise StepTimeoutError(f"{what} did not finish within {int(timeout_s)} seconds")


# A poll that fails (staging failed, an instance crashed, a timeout) sends a retry back to the stage that
# starts that work again; any other stage is simply run again.
REDO_FROM = {"package": "bits", "staging": "build", "running": "start"}

STAGES = {
    "app": DeployOne.stage_app, "bindings": DeployOne.stage_bindings, "bits": DeployOne.stage_bits,
    "package": DeployOne.stage_package, "build": DeployOne.stage_build, "staging": DeployOne.stage_staging,
    "droplet": DeployOne.stage_droplet, "routes": DeployOne.stage_routes, "start": DeployOne.stage_start,
    "running": DeployOne.stage_running, "tasks": DeployOne.stage_tasks,
}
