"""The engine: starts operations, runs their steps on a thread each, applies user actions.

An operation's record (state, phase, step cursor, step data) is saved after every change, so a crashed
or restarted engine loses at most the step in flight; `-a retry` runs that step again.
"""

from __future__ import annotations

import logging
import secrets
import threading
import time
from dataclasses import dataclass
from typing import Any

from bgdeploy import messages as msg
from bgdeploy import mta
from bgdeploy.cc import CloudController
from bgdeploy.cc import routes as cc_routes
from bgdeploy.engine.context import OperationAborted, OperationContext
from bgdeploy.engine.events import EventBus
from bgdeploy.engine.mta_loader import platform_context, resolve_archive
from bgdeploy.engine.processes import PROCESSES
from bgdeploy.engine.settings import EngineSettings
from bgdeploy.engine.step import Done, Pause, Wait
from bgdeploy.engine.tokens import StaticToken, TokenSource
from bgdeploy.errors import (
    BgDeployError,
    ConflictError,
    ContentError,
    InvalidActionError,
    NotFoundError,
    TokenExpiredError,
)
from bgdeploy.store import ACTIVE_STATES, OperationRecord, Store
from bgdeploy.store.records import ABORTED, ACTION_REQUIRED, ERROR, FINISHED, RUNNING

log = logging.getLogger(__name__)

ACTIONS_BY_STATE = {RUNNING: ["ABORT"], ERROR: ["ABORT", "RETRY"], ACTION_REQUIRED: ["ABORT", "RESUME"]}


@dataclass(frozen=True)
class Target:
    api_endpoint: str
    skip_ssl_validation: bool
    org_guid: str
    org_name: str
    space_guid: str
    space_name: str
    user_name: str


