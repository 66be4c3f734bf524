"""The gRPC servicer over a real channel (`create_server(":0")`) in front of a fake engine: decode, call,
encode, and engine errors mapped to status codes in one place."""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import grpc
import pytest

from bgdeploy.engine.dryrun.document import DryRunPlan, ModulePlan, MtaVersions
from bgdeploy.engine.events import EventBus
from bgdeploy.engine.options import DeployOptions
from bgdeploy.engine.smoke_box import SmokeBox, SmokeOutcome, SmokeRequest
from bgdeploy.engine.tokens import TokenSource
from bgdeploy.errors import ConflictError, ContentError, InvalidActionError, NotFoundError
from bgdeploy.server.files import FileStore
from bgdeploy.server.main import create_server
from bgdeploy.server.servicer import Activity
from bgdeploy.store import EventRecord, OperationRecord, open_store
from bgdeploy.v1 import deployer_pb2 as pb
from bgdeploy.v1 import deployer_pb2_grpc as pb_grpc

TARGET = pb.Target(api_endpoint="https://api.example.com", org_guid="o", org_name="org", space_guid="s",
                   space_name="space", user_name="admin")
TOKEN = (("authorization", "bearer eyJhbGciOiJIUzI1NiJ9.eyJleHAiOjQxMDI0NDQ4MDB9.c2ln"),)


def record(op_id: str = "123456", state: str = "RUNNING") -> OperationRecord:
    return OperationRecord(id=op_id, process_type="BLUE_GREEN_DEPLOY", state=state, space_guid="s", org_guid="o",
                           org_name="org", space_name="space", api_endpoint="https://api.example.com",
                           skip_ssl=False, started_by="admin", started_at=1.0, mta_id="m", mta_version="1")


class FakeEngine:
    def __init__(self, store: Any) -> None:
        self.store = store
        self.bus = EventBus(store)
        self.calls: list[tuple[str, Any]] = []
        self.fail_with: Exception | None = None
        self.op = record()
        self.tokens_ = TokenSource("expired")
        self.smoke = SmokeBox()

    def start_operation(self, target: Any, token: str, process: str, **kw: Any) -> OperationRecord:
        self.calls.append(("start", (target, token, process, kw)))
        if self.fail_with:
            raise self.fail_with
        return self.op

    def preview(self, target: Any, token: str, process: str, **kw: Any) -> DryRunPlan:
        self.calls.append(("preview", (target, token, process, kw)))
        if self.fail_with:
            raise self.fail_with
        return DryRunPlan(mta=MtaVersions("m", "2"), archive="a.mtar", org="org", space="space", process="deploy",
                          strategy="default", naming="plain", changes=True,
                          modules=[ModulePlan("web", "update", "web", existing_app=True)])

    def act(self, op_id: str, action: str, token: str, target: Any) -> OperationRecord:
        self.calls.append(("act", (op_id, action)))
        return self.op

    def get(self, op_id: str, target: Any = None) -> OperationRecord:
        if op_id != self.op.id:
            raise NotFoundError(f"Multi-target app operation with ID {op_id} not found")
        return self.op

    def list_operations(self, target: Any, **kw: Any) -> list[OperationRecord]:
        return [self.op]

    def tokens(self, op_id: str) -> TokenSource:
        return self.tokens_

    def drop_tokens(self, op_id: str) -> None:
        pass

    def smoke_box(self, op_id: str) -> SmokeBox:
        return self.smoke

    def report_smoke_tests(self, op_id: str, target: Any, attempt: int, outcomes: list[SmokeOutcome]) -> \
            OperationRecord:
        self.calls.append(("smoke", (op_id, attempt, outcomes)))
        if not self.smoke.report(attempt, outcomes):
            raise InvalidActionError(f"Operation {op_id} is not waiting for the smoke tests of attempt {attempt}")
        return self.op

    def events(self, op_id: str, after_seq: int = 0) -> list[EventRecord]:
        return self.store.events(op_id, after_seq)

    def last_seq(self, op_id: str) -> int:
        return self.store.last_seq(op_id)

    def is_live(self, op_id: str) -> bool:
        return self.op.state == "RUNNING"


@pytest.fixture
def service(tmp_path: Path) -> Iterator[tuple[pb_grpc.DeployerStub, FakeEngine]]:
    store = open_store(f"sqlite:///{tmp_path / 'state.db'}")
    engine = FakeEngine(store)
    server, port, _ = create_server(engine, FileStore(store, str(tmp_path)), Activity(), "127.0.0.1:0")  # type: ignore[arg-type]
    server.start()
    channel = grpc.insecure_channel(f"127.0.0.1:{port}")
    yield pb_grpc.DeployerStub(channel), engine
    channel.close()
    server.stop(0)
    store.close()


