"""Deploy the new apps: in waves (modules of one wave side by side), each brought to its desired state.

Blue-green with a live version: the new apps get their temporary routes and the idle environment.
Otherwise (first deploy, plain deploy) they get their productive routes at once. Each app moves through
stages (app → bindings → bits → package → build → staging → droplet → routes → start → running → tasks;
bits unchanged from the live colour: bits (copy) → routes → copying → start, no upload and no staging),
saved in the plan, so a retry or a restarted engine continues at the stage that did not finish, and a wait
(upload, staging, start) goes back to the runner instead of sleeping. The module's hooks run around the
start (`hook_moments.deploy_moments`), its `tasks` after it; with incremental blue-green the new app starts
on one instance. Whether the routers learnt the new routes is confirmed by the next step (routes probed).
"""

from __future__ import annotations

from typing import IO

from bgdeploy import messages as msg
from bgdeploy.engine import incremental
from bgdeploy.engine.actions import bits, docker, jobs, running
from bgdeploy.engine.actions.apps import ensure_app, ensure_process, will_create
from bgdeploy.engine.actions.bindings import ensure_bindings
from bgdeploy.engine.actions.features import ensure_features
from bgdeploy.engine.actions.hooks import run_hooks, run_tasks, stop_with_hooks
from bgdeploy.engine.actions.kept import desired_env
from bgdeploy.engine.actions.key_env import app_env
from bgdeploy.engine.actions.routes import map_routes
from bgdeploy.engine.concurrency import advance_together
from bgdeploy.engine.hook_moments import deploy_moments
from bgdeploy.engine.plan import AppWork
from bgdeploy.engine.polling import STARTING_S, expired, next_poll
from bgdeploy.engine.staged import DONE_STAGE, Staged
from bgdeploy.engine.step import DONE, Step, StepContext, StepResult, Wait
from bgdeploy.engine.timeouts import app_timeouts
from bgdeploy.errors import CloudControllerError, StepTimeoutError
from bgdeploy.mta.model import AppSpec, Phase, Route

BROKER_S = 0.5  # an asynchronous broker takes at least this long


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
            again = advance_together(ctx, [DeployOne(ctx, spec, phase).advance for spec in todo],
                                     ctx.settings.max_parallel_apps)
            if again is not None:
                return Wait(again)
        return DONE


def work_of(ctx: StepContext, module: str) -> AppWork:
    with ctx.lock:
        return ctx.plan.apps.setdefault(module, AppWork(module))


