"""proto ↔ engine conversions, and engine errors → gRPC status codes (decided in one place)."""

from __future__ import annotations

from typing import Any

import grpc
from google.protobuf.timestamp_pb2 import Timestamp

from bgdeploy.engine.mtas import MtaBackup
from bgdeploy.engine.operations import ACTIONS_BY_STATE, Target
from bgdeploy.engine.options import DeployOptions
from bgdeploy.engine.smoke_box import SmokeOutcome, SmokeRequest
from bgdeploy.errors import (
    BgDeployError,
    CloudControllerError,
    ConflictError,
    ContentError,
    InvalidActionError,
    NotFoundError,
    TokenExpiredError,
)
from bgdeploy.store import EventRecord, OperationRecord
from bgdeploy.v1 import deployer_pb2 as pb

PROCESS_TYPES = {
    pb.PROCESS_TYPE_DEPLOY: "DEPLOY",
    pb.PROCESS_TYPE_BLUE_GREEN_DEPLOY: "BLUE_GREEN_DEPLOY",
    pb.PROCESS_TYPE_UNDEPLOY: "UNDEPLOY",
    pb.PROCESS_TYPE_ROLLBACK_MTA: "ROLLBACK_MTA",
}
PROCESS_TYPES_PB = {v: k for k, v in PROCESS_TYPES.items()}
STATES_PB = {
    "RUNNING": pb.STATE_RUNNING, "ACTION_REQUIRED": pb.STATE_ACTION_REQUIRED, "ERROR": pb.STATE_ERROR,
    "ABORTED": pb.STATE_ABORTED, "FINISHED": pb.STATE_FINISHED,
}
ACTIONS = {pb.ACTION_RESUME: "RESUME", pb.ACTION_ABORT: "ABORT", pb.ACTION_RETRY: "RETRY"}
ACTIONS_PB = {v: k for k, v in ACTIONS.items()}
LEVELS_PB = {"INFO": pb.LEVEL_INFO, "WARN": pb.LEVEL_WARN, "ERROR": pb.LEVEL_ERROR}
ERROR_TYPES_PB = {"CONTENT": pb.ERROR_TYPE_CONTENT, "INFRASTRUCTURE": pb.ERROR_TYPE_INFRASTRUCTURE}
FILE_KINDS = {pb.FILE_KIND_ARCHIVE: "ARCHIVE", pb.FILE_KIND_EXTENSION_DESCRIPTOR: "EXTENSION_DESCRIPTOR"}


def target(t: pb.Target) -> Target:
    if not t.api_endpoint or not t.space_guid or not t.org_guid:
        raise ContentError("The request names no Cloud Foundry target (API endpoint, org and space)")
    return Target(t.api_endpoint.rstrip("/"), t.skip_ssl_validation, t.org_guid, t.org_name, t.space_guid,
                  t.space_name, t.user_name)


def timestamp(seconds: float | None) -> Timestamp | None:
    if not seconds:
        return None
    ts = Timestamp()
    ts.FromNanoseconds(int(seconds * 1e9))
    return ts


def operation(op: OperationRecord, last_seq: int = 0) -> pb.Operation:
    return pb.Operation(
        id=op.id, process_type=PROCESS_TYPES_PB.get(op.process_type, 0), state=STATES_PB[op.state],
        mta_id=op.mta_id, mta_version=op.mta_version, namespace=op.namespace, space_guid=op.space_guid,
        started_by=op.started_by, started_at=timestamp(op.started_at), ended_at=timestamp(op.ended_at),
        phase=op.phase, live_color=op.live_color, idle_color=op.idle_color,
        error_type=ERROR_TYPES_PB.get(op.error_type, 0), error_message=op.error_message,
        available_actions=[ACTIONS_PB[a] for a in ACTIONS_BY_STATE.get(op.state, [])],
        archive_name=op.archive_name, last_seq=last_seq,
    )


def event(ev: EventRecord) -> pb.Event:
    return pb.Event(
        operation_id=ev.op_id, seq=ev.seq, time=timestamp(ev.time),
        progress=pb.Progress(level=LEVELS_PB.get(ev.level, pb.LEVEL_INFO), text=ev.text, phase=ev.phase,
                             app=ev.app, route=ev.route, module=ev.module),
    )


def smoke_request(op_id: str, req: SmokeRequest) -> pb.Event:
    return pb.Event(operation_id=op_id, smoke_test_request=pb.SmokeTestRequest(
        attempt=req.attempt, idle_urls=req.idle_urls, live_urls=req.live_urls, mta_id=req.mta_id,
        mta_version=req.mta_version, timeout_s=req.timeout_s, commands=req.commands))


def smoke_outcomes(report: pb.SmokeTestReport) -> list[SmokeOutcome]:
    return [SmokeOutcome(o.command, o.passed, o.exit_code, o.timed_out, o.seconds, o.error) for o in report.outcomes]


def mta_backup(b: MtaBackup | None) -> pb.MtaBackup | None:
    if b is None:
        return None
    return pb.MtaBackup(version=b.version, apps=b.apps, replaced_by=b.replaced_by, kept_until=timestamp(b.until),
                        expired=b.expired)


def options(o: pb.DeployOptions) -> DeployOptions:
    """Every proto field maps to the DeployOptions field of the same name (a test keeps them in step)."""
    out: dict[str, Any] = {}
    for field, value in o.ListFields():
        out[field.name] = value if isinstance(value, str | bytes | int | float | bool) else list(value)
    return DeployOptions.of(out)


def abort_with(context: grpc.ServicerContext, exc: BgDeployError) -> None:
    code = grpc.StatusCode.INTERNAL
    if getattr(exc, "grpc_code", None) is not None:
        code = exc.grpc_code  # type: ignore[attr-defined]
    elif isinstance(exc, ContentError):
        code = grpc.StatusCode.INVALID_ARGUMENT
    elif isinstance(exc, ConflictError):
        code = grpc.StatusCode.ALREADY_EXISTS
        context.set_trailing_metadata((("conflicting-operation-id", exc.operation_id),))
    elif isinstance(exc, NotFoundError):
        code = grpc.StatusCode.NOT_FOUND
    elif isinstance(exc, InvalidActionError):
        code = grpc.StatusCode.FAILED_PRECONDITION
    elif isinstance(exc, TokenExpiredError) or (isinstance(exc, CloudControllerError) and exc.status == 401):
        code = grpc.StatusCode.UNAUTHENTICATED
    elif isinstance(exc, CloudControllerError) and exc.status in (403, 404, 422):
        code = grpc.StatusCode.FAILED_PRECONDITION
    else:
        code = grpc.StatusCode.UNAVAILABLE
    context.abort(code, str(exc))