def test_upload_then_find_by_digest(service: tuple[pb_grpc.DeployerStub, FakeEngine]) -> None:
    stub, _ = service
    data = b"PK\x05\x06" + b"\0" * 18
    digest = hashlib.sha256(data).hexdigest()
    header = pb.UploadHeader(target=TARGET, file_name="a.mtar", kind=pb.FILE_KIND_ARCHIVE, size=len(data),
                             sha256=digest)
    ref = stub.Upload(iter([pb.UploadRequest(header=header), pb.UploadRequest(data=data)]), metadata=TOKEN)
    assert ref.size == len(data) and not ref.reused
    found = stub.FindFile(pb.FindFileRequest(target=TARGET, sha256=digest, kind=pb.FILE_KIND_ARCHIVE),
                          metadata=TOKEN)
    assert found.id == ref.id and found.reused
    with pytest.raises(grpc.RpcError) as caught:
        stub.Upload(iter([pb.UploadRequest(header=header), pb.UploadRequest(data=data[:-1])]), metadata=TOKEN)
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT


def test_start_decodes_options_and_the_token(service: tuple[pb_grpc.DeployerStub, FakeEngine]) -> None:
    stub, engine = service
    op = stub.StartOperation(pb.StartOperationRequest(
        target=TARGET, process_type=pb.PROCESS_TYPE_BLUE_GREEN_DEPLOY, archive_id="f",
        options=pb.DeployOptions(no_start=True, modules=["web"], apps_start_timeout_s=30)), metadata=TOKEN)
    assert op.id == "123456" and op.state == pb.STATE_RUNNING
    _, (target, token, process, kw) = engine.calls[0]
    assert (target.space_guid, process, token) == ("s", "BLUE_GREEN_DEPLOY", TOKEN[0][1])
    assert kw["options"] == DeployOptions(no_start=True, modules=["web"], apps_start_timeout_s=30)


def test_plan_deployment_answers_the_document_and_its_lines(service: tuple[pb_grpc.DeployerStub, FakeEngine]) -> None:
    stub, engine = service
    plan = stub.PlanDeployment(pb.StartOperationRequest(
        target=TARGET, process_type=pb.PROCESS_TYPE_DEPLOY, archive_id="f", extension_descriptor_ids=["e"],
        options=pb.DeployOptions(namespace="ns")), metadata=TOKEN)
    assert plan.changes and json.loads(plan.plan_json)["modules"][0]["app"] == "web"
    assert plan.lines[0] == 'Dry run: nothing was changed in org "org" / space "space".'
    _, (target, token, process, kw) = engine.calls[0]
    assert (target.space_guid, token, process) == ("s", TOKEN[0][1], "DEPLOY")
    assert kw == {"archive_id": "f", "extension_ids": ["e"], "options": DeployOptions(namespace="ns")}
    engine.fail_with = ContentError("bad descriptor", file="a.mtar")
    with pytest.raises(grpc.RpcError) as caught:
        stub.PlanDeployment(pb.StartOperationRequest(target=TARGET, process_type=pb.PROCESS_TYPE_DEPLOY),
                            metadata=TOKEN)
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT and "bad descriptor" in caught.value.details()


@pytest.mark.parametrize(("error", "code"), [
    (ContentError("bad descriptor", file="a.mtar"), grpc.StatusCode.INVALID_ARGUMENT),
    (ConflictError("held", "654321"), grpc.StatusCode.ALREADY_EXISTS),
    (NotFoundError("no file"), grpc.StatusCode.NOT_FOUND),
    (RuntimeError("a bug"), grpc.StatusCode.INTERNAL),
])
def test_engine_errors_become_status_codes(service: tuple[pb_grpc.DeployerStub, FakeEngine], error: Exception,
                                           code: grpc.StatusCode) -> None:
    stub, engine = service
    engine.fail_with = error
    with pytest.raises(grpc.RpcError) as caught:
        stub.StartOperation(pb.StartOperationRequest(target=TARGET, process_type=pb.PROCESS_TYPE_DEPLOY),
                            metadata=TOKEN)
    assert caught.value.code() == code
    if isinstance(error, ConflictError):
        assert ("conflicting-operation-id", "654321") in caught.value.trailing_metadata()
    assert "Traceback" not in caught.value.details()


