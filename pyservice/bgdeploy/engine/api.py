"""The engine as the servicer sees it: start an operation, act on one, read operations and their events.

An operation's record (state, cursor, plan) is saved after every change, so a crashed or restarted
engine loses at most the step in flight, and that step is safe to run again.
"""

from __future__ import annotations

import logging
import secrets
import threading
from collections.abc import Callable

from bgdeploy import messages as msg
from bgdeploy.cc import CloudController
from bgdeploy.clock import SYSTEM_CLOCK, Clock
from bgdeploy.codec import from_plain, to_plain
from bgdeploy.engine.events import EventBus, ProgressLog
from bgdeploy.engine.operations import (
    ABORT,
    ABORTED,
    ACTION_REQUIRED,
    ACTIONS_BY_STATE,
    ACTIVE_STATES,
    BLUE_GREEN_DEPLOY,
    ERROR,
    FINAL_STATES,
    RESUME,
    ROLLBACK_MTA,
    RUNNING,
    UNDEPLOY,
    Target,
)
from bgdeploy.engine.options import DeployOptions
from bgdeploy.engine.plan import COLORS, IDLE_LIVE, PLAIN, DeploymentPlan
from bgdeploy.engine.preflight import resolve_operation
from bgdeploy.engine.processes import PROCESSES
from bgdeploy.engine.rollback import resolve_rollback
from bgdeploy.engine.runner import run_steps
from bgdeploy.engine.settings import EngineSettings
from bgdeploy.engine.smoke_box import SmokeBox, SmokeOutcome
from bgdeploy.engine.step import History, StepContext
from bgdeploy.engine.tokens import TokenSource
from bgdeploy.engine.workers import Workers
from bgdeploy.errors import ConflictError, ContentError, InvalidActionError, NotFoundError
from bgdeploy.mta.model import DeploymentModel
from bgdeploy.store import EventRecord, OperationRecord, Store

log = logging.getLogger(__name__)
ABORT_WAIT_S = 65.0  # longer than one CC request's timeout: an abort waits for the runner to stop


