"""Start the simulator as a subprocess and talk to its control API — for every test suite.

    from ccsim.launcher import start_simulator
    sim = start_simulator(tmp_path, staging_s=0.1, route_propagation_s=0.2)
    sim.api_url, sim.router_url; sim.config(start_s=0.5); sim.faults(rules=[...]); sim.state();
    sim.requests(); sim.router_requests(); sim.reset(); sim.token("admin"); sim.stop()
    sim.config(router_instances=2, router_propagation_s=[0.2, 1.5]); sim.router_versions()
    sim.hold(3, "before_response"); sim.wait_hold_triggered(); sim.release_hold(); sim.mutating_requests()

Keyword arguments of `start_simulator` are config names (see `config.SimConfig`), plus `seed`,
`faults` (a fault spec, see `faults.py`) and `catalog` (extra service offerings).
"""

from __future__ import annotations

import dataclasses
import json
import os
import signal
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

TESTS_DIR = Path(__file__).resolve().parent.parent


@dataclasses.dataclass
class SimHandle:
    api_url: str
    router_url: str
    router_port: int
    pid: int
    work_dir: Path
    process: subprocess.Popen[bytes]
    log_path: Path

    def _call(self, method: str, path: str, body: Any = None) -> Any:
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.api_url + path, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=30) as resp:
            return json.loads(resp.read() or b"null")

    def config(self, **values: Any) -> dict[str, Any]:
        return self._call("POST", "/_sim/config", values) if values else self._call("GET", "/_sim/config")

    def faults(self, **spec: Any) -> dict[str, Any]:
        """Replace the fault specification (empty call clears all faults)."""
        return self._call("POST", "/_sim/faults", spec)

    def state(self) -> dict[str, Any]:
        return self._call("GET", "/_sim/state")

    def requests(self, since: int = 0) -> list[dict[str, Any]]:
        return self._call("GET", f"/_sim/requests?since={since}")["requests"]

    def router_requests(self, since: int = 0) -> list[dict[str, Any]]:
        """Requests through the router: {seq, ts, end_ts, router, table_version, host, method, path, status,
        app_guid, index, error (X-Cf-Routererror), app_instance (the request's header), fault, lost_status,
        failed_dials (["APP_GUID:INDEX"] it could not connect to before the answer)}."""
        return self._call("GET", f"/_sim/requests?source=router&since={since}")["requests"]

    def router_versions(self) -> list[int]:
        """The table version each router instance has learnt (`state()["router"]["version"]` is the newest)."""
        return [inst["version"] for inst in self._call("GET", "/_sim/state")["router"]["instances"]]

    def openapi(self) -> dict[str, Any]:
        """{"enabled", "checked", "violations": [...]} of the response-body check against the OpenAPI spec."""
        return self._call("GET", "/_sim/openapi")

    def reset(self) -> None:
        self._call("POST", "/_sim/reset", {})

    def sync_router(self) -> dict[str, Any]:
        """Install the current routing table now, skipping the propagation delay."""
        return self._call("POST", "/_sim/router/sync", {})

    def hold(self, after_mutating: int, mode: str = "after_response") -> dict[str, Any]:
        """Stop the API right after the `after_mutating`-th mutating request from now on (see ccsim.hold)."""
        return self._call("POST", "/_sim/hold", {"after_mutating": after_mutating, "mode": mode})

    def hold_state(self) -> dict[str, Any]:
        """{armed, after_mutating, mode, armed_at, mutating_requests, reached, triggered, held, waiting, dropped}."""
        return self._call("GET", "/_sim/hold")

    def wait_hold_triggered(self, timeout: float = 30) -> dict[str, Any]:
        """Wait until the armed hold has triggered; its state (`held`: method, path, status of request k)."""
        deadline = time.monotonic() + timeout
        while not (state := self.hold_state())["triggered"]:
            if time.monotonic() > deadline:
                raise TimeoutError(f"the hold did not trigger within {timeout}s: {state}")
            time.sleep(0.02)
        return state

    def release_hold(self) -> dict[str, Any]:
        """Release waiting requests and held answers, disarm; the state just before release."""
        return self._call("POST", "/_sim/hold/release", {})

    def mutating_requests(self) -> int:
        """Mutating API requests processed since start or reset (a fault-free run's total is a sweep's T)."""
        return int(self.hold_state()["mutating_requests"])

    def token(self, username: str = "admin", password: str | None = None) -> str:
        """An access token (password grant), without the `bearer ` prefix."""
        form = urllib.parse.urlencode({"grant_type": "password", "username": username,
                                       "password": password or f"{username}-password"}).encode()
        req = urllib.request.Request(self.api_url + "/oauth/token", data=form, method="POST", headers={
            "Authorization": "Basic Y2Y6", "Content-Type": "application/x-www-form-urlencoded"})
        with urllib.request.urlopen(req, timeout=30) as resp:
            return str(json.loads(resp.read())["access_token"])

    def alive(self) -> bool:
        return self.process.poll() is None

    def stop(self, timeout: float = 10) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start_simulator(tmpdir: str | os.PathLike[str], *, seed: int = 0, faults: dict[str, Any] | None = None,
                    catalog: list[dict[str, Any]] | None = None, python: str | None = None,
                    openapi_dir: str | os.PathLike[str] | None = None,
                    timeout: float = 20, **config: Any) -> SimHandle:
    base = Path(tmpdir)
    base.mkdir(parents=True, exist_ok=True)
    ready = base / "ccsim-ready.json"
    ready.unlink(missing_ok=True)
    log_path = base / "ccsim.log"
    cmd = [python or sys.executable, "-m", "ccsim", "--port", "0", "--router-port", "0", "--ready-file", str(ready),
           "--work-dir", str(base / "ccsim-work"), "--seed", str(seed), "--config-json", json.dumps(config),
           "--faults-json", json.dumps(faults or {})]
    if openapi_dir:
        cmd += ["--openapi-dir", str(openapi_dir)]
    if catalog:
        catalog_file = base / "ccsim-catalog.json"
        catalog_file.write_text(json.dumps(catalog))
        cmd += ["--catalog", str(catalog_file)]
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(TESTS_DIR), env.get("PYTHONPATH", "")) if p)
    with log_path.open("ab") as log:
        proc = subprocess.Popen(cmd, stdout=log, stderr=log, env=env, start_new_session=True)
    deadline = time.monotonic() + timeout
    while not ready.exists():
        if proc.poll() is not None:
            raise RuntimeError(f"ccsim exited with {proc.returncode}: {log_path.read_text()[-2000:]}")
        if time.monotonic() > deadline:
            proc.kill()
            raise RuntimeError(f"ccsim did not start within {timeout}s: {log_path.read_text()[-2000:]}")
        time.sleep(0.02)
    info = json.loads(ready.read_text())
    return SimHandle(api_url=info["api_url"], router_url=info["router_url"], router_port=info["router_port"],
                     pid=info["pid"], work_dir=Path(info["work_dir"]), process=proc, log_path=log_path)
