"""TLS by default: a TCP listen without a certificate is refused (plaintext only on loopback, by choice),
a PostgreSQL URL is never taken from argv, and --tls-client-ca requires client certificates (mTLS)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from bgdeploy.server.main import main
from shared.harness import EngineProcess


@pytest.mark.parametrize(("args", "message"), [
    (["--listen", "127.0.0.1:0", "--cf-api", "https://api.example.com"], "needs --tls-cert"),
    (["--listen", "0.0.0.0:0", "--insecure-listen", "--cf-api", "https://api.example.com"], "loopback"),
    (["--listen", "127.0.0.1:0", "--insecure-listen"], "--cf-api"),
    (["--listen", "unix:///tmp/x.sock", "--database", "postgresql://u:secret@db/x"], "not accepted on the command"),
])
def test_unsafe_serve_flags_are_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str],
                                        message: str) -> None:
    assert main(["serve", "--state-dir", str(tmp_path / "state"), *args]) == 2
    assert message in capsys.readouterr().err


def openssl(*args: str) -> None:
    subprocess.run(["openssl", *args], check=True, capture_output=True)


def client_ca(d: Path) -> tuple[Path, Path, Path]:
    """A CA and a client certificate it signed: (ca.pem, client.pem, client.key)."""
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=team-ca",
            "-keyout", str(d / "ca.key"), "-out", str(d / "ca.pem"))
    openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=ci-runner", "-keyout", str(d / "client.key"),
            "-out", str(d / "client.csr"))
    openssl("x509", "-req", "-in", str(d / "client.csr"), "-CA", str(d / "ca.pem"), "-CAkey", str(d / "ca.key"),
            "-CAcreateserial", "-days", "1", "-out", str(d / "client.pem"))
    return d / "ca.pem", d / "client.pem", d / "client.key"


def health(port: int, creds: grpc.ChannelCredentials) -> int:
    with grpc.secure_channel(f"localhost:{port}", creds) as channel:
        stub = health_pb2_grpc.HealthStub(channel)
        return stub.Check(health_pb2.HealthCheckRequest(), timeout=5).status


def test_client_certificates_are_required_with_tls_client_ca(tmp_path: Path, sim, pg, cert) -> None:  # type: ignore[no-untyped-def]
    ca, client_cert, client_key = client_ca(tmp_path)
    engine = EngineProcess(tmp_path, "mtls", pg.url, sim.api_url, cert, extra=("--tls-client-ca", str(ca))).start()
    try:
        roots = cert[0].read_bytes()
        with pytest.raises(grpc.RpcError) as refused:
            health(engine.port, grpc.ssl_channel_credentials(root_certificates=roots))
        assert refused.value.code() == grpc.StatusCode.UNAVAILABLE
        ok = grpc.ssl_channel_credentials(root_certificates=roots, private_key=client_key.read_bytes(),
                                          certificate_chain=client_cert.read_bytes())
        assert health(engine.port, ok) == health_pb2.HealthCheckResponse.SERVING
    finally:
        engine.kill()
