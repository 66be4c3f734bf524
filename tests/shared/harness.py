"""What the shared-engine tests drive: engine instances as real processes on one PostgreSQL database,
a raw gRPC client (no shim), and a TCP switch that puts several instances behind one address."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import select
import signal
import socket
import subprocess
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from bgdeploy.v1 import deployer_pb2 as pb
from bgdeploy.v1 import deployer_pb2_grpc as pb_grpc
from e2e.cfcli import ENGINE
from e2e.test_shared_engine import self_signed


def wait_for(check: Callable[[], Any], timeout: float = 30.0, what: str = "condition", every: float = 0.05) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(every)


class EngineProcess:
    """One `bgdeploy-engine serve` on TCP with TLS, state in PostgreSQL, its own state dir."""

    def __init__(self, tmp: Path, name: str, database: str, cf_api: str, cert: tuple[Path, Path], *,
                 lease_s: float = 3.0, extra: tuple[str, ...] = ()) -> None:
        self.dir = tmp / name
        self.dir.mkdir(parents=True, exist_ok=True)
        self.name, self.database, self.cf_api, self.cert, self.lease_s = name, database, cf_api, cert, lease_s
        self.extra = extra
        self.proc: subprocess.Popen[bytes] | None = None
        self.port = 0

    def start(self) -> EngineProcess:
        port_file = self.dir / "port"
        port_file.unlink(missing_ok=True)
        self.proc = subprocess.Popen(
            [str(ENGINE), "serve", "--listen", f"127.0.0.1:{self.port}", "--state-dir", str(self.dir / "state"),
             "--cf-api", self.cf_api, "--tls-cert", str(self.cert[0]), "--tls-key", str(self.cert[1]),
             "--lease-seconds", str(self.lease_s), "--port-file", str(port_file), *self.extra],
            stdout=(self.dir / "engine.log").open("ab"), stderr=subprocess.STDOUT,
            env={**os.environ, "BGDEPLOY_ROUTE_SETTLE_SECONDS": "1.5", "BGDEPLOY_DATABASE_URL": self.database})
        wait_for(lambda: port_file.exists() and port_file.read_text(), 30, f"engine {self.name} to listen")
        self.port = int(port_file.read_text())
        return self

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait()

    def log(self) -> str:
        return (self.dir / "engine.log").read_text(errors="replace")


class Client:
    """The Deployer API as the shim calls it, with one user's token (or none)."""

    def __init__(self, port: int, cert: Path, target: pb.Target) -> None:
        creds = grpc.ssl_channel_credentials(root_certificates=cert.read_bytes())
        self.channel = grpc.secure_channel(f"localhost:{port}", creds)
        self.api = pb_grpc.DeployerStub(self.channel)
        self.health = health_pb2_grpc.HealthStub(self.channel)
        self.target = target

    def close(self) -> None:
        self.channel.close()

    @staticmethod
    def md(token: str | None) -> list[tuple[str, str]]:
        return [("authorization", f"bearer {token}")] if token else []

    def upload(self, path: Path, token: str | None, kind: int = pb.FILE_KIND_ARCHIVE) -> pb.FileRef:
        data = path.read_bytes()
        header = pb.UploadHeader(target=self.target, file_name=path.name, kind=kind, size=len(data),
                                 sha256=hashlib.sha256(data).hexdigest())

        def parts() -> Iterator[pb.UploadRequest]:
            yield pb.UploadRequest(header=header)
            for i in range(0, len(data), 1 << 20):
                yield pb.UploadRequest(data=data[i : i + (1 << 20)])

        return self.api.Upload(parts(), metadata=self.md(token), timeout=60)

    def start(self, archive_id: str, token: str | None, process: int = pb.PROCESS_TYPE_BLUE_GREEN_DEPLOY,
              **kw: Any) -> pb.Operation:
        return self.api.StartOperation(pb.StartOperationRequest(target=self.target, process_type=process,
                                                                archive_id=archive_id, **kw),
                                       metadata=self.md(token), timeout=60)

    def get(self, op_id: str, token: str | None) -> pb.Operation:
        return self.api.GetOperation(pb.GetOperationRequest(target=self.target, operation_id=op_id),
                                     metadata=self.md(token), timeout=30)

    def act(self, op_id: str, action: int, token: str | None) -> pb.Operation:
        return self.api.Act(pb.ActRequest(target=self.target, operation_id=op_id, action=action),
                            metadata=self.md(token), timeout=90)

    def watch(self, op_id: str, token: str | None, timeout: float = 10) -> list[pb.Event]:
        """Events until the stream ends (Stopped) or `timeout`."""
        start = pb.WatchRequest(start=pb.WatchStart(target=self.target, operation_id=op_id))
        ended = threading.Event()

        def requests() -> Iterator[pb.WatchRequest]:
            yield start
            ended.wait(timeout + 5)

        try:
            return list(self.api.Watch(requests(), metadata=self.md(token), timeout=timeout))
        finally:
            ended.set()

    def wait_state(self, op_id: str, token: str, states: set[int], timeout: float = 120) -> pb.Operation:
        return wait_for(lambda: (op := self.get(op_id, token)).state in states and op, timeout,
                        f"operation {op_id} in {states}", every=0.2)

    def serving(self) -> int:
        return self.health.Check(health_pb2.HealthCheckRequest(), timeout=5).status


class TcpSwitch:
    """One loopback address in front of several engine instances (as a TCP load balancer would be):
    each new connection goes to the first backend that accepts it."""

    def __init__(self, backends: Callable[[], list[int]]) -> None:
        self.backends = backends
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(32)
        self.port = self.sock.getsockname()[1]
        self._stop = False
        threading.Thread(target=self._accept, daemon=True).start()

    def close(self) -> None:
        self._stop = True
        self.sock.close()

    def _accept(self) -> None:
        while not self._stop:
            try:
                client, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._pipe, args=(client,), daemon=True).start()

    def _pipe(self, client: socket.socket) -> None:
        for port in self.backends():
            try:
                upstream = socket.create_connection(("127.0.0.1", port), timeout=2)
                break
            except OSError:
                continue
        else:
            client.close()
            return
        upstream.settimeout(None)
        with contextlib.closing(client), contextlib.closing(upstream):
            ends = [client, upstream]
            while True:
                readable, _, _ = select.select(ends, [], [], 1.0)
                if self._stop:
                    return
                for s in readable:
                    try:
                        data = s.recv(65536)
                        if not data:
                            return
                        (upstream if s is client else client).sendall(data)
                    except OSError:  # either end went away (a killed instance): the proxied connection ends
                        return


def cert_pair(tmp: Path) -> tuple[Path, Path]:
    tmp.mkdir(parents=True, exist_ok=True)
    return self_signed(tmp)


def sim_target(sim: Any, space: str = "space", user: str = "admin") -> pb.Target:
    """The target as the cf CLI of `user` would send it (looked up with admin's token, who sees both spaces)."""
    token = sim.token("admin")
    req = urllib.request.Request(f"{sim.api_url}/v3/spaces?names={space}&include=organization",
                                 headers={"Authorization": f"bearer {token}"})
    with urllib.request.urlopen(req, timeout=30) as resp:
        found = json.loads(resp.read())
    sp, org = found["resources"][0], found["included"]["organizations"][0]
    return pb.Target(api_endpoint=sim.api_url, skip_ssl_validation=True, org_guid=org["guid"], org_name=org["name"],
                     space_guid=sp["guid"], space_name=sp["name"], user_name=user)
