"""The engine as the servicer sees it: start an operation, act on one, read operations and their events.

An operation's record (state, cursor, plan) is saved after every change, so a crashed or restarted
engine loses at most the step in flight, and that step is safe to run again.

Each engine process is one instance (`self.instance`). It owns the operations it runs through a lease in
the store, renewed by engine.leases; its writes land only while it still owns them and no abort was asked
for, so an abort through another instance is never overwritten. Tokens live in memory, per operation and
actor (engine.tokens), and are dropped as soon as the operation stops running.
"""

from __future__ import annotations

import logging
import secrets
import threading
from collections.abc import Callable
from typing import Any

from bgdeploy import messages as msg
from bgdeploy.cc import CloudController
from bgdeploy.clock import SYSTEM_CLOCK, Clock
from bgdeploy.codec import from_plain, to_plain
from bgdeploy.engine import dryrun, holding
from bgdeploy.engine.dryrun import DryRunPlan
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
from bgdeploy.engine.tokens import StaticToken, TokenSource, token_user
from bgdeploy.engine.workers import Workers
from bgdeploy.errors import (
    ConflictError,
    ContentError,
    InvalidActionError,
    NotFoundError,
    OperationAborted,
    TokenExpiredError,
)
from bgdeploy.mta.model import DeploymentModel
from bgdeploy.store import DatabaseUnavailable, EventRecord, OperationRecord, Store

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
        self.instance = secrets.token_hex(6)
        self._lock = threading.RLock()
        self._tokens: dict[str, TokenSource] = {}
        self._smoke: dict[str, SmokeBox] = {}  # where the shims' smoke-test reports arrive
        self._live: dict[str, StepContext] = {}  # operations whose runner is running
        self._abort_flags: dict[str, threading.Event] = {}  # set by an abort; every CC request checks it

    # -- lifecycle --------------------------------------------------------------------------------

    def recover(self) -> None:
        """A local engine after a restart: no RUNNING operation has a runner (or a token), so they wait for
        `-a retry`. Shared instances recover nothing here: engine.leases takes over RUNNING operations
        once their instance's lease has expired (which a live instance never lets happen)."""
        if self.settings.takeover:
            return
        for op in self.store.operations_in_state(RUNNING):
            op.state, op.error_type = ERROR, "INFRASTRUCTURE"
            op.error_message = msg.ENGINE_RESTARTED.format(id=op.id)
            self.store.save_operation(op)
            self.bus.emit(op.id, op.error_message, level="ERROR")

    def busy(self) -> bool:
        return self.workers.busy()

    def tokens(self, op_id: str, actor: str | None = None) -> TokenSource:
        """The operation's token source (created with the operation's actor from the store)."""
        with self._lock:
            source = self._tokens.get(op_id)
        if source is not None:
            return source
        if actor is None:
            op = self.store.get_operation(op_id)
            actor = op.actor if op else ""
        with self._lock:
            return self._tokens.setdefault(op_id, TokenSource(msg.TOKEN_EXPIRED.format(id=op_id),
                                                              self.settings.token_wait_s, actor=actor))

    def drop_tokens(self, op_id: str) -> None:
        """Forget the operation's token unless it runs here; the entry goes once nobody watches it."""
        with self._lock:
            source = self._tokens.get(op_id)
            if source is None or op_id in self._live or self.workers.alive(op_id):
                return
            source.forget()
            if source.watchers <= 0:
                self._tokens.pop(op_id, None)

    def holds_token(self, op_id: str) -> bool:
        """Whether this instance keeps a token of the operation in memory."""
        with self._lock:
            source = self._tokens.get(op_id)
        return source is not None and source.holds()

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
            ext_ids=list(extension_ids or []), options=options.plain(), actor=token_user(token),
        )
        plan = DeploymentPlan(scheme=_scheme(process_type, options))
        models: dict[str, DeploymentModel] = {}
        if process_type in (UNDEPLOY, ROLLBACK_MTA) and not mta_id:
            raise ContentError("No MTA ID given")
        if process_type == ROLLBACK_MTA:
            models = resolve_rollback(op, target, token, self.cc_factory)
        elif process_type != UNDEPLOY:
            plan.default_domain, models = resolve_operation(self.store, op, target, token, self.cc_factory,
                                                            self.cache_dir)
        op.data = plan.plain()
        plain_models = {phase: to_plain(m) for phase, m in models.items()}
        lease = self.settings.lease_s
        holder = self.store.insert_if_unlocked(op, plain_models, owner=self.instance, lease_s=lease)
        if holder is not None and abort_conflicting:
            self.get(holder.id, target)
            self._abort(holder.id, token, keep={archive_id, *op.ext_ids})  # the new operation's files stay
            holder = self.store.insert_if_unlocked(op, plain_models, owner=self.instance, lease_s=lease)
        if holder is not None:
            raise ConflictError(
                f'Conflicting process "{holder.id}" found for MTA "{op.mta_id}" (state {holder.state}). '
                f'Use "cf bg-deploy -i {holder.id} -a abort" to abort it, or deploy with -f.', holder.id)
        self._lock_in_cf(op, target, token, force=abort_conflicting)
        source = self.tokens(op.id, op.actor)
        source.hand_over(token)
        self._launch(op)
        return op

    def _lock_in_cf(self, op: OperationRecord, target: Target, token: str, *, force: bool) -> None:
        holding.lock_in_cf(self.store, self.settings, self.cc_factory, op, target, token, force=force)
        self.store.save_operation(op, owner=self.instance)

    def preview(self, target: Target, token: str, process_type: str, *, archive_id: str,
                extension_ids: list[str] | None = None, options: DeployOptions | None = None) -> DryRunPlan:
        """--dry-run: what this deploy would do, from reads only (no operation, no lock, no CC write)."""
        if process_type == UNDEPLOY:
            raise ContentError("A dry run plans a deploy; undeploy has none")
        options = options or DeployOptions()
        return dryrun.preview(self.store, self.settings, self.clock, self.cc_factory, target, token, process_type,
                              _scheme(process_type, options), archive_id=archive_id,
                              extension_ids=list(extension_ids or []), options=options)

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
        if action == ABORT:
            return self._abort(op_id, token)
        if not token:  # never go on with a token someone else left behind
            raise TokenExpiredError(msg.NEEDS_TOKEN.format(action=action.lower()))
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
        op.state, op.error_type, op.error_message, op.actor = RUNNING, "", "", token_user(token)
        if not self.store.save_operation(op, owner=self.instance, from_states=(ERROR, ACTION_REQUIRED),
                                         claim_lease_s=self.settings.lease_s):
            raise InvalidActionError(f"Operation {op_id} changed meanwhile (another action or an abort); "
                                     "look at it again with -a monitor")
        self.tokens(op_id, op.actor).hand_over(token)
        self._launch(op)
        return op

    def _abort(self, op_id: str, token: str, keep: set[str] | None = None) -> OperationRecord:
        """Through the database: flag the abort, let the owning instance (this one or another) stop its
        runner, then record ABORTED and release the lock. The owner's later writes do not land."""
        self.store.request_abort(op_id)
        with self._lock:
            flag = self._abort_flags.get(op_id)
        if flag is not None:
            flag.set()
        if not self.workers.join(op_id, ABORT_WAIT_S):
            log.warning("runner of operation %s did not stop within %s s", op_id, ABORT_WAIT_S)
        deadline = self.clock.now() + ABORT_WAIT_S
        while self.store.lease_live(op_id) and self.clock.now() < deadline:  # owned by another instance
            self.clock.wait(threading.Event(), 0.1)
        if self.store.finish_abort(op_id, self.clock.now()):
            self.bus.emit(op_id, msg.PROCESS_ABORTED, level="WARN")
        op = self.store.get_operation(op_id)
        assert op is not None
        self.drop_tokens(op_id)
        if op.state == ABORTED and token:
            self._release_cf_lock(op, StaticToken(token))
        self.ended(op, keep or set())
        return op

    def _release_cf_lock(self, op: OperationRecord, tokens: Any) -> None:
        holding.release_cf_lock(self.cc_factory, op, tokens)

    def ended(self, op: OperationRecord, keep: set[str] | None = None) -> None:
        holding.delete_uploads(self.store, self.settings, op, keep)

    # -- running ----------------------------------------------------------------------------------

    def _launch(self, op: OperationRecord) -> None:
        aborted = threading.Event()
        with self._lock:
            self._abort_flags[op.id] = aborted
        self.workers.launch(op.id, lambda: self._run(op.id, aborted))

    def adopt(self, op_id: str, from_instance: str = "") -> None:
        """Run an operation claimed from a dead instance (engine.leases): it waits for its actor's token."""
        op = self.store.get_operation(op_id)
        if op is None:
            return
        source = self.tokens(op_id, op.actor)
        source.expect_token(self.settings.adopt_wait_s,
                            msg.TAKEN_OVER.format(instance=self.instance, user=op.started_by, id=op_id))
        self.bus.emit(op_id, f"Engine instance {self.instance} took over the operation", level="DEBUG")
        self._launch(op)

    def live_operations(self) -> dict[str, threading.Event]:
        """Operations whose runner runs in this instance, with their abort flags."""
        with self._lock:
            flags = dict(self._abort_flags)
        return {op_id: flag for op_id, flag in flags.items() if self.workers.alive(op_id)}

    def _persist(self, op: OperationRecord) -> None:
        if not self.store.save_operation(op, owner=self.instance):
            raise OperationAborted(f"Operation {op.id} was aborted or taken over by another instance")

    def _context(self, op: OperationRecord, aborted: threading.Event) -> StepContext:
        cc = self.cc_factory(op.api_endpoint, self.tokens(op.id), verify=not op.skip_ssl, stopped=aborted.is_set,
                             request_tag=f"bgdeploy-{op.id}")
        archive = self.store.get_file(op.archive_id) if op.archive_id else None
        archive_path = self.store.local_copy(archive, self.cache_dir) if archive else ""
        models = {phase: from_plain(DeploymentModel, m) for phase, m in self.store.models(op.id).items()}
        return StepContext(
            op=op, plan=DeploymentPlan.of(op.data), options=DeployOptions.of(op.options), models=models, cc=cc,
            log=ProgressLog(self.bus, op.id), clock=self.clock, settings=self.settings,
            archive_path=archive_path, aborted=aborted, persist=self._persist,
            history=History(lambda: self.store.list_operations(op.space_guid, mta_id=op.mta_id,
                                                               states=FINAL_STATES)),
            smoke=self.smoke_box(op.id))

    @property
    def cache_dir(self) -> str:
        return f"{self.settings.state_dir}/cache"

    def _run(self, op_id: str, aborted: threading.Event) -> None:
        try:
            op = self.store.get_operation(op_id)
            if op is None or op.state != RUNNING or aborted.is_set():
                return
            ctx = self._context(op, aborted)
        except DatabaseUnavailable:
            log.warning("operation %s: database unreachable; its lease will expire and it is run again", op_id)
            return
        with self._lock:
            self._live[op_id] = ctx
        try:
            outcome = run_steps(ctx, PROCESSES[op.process_type])
            if outcome == "failed" and ctx.options.abort_on_error:
                self._abort_after_failure(ctx)
            if ctx.op.state in FINAL_STATES:
                self._release_cf_lock(ctx.op, self.tokens(op_id))
        except OperationAborted:
            log.info("operation %s stopped: aborted or taken over", op_id)
        except DatabaseUnavailable:
            log.warning("operation %s: database unreachable; its lease will expire and it is run again", op_id)
        finally:
            ctx.cc.close()
            self.smoke_box(op_id).withdraw()  # a stopped runner waits for no report
            with self._lock:
                self._live.pop(op_id, None)
            self._after_run(op_id)

    def _after_run(self, op_id: str) -> None:
        try:
            self.store.release(op_id, self.instance)
            op = self.store.get_operation(op_id)
            if op is not None and op.state in FINAL_STATES:
                self.ended(op)
        except DatabaseUnavailable:
            pass
        finally:
            with self._lock:
                source = self._tokens.get(op_id)
                if source is not None and source.watchers <= 0:
                    self._tokens.pop(op_id, None)
            if source is not None:
                source.forget()  # paused, ended, failed or aborted: the token is not kept
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
