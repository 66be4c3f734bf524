"""Deploy the new apps: in waves (modules of one wave side by side), each brought to its desired state.

Blue-green with a live version: the new apps get their temporary routes and the idle environment.
Otherwise (first deploy, plain deploy) they get their productive routes at once. Each app moves through
stages (app → bindings → bits → package → build → staging → droplet → routes → start → running; bits
unchanged from the live colour: bits (copy) → routes → copying → start, no upload and no staging), saved
in the plan, so a retry or a restarted engine continues at the stage that did not finish, and a wait
(upload, staging, start) goes back to the runner instead of sleeping.
"""

from __future__ import annotations

from typing import IO

from bgdeploy import messages as msg
from bgdeploy.engine.actions import bits, jobs, running
from bgdeploy.engine.actions.apps import ensure_app, ensure_process, will_create
from bgdeploy.engine.actions.bindings import ensure_bindings
from bgdeploy.engine.actions.routes import map_routes
from bgdeploy.engine.concurrency import map_settled
from bgdeploy.engine.plan import AppWork
from bgdeploy.engine.polling import FIRST_S, STARTING_S, expired, next_poll
from bgdeploy.engine.step import DONE, Step, StepContext, StepResult, Wait
from bgdeploy.engine.timeouts import app_timeouts
from bgdeploy.errors import BgDeployError, CloudControllerError, StepTimeoutError
from bgdeploy.mta.model import AppSpec, Phase, Route

