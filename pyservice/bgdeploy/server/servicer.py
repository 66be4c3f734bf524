"""The Deployer service: decode → engine → encode. Tokens come from call metadata and live in memory."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from typing import Any

import grpc

from bgdeploy.cc import CloudController
from bgdeploy.engine import dryrun, mtas
from bgdeploy.engine.api import Engine
from bgdeploy.engine.tokens import StaticToken
from bgdeploy.errors import BgDeployError, ContentError, NotFoundError
from bgdeploy.server import convert, upload_parts
from bgdeploy.server.files import FileStore
from bgdeploy.server.local_files import LocalFiles
from bgdeploy.store.records import RUNNING
from bgdeploy.v1 import deployer_pb2 as pb
from bgdeploy.v1 import deployer_pb2_grpc as pb_grpc

log = logging.getLogger(__name__)


def bearer(context: grpc.ServicerContext) -> str:
    for key, value in context.invocation_metadata():
        if key == "authorization":
            return str(value)
    return ""


class Activity:
    """Remembers when the engine last served a call, so an idle local engine can exit."""

    def __init__(self) -> None:
        self.last = time.monotonic()
        self.calls = 0
        self._lock = threading.Lock()

    def enter(self) -> None:
        with self._lock:
            self.calls += 1
            self.last = time.monotonic()

    def leave(self) -> None:
        with self._lock:
            self.calls -= 1
            self.last = time.monotonic()


def guarded(method: Any) -> Any:
    """Map engine errors to gRPC status codes; never leak a traceback to the client."""

    def wrapper(self: DeployerService, request: Any, context: grpc.ServicerContext) -> Any:
        self.activity.enter()
        try:
            return method(self, request, context)
        except BgDeployError as exc:
            convert.abort_with(context, exc)
        except grpc.RpcError:
            raise
        except Exception as exc:
            log.exception("%s failed", method.__name__)
            context.abort(grpc.StatusCode.INTERNAL, f"Internal error in the deploy engine: {exc}")
        finally:
            self.activity.leave()

    wrapper.__name__ = method.__name__
    return wrapper


class DeployerService(pb_grpc.DeployerServicer):
    def __init__(self, engine: Engine, files: FileStore, activity: Activity,
                 local_files: LocalFiles | None = None) -> None:
        self.engine = engine
        self.files = files
        self.activity = activity
        self.local_files = local_files  # a local engine on a Unix socket: files handed over by descriptor

    def _local(self) -> LocalFiles:
        if self.local_files is None:
            raise ContentError("This engine takes files as a stream only (no files socket)")
        return self.local_files

    @guarded
    def Upload(self, request_iterator: Iterator[pb.UploadRequest | memoryview],
               context: grpc.ServicerContext) -> pb.FileRef:
        """The requests come decoded by upload_parts.decode: data parts as views of gRPC's buffers."""
        first = next(request_iterator, None)
        if not isinstance(first, pb.UploadRequest) or not first.HasField("header"):
            raise ContentError("An upload must start with its header")
        h = first.header
        target = convert.target(h.target)
        kind = convert.FILE_KINDS.get(h.kind, "ARCHIVE")
        if h.local_file:
            if next(request_iterator, None) is not None:
                raise ContentError("An upload of a file handed over carries no data", file=h.file_name)
            rec, reused = self._local().save(h.local_file, file_name=h.file_name, kind=kind, size=h.size,
                                             space_guid=target.space_guid)
        else:
            rec, reused = self.files.save(upload_parts.data_of(request_iterator), file_name=h.file_name, kind=kind,
                                          size=h.size, sha256=h.sha256, space_guid=target.space_guid)
        return pb.FileRef(id=rec.id, file_name=rec.file_name, size=rec.size, sha256=rec.sha256, reused=reused)

    @guarded
    def FindFile(self, request: pb.FindFileRequest, context: grpc.ServicerContext) -> pb.FileRef:
        target = convert.target(request.target)
        kind = convert.FILE_KINDS.get(request.kind, "ARCHIVE")
        if request.local_file:
            rec = self._local().find(request.local_file, kind, target.space_guid)
        else:
            rec = self.files.find(request.sha256.lower(), kind, target.space_guid)
        if rec is None:
            raise NotFoundError("No file with this digest")
        return pb.FileRef(id=rec.id, file_name=rec.file_name, size=rec.size, sha256=rec.sha256, reused=True)

    @guarded
    def StartOperation(self, request: pb.StartOperationRequest, context: grpc.ServicerContext) -> pb.Operation:
        target = convert.target(request.target)
        process = convert.PROCESS_TYPES.get(request.process_type)
        if process is None:
            raise ContentError("Unknown process type")
        op = self.engine.start_operation(
            target, bearer(context), process, archive_id=request.archive_id,
            extension_ids=list(request.extension_descriptor_ids), options=convert.options(request.options),
            mta_id=request.mta_id, abort_conflicting=request.abort_conflicting,
        )
        return convert.operation(op, self.engine.last_seq(op.id))

    @guarded
    def PlanDeployment(self, request: pb.StartOperationRequest, context: grpc.ServicerContext) -> pb.DryRunPlan:
        target = convert.target(request.target)
        process = convert.PROCESS_TYPES.get(request.process_type)
        if process is None:
            raise ContentError("Unknown process type")
        plan = self.engine.preview(target, bearer(context), process, archive_id=request.archive_id,
                                   extension_ids=list(request.extension_descriptor_ids),
                                   options=convert.options(request.options))
        return pb.DryRunPlan(changes=plan.changes, plan_json=plan.to_json(), lines=dryrun.lines(plan))

    @guarded
    def Act(self, request: pb.ActRequest, context: grpc.ServicerContext) -> pb.Operation:
        action = convert.ACTIONS.get(request.action)
        if action is None:
            raise ContentError("Unknown action")
        op = self.engine.act(request.operation_id, action, bearer(context), convert.target(request.target))
        return convert.operation(op, self.engine.last_seq(op.id))

    def Watch(self, request_iterator: Iterator[pb.WatchRequest], context: grpc.ServicerContext) -> Iterator[pb.Event]:
        self.activity.enter()
        try:
            yield from self._watch(request_iterator, context)
        except BgDeployError as exc:
            convert.abort_with(context, exc)
        finally:
            self.activity.leave()

    def _watch(self, requests: Iterator[pb.WatchRequest], context: grpc.ServicerContext) -> Iterator[pb.Event]:
        first = next(requests, None)
        if first is None or not first.HasField("start"):
            raise ContentError("A watch must start with WatchStart")
        start = first.start
        target = convert.target(start.target)
        op_id = start.operation_id
        self.engine.get(op_id, target)
        tokens = self.engine.tokens(op_id)
        tokens.offer(bearer(context))  # only the operation's actor's token is ever used
        tokens.attach()
        done = threading.Event()
        context.add_callback(done.set)

        def read_grants() -> None:
            try:
                for req in requests:
                    if req.HasField("token"):
                        tokens.offer(req.token.access_token)
            except grpc.RpcError:
                pass
            except Exception:  # the stream closed under us; nothing to do
                log.debug("watch request stream of %s ended", op_id)

        threading.Thread(target=read_grants, daemon=True, name=f"grants-{op_id}").start()
        seq = start.after_seq
        asked = False
        smoke_sent = 0  # the smoke-test attempt this watcher handed to its shim
        try:
            while not done.is_set():
                generation = self.engine.bus.generation(op_id)
                op = self.engine.get(op_id)
                live = self.engine.is_live(op_id)
                events = self.engine.events(op_id, seq)
                for ev in events:
                    seq = ev.seq
                    if ev.level != "DEBUG":
                        yield convert.event(ev)
                if not events and op.state != RUNNING and not live:
                    yield pb.Event(operation_id=op_id, stopped=pb.Stopped(operation=convert.operation(op)))
                    return
                if tokens.wanted() and not asked:
                    asked = True
                    yield pb.Event(operation_id=op_id, token_request=pb.TokenRequest(reason="token expires soon"))
                elif not tokens.wanted():
                    asked = False
                smoke = self.engine.smoke_box(op_id).pending()
                # Only once every event before it went out: the step logs before it posts the request.
                if smoke is not None and smoke.attempt != smoke_sent and not self.engine.events(op_id, seq):
                    smoke_sent = smoke.attempt
                    self.engine.smoke_box(op_id).mark_delivered(smoke.attempt)
                    yield convert.smoke_request(op_id, smoke)
                if not events:
                    self.engine.bus.wait(op_id, 0.25, seen=generation)  # woken by the next event (pushed)
        finally:
            tokens.detach()
            self.engine.drop_tokens(op_id)

    @guarded
    def ReportSmokeTests(self, request: pb.SmokeTestReport, context: grpc.ServicerContext) -> pb.Operation:
        op = self.engine.report_smoke_tests(request.operation_id, convert.target(request.target), request.attempt,
                                            convert.smoke_outcomes(request))
        return convert.operation(op, self.engine.last_seq(op.id))

    @guarded
    def GetOperation(self, request: pb.GetOperationRequest, context: grpc.ServicerContext) -> pb.Operation:
        op = self.engine.get(request.operation_id, convert.target(request.target))
        return convert.operation(op, self.engine.last_seq(op.id))

    @guarded
    def ListOperations(self, request: pb.ListOperationsRequest,
                       context: grpc.ServicerContext) -> pb.ListOperationsResponse:
        ops = self.engine.list_operations(convert.target(request.target), mta_id=request.mta_id,
                                          last=request.last, all_states=request.all)
        return pb.ListOperationsResponse(operations=[convert.operation(o) for o in ops])

    def _cc(self, target: convert.Target, context: grpc.ServicerContext) -> CloudController:
        return CloudController(target.api_endpoint, StaticToken(bearer(context)),
                               verify=not target.skip_ssl_validation)

    @guarded
    def ListMtas(self, request: pb.ListMtasRequest, context: grpc.ServicerContext) -> pb.ListMtasResponse:
        target = convert.target(request.target)
        cc = self._cc(target, context)
        try:
            found = mtas.list_mtas(cc, target.space_guid)
        finally:
            cc.close()
        return pb.ListMtasResponse(mtas=[pb.Mta(id=m.id, version=m.version, namespace=m.namespace,
                                                versions=_versions(m)) for m in found])

    @guarded
    def GetMta(self, request: pb.GetMtaRequest, context: grpc.ServicerContext) -> pb.Mta:
        target = convert.target(request.target)
        cc = self._cc(target, context)
        try:
            m = mtas.get_mta(cc, target.space_guid, request.mta_id, request.namespace, now=self.engine.clock.now())
        finally:
            cc.close()
        return pb.Mta(
            id=m.id, version=m.version, namespace=m.namespace, versions=_versions(m),
            apps=[pb.MtaApp(name=a.name, module=a.module, state=a.state, running_instances=a.running,
                            instances=a.instances, memory_mb=a.memory_mb, disk_mb=a.disk_mb, urls=a.urls)
                  for a in m.apps],
            services=[pb.MtaService(name=s.name, offering=s.offering, plan=s.plan, bound_apps=s.bound_apps,
                                    last_operation=s.last_operation) for s in m.services],
            backup=convert.mta_backup(m.backup),
        )

    def GetOperationLog(self, request: pb.GetOperationLogRequest,
                        context: grpc.ServicerContext) -> Iterator[pb.LogChunk]:
        try:
            self.engine.get(request.operation_id, convert.target(request.target))
        except BgDeployError as exc:
            convert.abort_with(context, exc)
        lines = []
        for ev in self.engine.events(request.operation_id):
            stamp = convert.timestamp(ev.time)
            lines.append(f"{stamp.ToJsonString() if stamp else ''} [{ev.level}] {ev.text}\n")
        data = "".join(lines).encode()
        for i in range(0, max(len(data), 1), 1 << 20):
            yield pb.LogChunk(name="MAIN_LOG", data=data[i : i + (1 << 20)])


def _versions(m: mtas.DeployedMta) -> list[pb.MtaVersion]:
    return [pb.MtaVersion(version=v.version, color=v.color, apps=v.apps) for v in m.versions]
