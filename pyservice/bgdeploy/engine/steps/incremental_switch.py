"""Incremental blue-green, after the new apps joined the productive routes: per module, one instance at a
time moves from the old app to the new one: old -1 (never below 1), then new +1 and running, until the new
app has its full count. The module never runs more than N+1 instances, so the space quota needs no room for
two full versions; the old app's last instance goes with the old app (unmap, stop, delete) after this step.

Every scale is absolute and its target persisted first, so a crash or retry repeats nothing. A new instance
that crashes undoes the module's progress, as the deploy service does (new app back to 1 instance, the old
one to its count before), and fails the step: both versions keep serving, and a retry starts over.
"""

from __future__ import annotations

from bgdeploy import messages as msg
from bgdeploy.cc import apps as cc_apps
from bgdeploy.cc import processes as cc_processes
from bgdeploy.engine import incremental, observe
from bgdeploy.engine.plan import Scaling
from bgdeploy.engine.staged import Staged
from bgdeploy.engine.step import DONE, Step, StepContext, StepResult, Wait
from bgdeploy.engine.timeouts import app_timeouts
from bgdeploy.errors import InfrastructureError
from bgdeploy.mta.model import AppSpec


class IncrementalSwitch(Step):
    name = "incremental-switch"
    error_message = "Error during incremental instance update"

    def blocks_look_ahead(self, ctx: StepContext) -> bool:
        return incremental.applies(ctx.options, ctx.plan)  # it scales the old apps down

    def run(self, ctx: StepContext) -> StepResult:
        if not incremental.applies(ctx.options, ctx.plan):
            return DONE
        for spec in ctx.model("live").apps:  # one module at a time, in deploy order
            again = Mover(ctx, spec).advance()
            ctx.save()
            if again is not None:
                return Wait(again)
        return DONE


class Mover(Staged):
    def __init__(self, ctx: StepContext, spec: AppSpec) -> None:
        self.ctx, self.spec = ctx, spec
        with ctx.lock:
            self.work = ctx.plan.scaling.setdefault(spec.module, Scaling())
        self.name = ctx.plan.new_app_name(spec)
        self.wanted = incremental.desired_instances(spec)

    def _scale(self, app_guid: str, instances: int) -> None:
        proc = cc_processes.web(self.ctx.cc, app_guid)
        if proc.instances != instances:
            cc_processes.scale(self.ctx.cc, proc.guid, {"instances": instances})

    # -- stages ---------------------------------------------------------------------------------------------

    def stage_begin(self) -> None:
        ctx, work = self.ctx, self.work
        new = cc_apps.find(ctx.cc, ctx.op.space_guid, self.name)
        if new is None or new.state != "STARTED":  # not deployed here, or not to be started (no-start)
            if new is not None:
                self._scale(new.guid, self.wanted)
            work.stage = "done"
            return
        ctx.log.info(msg.INCREMENTAL_UPDATE.format(app=self.name), app=self.name, module=self.spec.module)
        work.new_guid = new.guid
        work.new_count = cc_processes.web(ctx.cc, new.guid).instances
        old = next((a for a in observe.old_apps(ctx) if a.module == self.spec.module), None)
        old_app = cc_apps.get(ctx.cc, old.guid) if old is not None else None
        if old_app is None or old_app.state != "STARTED":
            ctx.log.info(msg.INCREMENTAL_STANDARD.format(module=self.spec.module), app=self.name)
            work.new_count = self.wanted
            ctx.save()
            self._scale(new.guid, self.wanted)
            self.go("up")
            return
        work.old_guid = old_app.guid
        work.old_initial = work.old_count = cc_processes.web(ctx.cc, old_app.guid).instances
        self.go("next")

    def stage_next(self) -> None:
        work = self.work
        if work.new_count >= self.wanted:
            routes = [] if self.spec.no_route else [r.url for r in self.spec.routes]
            text = msg.APP_STARTED.format(app=self.name, urls=", ".join(routes)) if routes else \
                msg.APP_STARTED_NO_ROUTE.format(app=self.name)
            self.ctx.log.info(text, app=self.name, module=self.spec.module)
            work.stage = "done"
            return
        if work.old_guid and work.old_count > 1:
            work.old_count -= 1
            self.ctx.save()  # the target first: a crash after the scale repeats an absolute, harmless scale
            self.ctx.log.debug(msg.SCALING_APP.format(app=self._old_name(), instances=work.old_count))
            self._scale(work.old_guid, work.old_count)
            self.go("down")
        else:
            self.go("grow")

    def stage_down(self) -> float | None:
        """The old instance is gone from the app's instances before the new one is asked for."""
        proc = cc_processes.web(self.ctx.cc, self.work.old_guid)
        if len(cc_processes.instance_states(self.ctx.cc, proc.guid)) > self.work.old_count:
            self._check_time()
            return self.poll()
        self.go("grow")
        return None

    def stage_grow(self) -> None:
        work = self.work
        work.new_count += 1
        self.ctx.save()
        self.ctx.log.debug(msg.SCALING_APP.format(app=self.name, instances=work.new_count), app=self.name)
        self._scale(work.new_guid, work.new_count)
        self.go("up")

    def stage_up(self) -> float | None:
        ctx, work = self.ctx, self.work
        proc = cc_processes.web(ctx.cc, work.new_guid)
        states = cc_processes.instance_states(ctx.cc, proc.guid)
        if "CRASHED" in states:
            self._roll_back()
            raise InfrastructureError(f'Application "{self.name}" crashed while its instances were scaled up to '
                                      f"{work.new_count}; both versions keep serving")
        if states.count("RUNNING") >= work.new_count:
            self.go("next")
            return None
        self._check_time()
        return self.poll()

    def _roll_back(self) -> None:
        ctx, work = self.ctx, self.work
        ctx.log.info(msg.SCALING_DOWN_NEW.format(app=self.name), app=self.name)
        self._scale(work.new_guid, 1)
        if work.old_guid:
            old = self._old_name()
            ctx.log.info(msg.SCALING_UP_OLD.format(app=old, instances=work.old_initial), app=old)
            self._scale(work.old_guid, work.old_initial)
        work.stage = ""  # a retry looks at both apps again and starts over
        ctx.save()

    def _old_name(self) -> str:
        return next((a.name for a in self.ctx.plan.deployed if a.guid == self.work.old_guid), self.work.old_guid)

    def _check_time(self) -> None:
        self.check_time(app_timeouts(self.ctx.options, self.ctx.settings, self.spec).start_s,
                        f'Scaling application "{self.name}"')