class Engine:
    def __init__(self, store: Store, settings: EngineSettings, files: Any) -> None:
        self.store = store
        self.settings = settings
        self.files = files
        self.bus = EventBus(store)
        self._lock = threading.RLock()
        self._tokens: dict[str, TokenSource] = {}
        self._live: dict[str, OperationContext] = {}  # operations whose thread runs
        self._threads: dict[str, threading.Thread] = {}

    # -- lifecycle --------------------------------------------------------------------------------

    def recover(self) -> None:
        """After a restart no operation has a thread (or a token): RUNNING ones wait for `-a retry`."""
        for op in self.store.operations_in_state(RUNNING):
            op.state = ERROR
            op.error_type = "INFRASTRUCTURE"
            op.error_message = msg.ENGINE_RESTARTED.format(id=op.id)
            self.store.save_operation(op)
            self.bus.emit(op.id, op.error_message, level="ERROR")

    def busy(self) -> bool:
        with self._lock:
            return any(t.is_alive() for t in self._threads.values())

    def tokens(self, op_id: str) -> TokenSource:
        with self._lock:
            if op_id not in self._tokens:
                self._tokens[op_id] = TokenSource(msg.TOKEN_EXPIRED.format(id=op_id), self.settings.token_wait_s)
            return self._tokens[op_id]

    # -- starting ---------------------------------------------------------------------------------

    def start_operation(self, target: Target, token: str, process_type: str, *, archive_id: str = "",
                        extension_ids: list[str] | None = None, options: dict[str, Any] | None = None,
                        mta_id: str = "", abort_conflicting: bool = False) -> OperationRecord:
        options = options or {}
        extension_ids = extension_ids or []
        namespace = options.get("namespace", "")
        op = OperationRecord(
            id=self._new_id(), process_type=process_type, state=RUNNING, space_guid=target.space_guid,
            org_guid=target.org_guid, org_name=target.org_name, space_name=target.space_name,
            api_endpoint=target.api_endpoint, skip_ssl=target.skip_ssl_validation, started_by=target.user_name,
            started_at=time.time(), mta_id=mta_id, namespace=namespace, archive_id=archive_id,
            ext_ids=extension_ids, options=options,
        )
        if process_type != "UNDEPLOY":
            self._preflight(op, target, token)
        elif not mta_id:
            raise ContentError("No MTA ID given")
        holder = self.store.insert_if_unlocked(op)
        if holder is not None and abort_conflicting:
            self.act(holder.id, "ABORT", token, target)
            holder = self.store.insert_if_unlocked(op)
        if holder is not None:
            raise ConflictError(
                f'Conflicting process "{holder.id}" found for MTA "{op.mta_id}" (state {holder.state}). '
                f'Use "cf bg-deploy -i {holder.id} -a abort" to abort it, or deploy with -f.', holder.id)
        self.tokens(op.id).update(token)
        self._launch(op)
        return op

    def _preflight(self, op: OperationRecord, target: Target, token: str) -> None:
        """Read and resolve the whole MTA before anything exists: bad input fails here, changing nothing."""
        archive = self._file(op.archive_id, target)
        exts = [(f.file_name, f.path) for f in (self._file(i, target) for i in op.ext_ids)]
        with mta.open_archive(archive.path, archive.file_name) as arc:
            descriptor = arc.descriptor
        op.mta_id, op.mta_version, op.archive_name = descriptor.id, descriptor.version, archive.file_name
        cc = CloudController(target.api_endpoint, StaticToken(token), verify=not target.skip_ssl_validation)
        try:
            domain = cc_routes.default_domain(cc, target.org_guid)["name"]
        finally:
            cc.close()
        op.data["target"] = {"default_domain": domain}
        platform = platform_context(op, domain)
        for phase in ("live", "idle") if op.process_type == "BLUE_GREEN_DEPLOY" else ("live",):
            resolve_archive(archive.path, archive.file_name, exts, platform, phase, op.options)

    def _new_id(self) -> str:
        while True:
            op_id = str(100000 + secrets.randbelow(900000))
            if not self.store.operation_exists(op_id):
                return op_id

    def _file(self, file_id: str, target: Target) -> Any:
        rec = self.store.get_file(file_id)
        if rec is None or rec.space_guid != target.space_guid:
            raise NotFoundError(f"Uploaded file {file_id} not found")
        return rec

    # -- actions ----------------------------------------------------------------------------------

    def get(self, op_id: str, target: Target | None = None) -> OperationRecord:
        with self._lock:
            live = self._live.get(op_id)
        op = live.op if live else self.store.get_operation(op_id)
        if op is None or (target is not None and op.space_guid != target.space_guid):
            raise NotFoundError(f"Multi-target app operation with ID {op_id} not found")
        return op

    def act(self, op_id: str, action: str, token: str, target: Target) -> OperationRecord:
        with self._lock:
            op = self.get(op_id, target)
            if action not in ACTIONS_BY_STATE.get(op.state, []):
                raise InvalidActionError(
                    f'Action "{action.lower()}" is not possible for operation {op_id} in state {op.state}')
            self.tokens(op_id).update(token)
            live = self._live.get(op_id)
            if action == "ABORT":
                self._abort(op, live)
                return op
            op.state, op.error_type, op.error_message = RUNNING, "", ""
            self._save(op, live)
            self._launch(op)
            return op

    def _abort(self, op: OperationRecord, live: OperationContext | None) -> None:
        if live is not None:
            live.aborted.set()
        op.state, op.locked, op.ended_at = ABORTED, False, time.time()
        self._save(op, live)
        self.bus.emit(op.id, msg.PROCESS_ABORTED, level="WARN")

    def _save(self, op: OperationRecord, live: OperationContext | None) -> None:
        if live is not None:
            live.save()
        else:
            self.store.save_operation(op)

    # -- running ----------------------------------------------------------------------------------

    def _launch(self, op: OperationRecord) -> None:
        with self._lock:
            previous = self._threads.get(op.id)
            if previous is not None and previous.is_alive():
                previous.join(timeout=60)
            thread = threading.Thread(target=self._run, args=(op,), name=f"op-{op.id}", daemon=True)
            self._threads[op.id] = thread
            thread.start()

    def _context(self, op: OperationRecord) -> OperationContext:
        tokens = self.tokens(op.id)
        cc = CloudController(op.api_endpoint, tokens, verify=not op.skip_ssl)
        archive = self.store.get_file(op.archive_id) if op.archive_id else None
        exts = [(f.file_name, f.path) for i in op.ext_ids if (f := self.store.get_file(i)) is not None]
        return OperationContext(op=op, store=self.store, cc=cc, bus=self.bus, settings=self.settings,
                                archive_path=archive.path if archive else "", extension_paths=exts,
                                aborted=threading.Event())

    def _run(self, op: OperationRecord) -> None:
        ctx = self._context(op)
        with self._lock:
            self._live[op.id] = ctx
        try:
            self._run_steps(ctx)
        finally:
            ctx.cc.close()
            with self._lock:
                self._live.pop(op.id, None)
            self.bus.notify(op.id)

    def _run_steps(self, ctx: OperationContext) -> None:
        steps = PROCESSES[ctx.op.process_type]
        while ctx.op.cursor < len(steps):
            if ctx.aborted.is_set():
                return
            step = steps[ctx.op.cursor]
            if step.phase and ctx.op.phase != step.phase:
                ctx.save(phase=step.phase)
            try:
                result = step.run(ctx)
            except OperationAborted:
                return
            except BgDeployError as exc:
                self._fail(ctx, step.error_message, exc)
                return
            except Exception as exc:  # a bug: keep the traceback in the engine log, not in the user's face
                log.exception("step %s of operation %s failed", step.name, ctx.op.id)
                self._fail(ctx, step.error_message, exc)
                return
            if ctx.aborted.is_set():
                return
            if isinstance(result, Wait):
                ctx.aborted.wait(min(result.seconds, 1.0))
                continue
            ctx.save(cursor=ctx.op.cursor + 1)
            if isinstance(result, Pause):
                ctx.save(state=ACTION_REQUIRED)
                self.bus.notify(ctx.op.id)
                return
            assert isinstance(result, Done)
        ctx.save(state=FINISHED, locked=False, ended_at=time.time(),
                 live_color=ctx.op.idle_color or ctx.op.live_color)

    def _fail(self, ctx: OperationContext, what: str, exc: Exception) -> None:
        if ctx.aborted.is_set():
            return
        content = isinstance(exc, ContentError)
        text = str(exc) if isinstance(exc, TokenExpiredError) else f"{what}: {exc}"
        ctx.bus.emit(ctx.op.id, text, level="ERROR")
        ctx.save(state=ERROR, error_type="CONTENT" if content else "INFRASTRUCTURE", error_message=text)
        if ctx.options.get("abort_on_error"):
            with self._lock:
                self._abort(ctx.op, ctx)

    # -- queries ----------------------------------------------------------------------------------

    def list_operations(self, target: Target, *, mta_id: str = "", last: int = 0,
                        all_states: bool = False) -> list[OperationRecord]:
        states = () if (all_states or last) else ACTIVE_STATES
        return self.store.list_operations(target.space_guid, mta_id=mta_id, states=states, last=last)

    def is_live(self, op_id: str) -> bool:
        with self._lock:
            return op_id in self._live