class DeployOne(Staged):
    """One module's app, advanced stage by stage until it must wait (returns when to come back)."""

    first_stage = "app"

    def __init__(self, ctx: StepContext, spec: AppSpec, phase: Phase) -> None:
        self.ctx, self.spec, self.phase = ctx, spec, phase
        self.work = work_of(ctx, spec.module)
        self.timeouts = app_timeouts(ctx.options, ctx.settings, spec)
        self._bits: IO[bytes] | None = None  # written in stage_app for a new app, used by stage_bits

    def advance(self) -> float | None:
        try:
            return super().advance()
        finally:
            if self._bits is not None:
                self._bits.close()

    def failed(self, stage: str) -> None:
        """A poll that fails (staging failed, an instance crashed, a timeout) sends a retry back to the stage
        that starts that work again; any other stage is simply run again."""
        redo = {"package": "bits", "staging": "build", "running": "start"}.get(stage)
        if redo is None:
            return
        self.go(redo)
        if stage == "running":  # it was started: the retry restarts its (crashed) instances
            self.work.restart, self.work.app_state = True, "STARTED"
        self.ctx.save()

    @property
    def routes(self) -> list[Route]:
        if self.spec.no_route:
            return []
        return self.spec.idle_routes if self.phase == "idle" else self.spec.routes

    def _binding(self) -> float | None:
        """When to look again while brokers still bind (None when done). A broker that answered with a
        job works asynchronously: its job is first looked at BROKER_S after the binding was asked for."""
        work, now = self.work, self.ctx.now()
        if not work.jobs and not work.bind_again:
            return None
        if now < work.bound_at + BROKER_S:
            return work.bound_at + BROKER_S
        timeout_s = self.ctx.settings.service_timeout_s
        work.jobs = jobs.pending(self.ctx, work.jobs, "Binding the service", work.bound_at, timeout_s)
        if work.jobs:
            return self.poll()
        if work.bind_again:  # bound again once its unbinding finished (binding parameters changed)
            ensure_bindings(self.ctx, work, self.spec, work.guid, work.name)
            if work.jobs or work.bind_again:
                if expired(now, work.bound_at, timeout_s):
                    raise StepTimeoutError(f"Binding the service did not finish within {int(timeout_s)} seconds")
                return self.poll()
        return None

    # -- stages -------------------------------------------------------------------------------------

    def stage_app(self) -> None:
        ctx, spec, work = self.ctx, self.spec, self.work
        name = ctx.plan.new_app_name(spec)
        if will_create(ctx, work, name) and spec.content is not None and not spec.docker_image:
            # A new app is created with the digest of its bits, which are written once, now.
            self._bits = bits.temp_file(ctx)
            work.digest = bits.write_bits(ctx, spec, self._bits)
        app = ensure_app(ctx, work, spec, name, desired_env(ctx, spec, app_env(ctx, spec)),
                         digest=work.digest if self._bits else "")
        work.app_state = app.state
        work.deployed_digest = "" if work.fresh else app.annotations.get(bits.DIGEST_ANNOTATION, "")
        work.instances = ensure_process(ctx, work, incremental.first_scale(ctx.options, ctx.plan, spec), app.guid)
        ensure_features(ctx, work, spec, app.guid)
        work.bound_at = ctx.now()
        ensure_bindings(ctx, work, spec, app.guid, name)
        self.go("bindings")

    def stage_bindings(self) -> None:
        self.go("bits")  # brokers bind meanwhile: their jobs are awaited before staging or starting

    def stage_bits(self) -> None:
        ctx, spec, work = self.ctx, self.spec, self.work
        if spec.docker_image:  # a package of the image, never bits from the archive
            work.digest = docker.digest(spec)
            docker.ensure_package(ctx, work, spec)
            self.go("package")
            return
        with self._bits or bits.temp_file(ctx) as tmp:
            if tmp is not self._bits:
                work.digest = bits.write_bits(ctx, spec, tmp)
            self._bits = None
            if bits.runs_these_bits(ctx, work.guid, work.deployed_digest, work.digest):
                ctx.log.info(msg.CONTENT_UNCHANGED.format(app=work.name), app=work.name, module=spec.module)
                self.go("routes")
                return
            source = None if work.copy_refused else bits.unchanged_source(ctx, work, spec.module)
            copied = bits.copy_droplet(ctx, work, source) if source is not None else None
            if source is not None and copied is not None:
                work.droplet_guid, work.copying = copied, True
                ctx.log.info(msg.REUSING_DROPLET.format(app=work.name, source=source.name), app=work.name,
                             module=spec.module)
                self.go("routes")  # CC copies meanwhile; the copy becomes current after the routes
                return
            bits.upload_package(ctx, work, spec, tmp)
        self.go("package")

    def stage_copying(self) -> float | None:
        """Make the copied droplet current: tried at once (the routes took a while), then after looking."""
        state = "STAGED" if self.work.polls == 0 else bits.droplet_state(self.ctx, self.work)
        if state == "STAGED":
            try:
                bits.set_droplet(self.ctx, self.work)
            except CloudControllerError as exc:
                if exc.status != 422:  # 422: CC does not assign a droplet that is still COPYING
                    raise
            else:
                self.work.copying = False
                self.go("start")
                return None
        elif state in ("FAILED", "EXPIRED"):
            self.work.copy_refused, self.work.copying = True, False  # upload the bits instead
            self.go("bits")
            return None
        self.check_time(self.timeouts.upload_s, "Copying the droplet")
        return self.poll()

    def stage_package(self) -> float | None:
        if bits.package_state(self.ctx, self.work).state != "READY":
            self.check_time(self.timeouts.upload_s, "Uploading the application")
            return self.poll()
        self.go("build")
        return None

    def stage_build(self) -> float | None:
        if (again := self._binding()) is not None:
            return again
        build = bits.start_build(self.ctx, self.work)
        if build is None:  # another build of this app is staging; CC stages one at a time
            self.check_time(self.timeouts.stage_s, "Staging the application")
            return self.poll()
        self.work.build_guid = build.guid
        self.ctx.log.info(msg.STAGING_APP.format(app=self.work.name), app=self.work.name, module=self.spec.module)
        self.go("staging")
        return None

    def stage_staging(self) -> float | None:
        build = bits.build_state(self.ctx, self.work)
        if build.state != "STAGED":
            self.check_time(self.timeouts.stage_s, "Staging the application")
            return self.poll()
        self.work.droplet_guid = build.droplet_guid
        self.ctx.log.info(msg.APP_STAGED.format(app=self.work.name), app=self.work.name, module=self.spec.module)
        self.go("droplet")
        return None

    def stage_droplet(self) -> None:
        bits.set_droplet(self.ctx, self.work)
        self.go("routes")

    def stage_routes(self) -> None:
        def routers_must_learn() -> None:  # saved before the route writes, so a crash cannot lose it
            self.work.started = True
            self.ctx.save()

        # The temporary routes only, in the idle phase; else keep-existing-routes keeps what is mapped.
        keep = self.spec.keep_existing_routes and self.phase == "live"
        map_routes(self.ctx, self.work.guid, self.work.name, self.routes, unmap_others=not keep,
                   fresh=self.work.fresh, before_change=routers_must_learn)
        self.go("copying" if self.work.copying else "start")

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
        if (again := self._binding()) is not None:
            return again
        before_stop, after_stop, before_start = deploy_moments(ctx.plan.blue_green, ctx.plan.live_version)
        again = stop_with_hooks(ctx, work, spec, before_stop, after_stop)
        if again is None:
            again = run_hooks(ctx, spec, work.guid, work.name, before_start)
        if again is not None:
            return again
        running.begin_start(ctx, work, started=work.app_state == "STARTED", module=spec.module)
        self.go("running")
        return next_poll(ctx.now(), 0, STARTING_S)

    def stage_running(self) -> float | None:
        ctx, work = self.ctx, self.work
        if not running.instances_running(ctx, work, self.timeouts.start_s):
            return self.poll(STARTING_S)
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
        # Whether the routers learnt the new routes and instances: confirmed by the routes-after_deploy step.
        self.work.stage = "tasks" if self.spec.tasks else DONE_STAGE