class Engine:
    def __init__(self, store: Store, settings: EngineSettings, *, clock: Clock = SYSTEM_CLOCK,
                 cc_factory: Callable[..., CloudController] = CloudController) -> None:
        self.store = store
        self.settings = settings
        self.clock = clock
        self.cc_factory = cc_factory
        self.bus = EventBus(store)
        self.workers = Workers()
        self._lock = threading.RLock()
        self._tokens: dict[str, TokenSource] = {}
        self._smoke: dict[str, SmokeBox] = {}  # where the shims' smoke-test reports arrive
        self._live: dict[str, StepContext] = {}  # operations whose runner is running
        self._abort_flags: dict[str, threading.Event] = {}  # set by an abort; every CC request checks it

    # -- lifecycle --------------------------------------------------------------------------------

    def recover(self) -> None:
        """After a restart no operation has a runner (or a token): RUNNING ones wait for `-a retry`."""
        for op in self.store.operations_in_state(RUNNING):
            op.state, op.error_type = ERROR, "INFRASTRUCTURE"
            op.error_message = msg.ENGINE_RESTARTED.format(id=op.id)
            self.store.save_operation(op)
            self.bus.emit(op.id, op.error_message, level="ERROR")

    def busy(self) -> bool:
        return self.workers.busy()

    def tokens(self, op_id: str) -> TokenSource:
        with self._lock:
            if op_id not in self._tokens:
                self._tokens[op_id] = TokenSource(msg.TOKEN_EXPIRED.format(id=op_id), self.settings.token_wait_s)
            return self._tokens[op_id]

    def smoke_box(self, op_id: str) -> SmokeBox:
        with self._lock:
            return self._smoke.setdefault(op_id, SmokeBox())

    def report_smoke_tests(self, op_id: str, target: Target, attempt: int,
                           outcomes: list[SmokeOutcome]) -> OperationRecord:
        op = self.get(op_id, target)
        if not self.smoke_box(op_id).report(attempt, outcomes):
            raise InvalidActionError(f"Operation {op_id} is not waiting for the smoke tests of attempt {attempt}")
        self.bus.notify(op_id)
        return op

    # -- starting ---------------------------------------------------------------------------------

    def start_operation(self, target: Target, token: str, process_type: str, *, archive_id: str = "",
                        extension_ids: list[str] | None = None, options: DeployOptions | None = None,
                        mta_id: str = "", abort_conflicting: bool = False) -> OperationRecord:
        options = options or DeployOptions()
        op = OperationRecord(
            id=self._new_id(), process_type=process_type, state=RUNNING, space_guid=target.space_guid,
            org_guid=target.org_guid, org_name=target.org_name, space_name=target.space_name,
            api_endpoint=target.api_endpoint, skip_ssl=target.skip_ssl_validation, started_by=target.user_name,
            started_at=self.clock.now(), mta_id=mta_id, namespace=options.namespace, archive_id=archive_id,
            ext_ids=list(extension_ids or []), options=options.plain(),
        )
        plan = DeploymentPlan(scheme=_scheme(process_type, options))
        models: dict[str, DeploymentModel] = {}
        if process_type in (UNDEPLOY, ROLLBACK_MTA) and not mta_id:
            raise ContentError("No MTA ID given")
        if process_type == ROLLBACK_MTA:
            models = resolve_rollback(op, target, token, self.cc_factory)
        elif process_type != UNDEPLOY:
            plan.default_domain, models = resolve_operation(self.store, op, target, token, self.cc_factory)
        op.data = plan.plain()
        plain_models = {phase: to_plain(m) for phase, m in models.items()}
        holder = self.store.insert_if_unlocked(op, plain_models)
        if holder is not None and abort_conflicting:
            self.act(holder.id, ABORT, token, target)
            holder = self.store.insert_if_unlocked(op, plain_models)
        if holder is not None:
            raise ConflictError(
                f'Conflicting process "{holder.id}" found for MTA "{op.mta_id}" (state {holder.state}). '
                f'Use "cf bg-deploy -i {holder.id} -a abort" to abort it, or deploy with -f.', holder.id)
        self.tokens(op.id).update(token)
        self._launch(op)
        return op

    def _new_id(self) -> str:
        while True:
            op_id = str(100000 + secrets.randbelow(900000))
            if not self.store.operation_exists(op_id):
                return op_id

    # -- actions ----------------------------------------------------------------------------------

    def get(self, op_id: str, target: Target | None = None) -> OperationRecord:
        with self._lock:
            live = self._live.get(op_id)
        op = live.op if live else self.store.get_operation(op_id)
        if op is None or (target is not None and op.space_guid != target.space_guid):
            raise NotFoundError(f"Multi-target app operation with ID {op_id} not found")
        return op

    def act(self, op_id: str, action: str, token: str, target: Target) -> OperationRecord:
        op = self.get(op_id, target)
        if action not in ACTIONS_BY_STATE.get(op.state, []):
            raise InvalidActionError(
                f'Action "{action.lower()}" is not possible for operation {op_id} in state {op.state}')
        self.tokens(op_id).update(token)
        if action == ABORT:
            return self._abort(op_id)
        if not self.workers.join(op_id, 10.0):
            raise InvalidActionError(f"Operation {op_id} is still stopping; try again in a moment")
        op = self.store.get_operation(op_id) or op
        if op.state not in (ERROR, ACTION_REQUIRED):
            raise InvalidActionError(
                f'Action "{action.lower()}" is not possible for operation {op_id} in state {op.state}')
        if action == RESUME:
            plan = DeploymentPlan.of(op.data)
            plan.resumed = True
            op.data = plan.plain()
        op.state, op.error_type, op.error_message = RUNNING, "", ""
        self.store.save_operation(op)
        self._launch(op)
        return op

    def _abort(self, op_id: str) -> OperationRecord:
        """Stop the runner (every CC request checks the flag), then record ABORTED and release the lock."""
        with self._lock:
            flag = self._abort_flags.get(op_id)
        if flag is not None:
            flag.set()
        if not self.workers.join(op_id, ABORT_WAIT_S):
            log.warning("runner of operation %s did not stop within %s s", op_id, ABORT_WAIT_S)
        op = self.store.get_operation(op_id)
        assert op is not None
        op.state, op.locked, op.ended_at = ABORTED, False, self.clock.now()
        self.store.save_operation(op)
        self.bus.emit(op.id, msg.PROCESS_ABORTED, level="WARN")
        self.tokens(op_id).forget()
        return op

    # -- running ----------------------------------------------------------------------------------

    def _launch(self, op: OperationRecord) -> None:
        aborted = threading.Event()
        with self._lock:
            self._abort_flags[op.id] = aborted
        self.workers.launch(op.id, lambda: self._run(op.id, aborted))

    def _context(self, op: OperationRecord, aborted: threading.Event) -> StepContext:
        cc = self.cc_factory(op.api_endpoint, self.tokens(op.id), verify=not op.skip_ssl, stopped=aborted.is_set,
                             request_tag=f"bgdeploy-{op.id}")
        archive = self.store.get_file(op.archive_id) if op.archive_id else None
        models = {phase: from_plain(DeploymentModel, m) for phase, m in self.store.models(op.id).items()}
        return StepContext(
            op=op, plan=DeploymentPlan.of(op.data), options=DeployOptions.of(op.options), models=models, cc=cc,
            log=ProgressLog(self.bus, op.id), clock=self.clock, settings=self.settings,
            archive_path=archive.path if archive else "", aborted=aborted, persist=self.store.save_operation,
            history=History(lambda: self.store.list_operations(op.space_guid, mta_id=op.mta_id,
                                                               states=FINAL_STATES)),
            smoke=self.smoke_box(op.id))

    def _run(self, op_id: str, aborted: threading.Event) -> None:
        op = self.store.get_operation(op_id)
        if op is None or op.state != RUNNING or aborted.is_set():
            return
        ctx = self._context(op, aborted)
        with self._lock:
            self._live[op_id] = ctx
        try:
            outcome = run_steps(ctx, PROCESSES[op.process_type])
            if outcome == "failed" and ctx.options.abort_on_error:
                self._abort_after_failure(ctx)
        finally:
            ctx.cc.close()
            self.smoke_box(op_id).withdraw()  # a stopped runner waits for no report
            with self._lock:
                self._live.pop(op_id, None)
            self.bus.notify(op_id)

    def _abort_after_failure(self, ctx: StepContext) -> None:
        ctx.op.state, ctx.op.locked, ctx.op.ended_at = ABORTED, False, self.clock.now()
        ctx.save()
        self.bus.emit(ctx.op.id, msg.PROCESS_ABORTED, level="WARN")

    # -- queries ----------------------------------------------------------------------------------

    def list_operations(self, target: Target, *, mta_id: str = "", last: int = 0,
                        all_states: bool = False) -> list[OperationRecord]:
        states = () if (all_states or last) else ACTIVE_STATES
        return self.store.list_operations(target.space_guid, mta_id=mta_id, states=states, last=last)

    def is_live(self, op_id: str) -> bool:
        with self._lock:
            return op_id in self._live or self.workers.alive(op_id)

    def events(self, op_id: str, after_seq: int = 0) -> list[EventRecord]:
        return self.store.events(op_id, after_seq)

    def last_seq(self, op_id: str) -> int:
        return self.store.last_seq(op_id)


def _scheme(process_type: str, options: DeployOptions) -> str:
    if process_type != BLUE_GREEN_DEPLOY:
        return PLAIN
    return IDLE_LIVE if options.keep_original_app_names else COLORS


__all__ = ["Engine", "Target"]
