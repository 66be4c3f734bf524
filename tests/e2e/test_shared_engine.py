"""A shared engine: TLS on TCP, state in PostgreSQL. Two users' cf homes point at it; what one starts,
the other sees and can resume; the engine restarts onto the same database and nothing is lost."""

from __future__ import annotations

import os
import re
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from e2e.cfcli import ENGINE, Cf
from e2e.conftest import SAMPLE_V1, SAMPLE_V2
from e2e.traffic import get
from pgserver import postgres


def self_signed(directory: Path) -> tuple[Path, Path]:
    cert, key = directory / "engine.pem", directory / "engine.key"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost",
                    "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True)
    return cert, key


class SharedEngine:
    def __init__(self, tmp: Path, database: str, api_url: str) -> None:
        self.tmp, self.database, self.api_url = tmp, database, api_url
        self.cert, self.key = self_signed(tmp)
        self.proc: subprocess.Popen[bytes] | None = None
        self.port = 0

    def start(self) -> None:
        port_file = self.tmp / "port"
        port_file.unlink(missing_ok=True)
        listen = f"127.0.0.1:{self.port}"
        self.proc = subprocess.Popen(
            [str(ENGINE), "serve", "--listen", listen, "--state-dir", str(self.tmp / "state"), "--cf-api", self.api_url,
             "--tls-cert", str(self.cert), "--tls-key", str(self.key), "--port-file", str(port_file)],
            stdout=(self.tmp / "engine.log").open("ab"), stderr=subprocess.STDOUT,
            env={**os.environ, "BGDEPLOY_ROUTE_SETTLE_SECONDS": "1.5", "BGDEPLOY_DATABASE_URL": self.database},
        )
        deadline = time.monotonic() + 20
        while not port_file.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        self.port = int(port_file.read_text())

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait()


@pytest.fixture
def shared(sim, tmp_path: Path) -> Iterator[SharedEngine]:  # type: ignore[no-untyped-def]
    with postgres() as url:
        engine = SharedEngine(tmp_path, url, sim.api_url)
        engine.start()
        try:
            yield engine
        finally:
            engine.stop()


def user(sim, shared: SharedEngine, home: Path) -> Cf:  # type: ignore[no-untyped-def]
    cf = Cf(home, extra_env={"CF_BG_DEPLOY_ENGINE_URL": f"localhost:{shared.port}",
                             "CF_BG_DEPLOY_ENGINE_CA": str(shared.cert)})
    cf.login(sim.api_url)
    cf.install_plugin()
    return cf


def test_two_users_share_one_engine_over_tls_with_postgresql(sim, shared, tmp_path: Path) -> None:
    alice, bob = user(sim, shared, tmp_path / "alice"), user(sim, shared, tmp_path / "bob")
    assert alice("bg-deploy", str(SAMPLE_V1)).code == 0
    res = alice("bg-deploy", str(SAMPLE_V2))
    op = re.search(r"-i (\d+) -a resume", res.out)
    assert res.code == 0 and op, res.text
    assert not (alice.state_dir / "engine.sock").exists()  # nothing local was started

    # Bob sees Alice's paused operation, and his own deploy is refused while it holds the MTA.
    assert re.search(rf"{op.group(1)}\s.*ACTION_REQUIRED", bob("mta-ops").out)
    refused = bob("bg-deploy", str(SAMPLE_V2))
    assert refused.code != 0 and op.group(1) in refused.text

    # The engine restarts onto the same database; Bob resumes Alice's operation.
    shared.stop()
    shared.start()
    res = bob("bg-deploy", "-i", op.group(1), "-a", "resume")
    assert res.code == 0, res.text
    assert get(sim.router_url, "web-space.apps.sim.test") == (200, "web 2.0.0 web-green")


def test_an_engine_with_an_untrusted_certificate_is_refused(sim, shared, tmp_path: Path) -> None:
    cf = Cf(tmp_path / "carol", extra_env={"CF_BG_DEPLOY_ENGINE_URL": f"localhost:{shared.port}"})
    cf.login(sim.api_url)
    cf.install_plugin()
    res = cf("mtas")
    assert res.code != 0
    assert "Traceback" not in res.text and "panic" not in res.text
    assert f"localhost:{shared.port}" in res.text, res.text
