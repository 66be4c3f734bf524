"""EngineControl (versions, Shutdown) and the local engine's secret check, on a real gRPC server."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent import futures
from pathlib import Path

import grpc
import pytest
from grpc_health.v1 import health, health_pb2, health_pb2_grpc

from bgdeploy.server import info
from bgdeploy.server.local_secret import METADATA_KEY, LocalSecretInterceptor, read_secret
from bgdeploy.v1 import deployer_pb2 as pb
from bgdeploy.v1 import deployer_pb2_grpc as pb_grpc
from bgdeploy.version import VERSION


def serve(*, local: bool, secret: str = "") -> tuple[grpc.Server, int, threading.Event]:
    stopped = threading.Event()
    interceptors = [LocalSecretInterceptor(secret)] if secret else []
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4), interceptors=interceptors)
    info.add_to_server(server, local=local, on_shutdown=stopped.set)
    health_pb2_grpc.add_HealthServicer_to_server(health.HealthServicer(), server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    return server, port, stopped


@pytest.fixture
def channel_to() -> Iterator:  # type: ignore[type-arg]
    servers: list[grpc.Server] = []
    channels: list[grpc.Channel] = []

    def connect(**kwargs: object) -> tuple[grpc.Channel, threading.Event]:
        server, port, stopped = serve(**kwargs)  # type: ignore[arg-type]
        servers.append(server)
        channels.append(grpc.insecure_channel(f"127.0.0.1:{port}"))
        return channels[-1], stopped

    yield connect
    for c in channels:
        c.close()
    for s in servers:
        s.stop(None)


def test_get_info_names_the_version_and_the_newest_revision(channel_to) -> None:
    channel, _ = channel_to(local=True)
    reply = pb_grpc.EngineControlStub(channel).GetInfo(pb.GetInfoRequest(client_version="0.0.1"), timeout=5)
    assert reply.version == VERSION and reply.local
    assert reply.revision == info.REVISION == max(pb.Revision.values()) >= pb.REVISION_ENGINE_CONTROL


def test_shutdown_stops_a_local_engine_only(channel_to) -> None:
    local, stopped = channel_to(local=True)
    pb_grpc.EngineControlStub(local).Shutdown(pb.ShutdownRequest(), timeout=5)
    assert stopped.is_set()

    shared, stopped = channel_to(local=False)
    with pytest.raises(grpc.RpcError) as refused:
        pb_grpc.EngineControlStub(shared).Shutdown(pb.ShutdownRequest(), timeout=5)
    assert refused.value.code() == grpc.StatusCode.PERMISSION_DENIED and not stopped.is_set()


def test_every_call_needs_the_secret(channel_to) -> None:
    channel, _ = channel_to(local=True, secret="s3cret")
    control, checks = pb_grpc.EngineControlStub(channel), health_pb2_grpc.HealthStub(channel)
    for metadata in [(), ((METADATA_KEY, "wrong"),), (("authorization", "s3cret"),)]:
        for call in (lambda md: control.GetInfo(pb.GetInfoRequest(), metadata=md, timeout=5),
                     lambda md: checks.Check(health_pb2.HealthCheckRequest(), metadata=md, timeout=5),
                     lambda md: next(iter(checks.Watch(health_pb2.HealthCheckRequest(), metadata=md, timeout=5)))):
            with pytest.raises(grpc.RpcError) as refused:
                call(metadata)
            assert refused.value.code() == grpc.StatusCode.UNAUTHENTICATED
    ok = ((METADATA_KEY, "s3cret"),)
    assert control.GetInfo(pb.GetInfoRequest(), metadata=ok, timeout=5).version == VERSION
    assert checks.Check(health_pb2.HealthCheckRequest(), metadata=ok, timeout=5).status == \
        health_pb2.HealthCheckResponse.SERVING


def test_an_empty_secret_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "secret").write_text("\n")
    with pytest.raises(ValueError, match="empty"):
        read_secret(str(tmp_path / "secret"))
    (tmp_path / "secret").write_text("abc\n")
    assert read_secret(str(tmp_path / "secret")) == "abc"
