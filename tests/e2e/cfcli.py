"""Drive the real cf CLI (built by make into .tools/bin/cf) with a private CF_HOME."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CF = ROOT / ".tools" / "bin" / "cf"
PLUGIN = ROOT / "plugin-shim" / "bin" / "bg-deploy-plugin"
ENGINE = ROOT / ".venv" / "bin" / "bgdeploy-engine"


@dataclass
class Result:
    code: int
    out: str
    err: str

    @property
    def text(self) -> str:
        return self.out + self.err


SIM_DOMAIN = "apps.sim.test"


class Cf:
    def __init__(self, home: Path, *, route_settle_s: float = 1.5, extra_env: dict[str, str] | None = None,
                 router_url: str = "") -> None:
        """router_url: the simulator's router, where the engine it starts probes routes of apps.sim.test
        (the engine's documented override `--route-address`, as DNS does not know that domain)."""
        self.home = home
        home.mkdir(parents=True, exist_ok=True)
        self.env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(home),
            "CF_HOME": str(home),
            "CF_PLUGIN_HOME": str(home),
            "CF_COLOR": "false",
            "LANG": "C.UTF-8",
            "CF_BG_DEPLOY_ENGINE_CMD": f"{ENGINE}",
            "BGDEPLOY_ROUTE_SETTLE_SECONDS": str(route_settle_s),
            **({"BGDEPLOY_ROUTE_ADDRESSES": f"{SIM_DOMAIN}={router_url}"} if router_url else {}),
            **(extra_env or {}),
        }

    @property
    def state_dir(self) -> Path:
        return self.home / ".cf" / "bg-deploy"

    def __call__(self, *args: str, timeout: float = 300, check: bool = False, cwd: Path | None = None,
                 stdin: str | None = None) -> Result:
        proc = subprocess.run([str(CF), *args], env=self.env, capture_output=True, text=True, timeout=timeout,
                              cwd=cwd or self.home, input=stdin)
        res = Result(proc.returncode, proc.stdout, proc.stderr)
        if check and res.code != 0:
            raise AssertionError(f"cf {' '.join(args)} exited {res.code}:\n{res.text}")
        return res

    def popen(self, *args: str) -> subprocess.Popen[str]:
        return subprocess.Popen([str(CF), *args], env=self.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True, cwd=self.home, start_new_session=True)

    @staticmethod
    def interrupt(proc: subprocess.Popen[str]) -> None:
        """Ctrl-C as a terminal sends it: SIGINT to cf and its plugin (the whole process group)."""
        os.killpg(proc.pid, signal.SIGINT)

    def login(self, api_url: str, user: str = "admin", password: str = "admin-password",
              org: str = "org", space: str = "space") -> None:
        self("api", api_url, "--skip-ssl-validation", check=True)
        self("auth", user, password, check=True)
        self("target", "-o", org, "-s", space, check=True)

    def install_plugin(self) -> None:
        self("install-plugin", "-f", str(PLUGIN), check=True)

    def engine_pids(self) -> list[int]:
        found = subprocess.run(["pgrep", "-f", "--", f"--state-dir {self.state_dir}$"], capture_output=True, text=True)
        return [int(pid) for pid in found.stdout.split()]

    def stop_engine(self) -> None:
        """Kill the local engine the shim started (as a crash would) and wait until it is gone."""
        pids = self.engine_pids()
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        deadline = time.monotonic() + 10
        while self.engine_pids() and time.monotonic() < deadline:
            time.sleep(0.05)