def test_watch_streams_events_then_stopped(service: tuple[pb_grpc.DeployerStub, FakeEngine]) -> None:
    stub, engine = service
    engine.bus.emit("123456", "Operation ID: 123456")
    engine.bus.emit("123456", "debug only", level="DEBUG")

    def finish() -> None:
        engine.bus.emit("123456", "Process finished.")
        engine.op.state = "FINISHED"
        engine.bus.notify("123456")

    threading.Timer(0.2, finish).start()
    start = pb.WatchRequest(start=pb.WatchStart(target=TARGET, operation_id="123456"))
    events = list(stub.Watch(iter([start]), metadata=TOKEN, timeout=10))
    texts = [e.progress.text for e in events if e.HasField("progress")]
    assert texts == ["Operation ID: 123456", "Process finished."]
    assert events[-1].HasField("stopped") and events[-1].stopped.operation.state == pb.STATE_FINISHED
    with pytest.raises(grpc.RpcError) as caught:
        list(stub.Watch(iter([pb.WatchRequest(start=pb.WatchStart(target=TARGET, operation_id="999999"))]),
                        metadata=TOKEN, timeout=10))
    assert caught.value.code() == grpc.StatusCode.NOT_FOUND


def test_watch_hands_a_smoke_test_request_over_once_and_the_report_answers_it(
        service: tuple[pb_grpc.DeployerStub, FakeEngine]) -> None:
    stub, engine = service
    engine.smoke.post(SmokeRequest(attempt=2, idle_urls={"web": "https://web-idle.example.com"},
                                   live_urls={"web": "https://web.example.com"}, mta_id="m", mta_version="2.0.0",
                                   timeout_s=60, commands=1))

    def finish() -> None:
        engine.op.state = "ERROR"
        engine.bus.notify("123456")

    threading.Timer(0.6, finish).start()  # several rounds of the watch loop: still one request
    start = pb.WatchRequest(start=pb.WatchStart(target=TARGET, operation_id="123456"))
    events = list(stub.Watch(iter([start]), metadata=TOKEN, timeout=10))
    asked = [e.smoke_test_request for e in events if e.HasField("smoke_test_request")]
    assert len(asked) == 1 and asked[0].attempt == 2 and asked[0].commands == 1
    assert dict(asked[0].idle_urls) == {"web": "https://web-idle.example.com"} and asked[0].timeout_s == 60
    assert engine.smoke.was_delivered(2)

    report = pb.SmokeTestReport(target=TARGET, operation_id="123456", attempt=2, outcomes=[
        pb.SmokeTestOutcome(command="./check.sh", passed=False, exit_code=3, seconds=0.5)])
    stub.ReportSmokeTests(report, metadata=TOKEN, timeout=10)
    assert engine.smoke.answer(2) == [SmokeOutcome("./check.sh", False, 3, False, 0.5, "")]
    with pytest.raises(grpc.RpcError) as caught:  # the first report counts; this attempt is answered
        stub.ReportSmokeTests(report, metadata=TOKEN, timeout=10)
    assert caught.value.code() == grpc.StatusCode.FAILED_PRECONDITION


def test_a_smoke_test_request_never_overtakes_a_line_logged_before_it(
        service: tuple[pb_grpc.DeployerStub, FakeEngine]) -> None:
    """A line persisted between the watch's read of events and its look at the smoke box goes out first."""
    stub, engine = service
    engine.bus.emit("123456", "Smoke check passed")
    read = engine.events
    calls = []

    def events(op_id: str, after_seq: int = 0) -> list[EventRecord]:
        found = read(op_id, after_seq)
        calls.append(after_seq)
        if len(calls) == 1:  # the step logs, and posts its request, right after this read
            engine.bus.emit("123456", "Waiting for the cf CLI to run 1 smoke-test command against the new version...")
            engine.smoke.post(SmokeRequest(attempt=1, idle_urls={}, live_urls={}, mta_id="m", mta_version="2",
                                           timeout_s=60, commands=1))
        return found

    engine.events = events  # type: ignore[method-assign]

    def finish() -> None:
        engine.op.state = "ERROR"
        engine.bus.notify("123456")

    threading.Timer(0.6, finish).start()
    start = pb.WatchRequest(start=pb.WatchStart(target=TARGET, operation_id="123456"))
    kinds = [e.progress.text if e.HasField("progress") else e.WhichOneof("kind")
             for e in stub.Watch(iter([start]), metadata=TOKEN, timeout=10)]
    assert kinds[:3] == ["Smoke check passed",
                         "Waiting for the cf CLI to run 1 smoke-test command against the new version...",
                         "smoke_test_request"], kinds
