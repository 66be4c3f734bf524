"""The local engine where Unix sockets are missing (Windows): loopback TCP with a per-user secret. Run on
Linux with CF_BG_DEPLOY_LOCAL_TRANSPORT=tcp, through the real cf CLI and the real engine."""

from __future__ import annotations

import time

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from e2e.conftest import SAMPLE_V1


def health(port: int, metadata: tuple[tuple[str, str], ...]) -> grpc.StatusCode | int:
    with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
        try:
            reply = health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), metadata=metadata,
                                                                timeout=10)
        except grpc.RpcError as exc:
            return exc.code()  # type: ignore[no-any-return]
        return reply.status  # type: ignore[no-any-return]


def test_loopback_engine_with_secret_deploys_refuses_strangers_and_stops_on_uninstall(sim, cf) -> None:
    cf.env["CF_BG_DEPLOY_LOCAL_TRANSPORT"] = "tcp"
    res = cf("bg-deploy", str(SAMPLE_V1))
    assert res.code == 0 and "Process finished." in res.out, res.text

    state = cf.state_dir
    assert not (state / "engine.sock").exists()
    port = int((state / "engine.port").read_text())
    secret_file = state / "engine.secret"
    assert secret_file.stat().st_mode & 0o777 == 0o600
    secret = secret_file.read_text().strip()
    assert len(secret) == 64

    assert health(port, ()) == grpc.StatusCode.UNAUTHENTICATED
    assert health(port, (("bgdeploy-local-secret", "not-" + secret),)) == grpc.StatusCode.UNAUTHENTICATED
    assert health(port, (("bgdeploy-local-secret", secret),)) == health_pb2.HealthCheckResponse.SERVING

    res = cf("mtas", check=True)  # the running engine is found again through its port file
    assert "bg.sample" in res.out
    assert len(cf.engine_pids()) == 1

    res = cf("uninstall-plugin", "bg-deploy", check=True)
    assert f"Stopped the local deploy engine; its state stays in {state}\n" in res.out, res.text
    deadline = time.monotonic() + 15
    while cf.engine_pids() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not cf.engine_pids()
    assert (state / "state.db").exists()