DONE_STAGE = "done"
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
        self._bits: IO[bytes] | None = None  # written in stage_app for a new app, used by stage_bits

    def advance(self) -> float | None:
        try:
            return self._advance()
        finally:
            if self._bits is not None:
                self._bits.close()

    def _advance(self) -> float | None:
        while self.work.stage != DONE_STAGE:
            self.ctx.check_aborted()
            stage = self.work.stage or "app"
            try:
                again = STAGES[stage](self)
            except BgDeployError:
                if stage in REDO_FROM:  # a failed build or start: a retry makes a new one
                    self._go(REDO_FROM[stage])
                    self.work.restart = self.work.restart or stage == "running"
                    self.ctx.save()
                raise
            self.ctx.save()
            if again is not None:
                self.work.polls += 1
                return again
        return None

    def _go(self, stage: str) -> None:
        self.work.stage, self.work.wait_since, self.work.polls = stage, self.ctx.now(), 0

    def _poll(self, first_s: float = FIRST_S) -> float:
        return next_poll(self.ctx.now(), self.work.polls, first_s)

    @property
    def routes(self) -> list[Route]:
        if self.spec.no_route:
            return []
        return self.spec.idle_routes if self.phase == "idle" else self.spec.routes

    # -- stages -------------------------------------------------------------------------------------

    def stage_app(self) -> None:
        ctx, spec, work = self.ctx, self.spec, self.work
        name = ctx.plan.new_app_name(spec)
        if will_create(ctx, work, name) and spec.content is not None:
            # A new app is created with the digest of its bits, which are written once, now.
            self._bits = bits.temp_file(ctx)
            work.digest = bits.write_bits(ctx, spec, self._bits)
        app = ensure_app(ctx, work, spec, name, spec.env, digest=work.digest if self._bits else "")
        work.app_state = app.state
        work.deployed_digest = "" if work.fresh else app.annotations.get(bits.DIGEST_ANNOTATION, "")
        work.instances = ensure_process(ctx, work, spec, app.guid)
        work.bound_at = ctx.now()
        ensure_bindings(ctx, work, spec, app.guid, name)
        self._go("bindings")

    def stage_bindings(self) -> None:
        self._go("bits")  # brokers bind meanwhile: their jobs are awaited before staging or starting

    def _binding(self) -> float | None:
        """When to look again while brokers still bind (None when done). A broker that answered with a
        job works asynchronously: its job is first looked at BROKER_S after the binding was asked for."""
        work, now = self.work, self.ctx.now()
        if not work.jobs:
            return None
        if now < work.bound_at + BROKER_S:
            return work.bound_at + BROKER_S
        work.jobs = jobs.pending(self.ctx, work.jobs, "Binding the service", work.bound_at,
                                 self.ctx.settings.service_timeout_s)
        return self._poll() if work.jobs else None

    def stage_bits(self) -> None:
        ctx, spec, work = self.ctx, self.spec, self.work
        with self._bits or bits.temp_file(ctx) as tmp:
            if tmp is not self._bits:
                work.digest = bits.write_bits(ctx, spec, tmp)
            self._bits = None
            if work.deployed_digest == work.digest and bits.has_droplet(ctx, work.guid):
                ctx.log.info(msg.CONTENT_UNCHANGED.format(app=work.name), app=work.name, module=spec.module)
                self._go("routes")
                return
            source = None if work.copy_refused else bits.unchanged_source(ctx, work, spec.module)
            copied = bits.copy_droplet(ctx, work, source) if source is not None else None
            if source is not None and copied is not None:
                work.droplet_guid, work.copying = copied, True
                ctx.log.info(msg.REUSING_DROPLET.format(app=work.name, source=source.name), app=work.name,
                             module=spec.module)
                self._go("routes")  # CC copies meanwhile; the copy becomes current after the routes
                return
            bits.upload_package(ctx, work, spec, tmp)
        self._go("package")

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
                self._go("start")
                return None
        elif state in ("FAILED", "EXPIRED"):
            self.work.copy_refused, self.work.copying = True, False  # upload the bits instead
            self._go("bits")
            return None
        self._check_time(self.timeouts.upload_s, "Copying the droplet")
        return self._poll()

    def stage_package(self) -> float | None:
        if bits.package_state(self.ctx, self.work).state != "READY":
            self._check_time(self.timeouts.upload_s, "Uploading the application")
            return self._poll()
        self._go("build")
        return None

    def stage_build(self) -> float | None:
        if (again := self._binding()) is not None:
            return again
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
        if map_routes(self.ctx, self.work.guid, self.work.name, self.routes, unmap_others=True, fresh=self.work.fresh):
            self.work.started = True  # routers must learn the new routes
        self._go("copying" if self.work.copying else "start")

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
        running.begin_start(ctx, work, started=started, module=spec.module)
        self._go("running")
        return next_poll(ctx.now(), 0, STARTING_S)

    def stage_running(self) -> float | None:
        ctx, work = self.ctx, self.work
        if not running.instances_running(ctx, work, self.timeouts.start_s):
            return self._poll(STARTING_S)
        running.say_started(ctx, work, self.spec.module, [r.url for r in self.routes])
        work.restart, work.started, work.app_state = False, True, "STARTED"
        self._finish()
        return None

    def _finish(self) -> None:
        self.work.stage = DONE_STAGE  # the routers' learning is confirmed by routes-after_deploy

    def _check_time(self, timeout_s: int, what: str) -> None:
        if expired(self.ctx.now(), self.work.wait_since, timeout_s):
            raise StepTimeoutError(f"{what} did not finish within {int(timeout_s)} seconds")


# A poll that fails (staging failed, an instance crashed, a timeout) sends a retry back to the stage that
# starts that work again; any other stage is simply run again.
REDO_FROM = {"package": "bits", "staging": "build", "running": "start"}

STAGES = {
    "app": DeployOne.stage_app, "bindings": DeployOne.stage_bindings, "bits": DeployOne.stage_bits,
    "copying": DeployOne.stage_copying,
    "package": DeployOne.stage_package, "build": DeployOne.stage_build, "staging": DeployOne.stage_staging,
    "droplet": DeployOne.stage_droplet, "routes": DeployOne.stage_routes, "start": DeployOne.stage_start,
    "running": DeployOne.stage_running,
}
