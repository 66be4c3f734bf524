"""P5, the upload rate: `cf bg-deploy big.mtar` through the real cf CLI, from the command's start until the
engine has started the operation (the shim's digest, FindFile, the stream, the engine's checks and its
pre-flight reading of the descriptor), with the peak RSS and the CPU time of the shim and of the engine in
that window.

The operation's own work (pushing the bits to Cloud Controller) is not part of the figure: once it has
started, the command is interrupted and the engine stopped, so repetitions do not overlap.

A local engine on a Unix socket takes the file by descriptor (server/handover.py): that is what this measures
for this tree. The stream (a shared engine, or loopback TCP) sends chunks of plugin-shim/internal/engine/stream.go:
1 MiB. Measured with this module (800 MiB, 3 runs each):
1 MiB: engine 87-102 MiB peak RSS, shim 23; 2 MiB: engine 97-106, shim 28; 4 MiB: engine 120-134, shim 38, for
about 10 % less engine CPU. The rates differed less than the noise of a shared 2-core machine.

    PYTHONPATH=tests .venv/bin/python tests/bench/bench.py --p5-only [--reps 3] [--p5-mib 800]
"""

from __future__ import annotations

import functools
import json
import os
import signal
import statistics
import subprocess
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from bigmtar import build as build_archive
from runs import Build

from ccsim.launcher import SimHandle, start_simulator
from e2e.cfcli import CF, Cf

MIB = 1 << 20
TICK_S = 1 / os.sysconf("SC_CLK_TCK")


@dataclass
class UploadRun:
    size: int
    seconds: float  # command start -> operation started (what the user waits for before the deploy runs)
    upload_s: float  # command start -> the shim's upload event (the file is stored and checked)
    shim_rss_mib: float
    engine_rss_mib: float
    shim_cpu_s: float
    engine_cpu_s: float

    @property
    def rate_mib_s(self) -> float:
        return self.size / MIB / self.seconds

    def plain(self) -> dict[str, Any]:
        return {**asdict(self), "rate_mib_s": self.rate_mib_s}


def _status(pid: int, key: str) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def rss_peak_mib(pid: int) -> float:
    """VmHWM: the process's peak resident set so far (NaN once it is gone)."""
    return _status(pid, "VmHWM")


def cpu_s(pid: int) -> float:
    """User plus system CPU time so far (NaN once it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) * TICK_S


def children(pid: int) -> list[int]:
    found = []
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                stat = Path(entry.path, "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def _peak(a: float, b: float) -> float:
    """max() that ignores NaN (a process not found, or gone)."""
    return b if a != a else a if b != b else max(a, b)


class Watch:
    """Finds the plugin process the cf CLI starts for the command (its child), and samples the resident set
    of it and of the engine every few milliseconds: the engine's own peak (VmHWM) would also count the
    operation's work that starts right after the window measured here (reading the module to push it)."""

    def __init__(self, cf_pid: int, engine_pid: int) -> None:
        self.cf_pid, self.engine_pid, self.pid = cf_pid, engine_pid, 0
        self.engine_peak_mib = self.shim_peak_mib = float("nan")
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            self.engine_peak_mib = _peak(self.engine_peak_mib, _status(self.engine_pid, "VmRSS"))
            if self.pid and not Path(f"/proc/{self.pid}").exists():
                self.pid = 0  # a short-lived process of the cf CLI, not the plugin's command
            if not self.pid:
                self._find_shim()
            if self.pid:
                self.shim_peak_mib = _peak(self.shim_peak_mib, _status(self.pid, "VmHWM"))
            self._stop.wait(0.005)

    def _find_shim(self) -> None:
        for child in children(self.cf_pid):
            try:
                if "bg-deploy" in Path(f"/proc/{child}/cmdline").read_bytes().decode(errors="replace"):
                    self.pid = child
            except OSError:
                continue

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()
        if self.pid:
            self.shim_peak_mib = _peak(self.shim_peak_mib, rss_peak_mib(self.pid))


def new_cf(build: Build, sim: SimHandle, home: Path) -> Cf:
    cf = Cf(home, router_url=sim.router_url, extra_env={"CF_BG_DEPLOY_ENGINE_CMD": str(build.engine)})
    cf.login(sim.api_url)
    cf("install-plugin", "-f", str(build.plugin), check=True)
    cf("mtas", check=True)  # starts the local engine: the upload does not pay its start-up
    return cf


def measure_upload(build: Build, sim: SimHandle, home: Path, archive: Path) -> UploadRun:
    cf = new_cf(build, sim, home)
    try:
        engine_pid = cf.engine_pids()[0]
        engine_cpu = cpu_s(engine_pid)
        started = time.monotonic()
        proc = subprocess.Popen([str(CF), "bg-deploy", str(archive), "-f", "--json"], env=cf.env, cwd=cf.home,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
        watch = Watch(proc.pid, engine_pid)
        uploaded = operation = float("nan")
        assert proc.stdout is not None
        for line in proc.stdout:
            event = json.loads(line) if line.startswith("{") else {}
            if event.get("event") == "upload":
                uploaded = time.monotonic() - started
            if event.get("event") == "operation":
                operation = time.monotonic() - started
                break
        watch.stop()
        nan = float("nan")
        run = UploadRun(archive.stat().st_size, operation, uploaded, watch.shim_peak_mib, watch.engine_peak_mib,
                        cpu_s(watch.pid) if watch.pid else nan, cpu_s(engine_pid) - engine_cpu)
        os.killpg(proc.pid, signal.SIGINT)  # Ctrl-C: the operation runs on in the engine, stopped below
        _, err = proc.communicate(timeout=60)
        if operation != operation:
            raise SystemExit(f"cf bg-deploy {archive.name} did not start an operation: {err[-2000:]}")
        return run
    finally:
        cf.stop_engine()


def summary(runs: list[UploadRun]) -> dict[str, float]:
    def med(key: str) -> float:
        return statistics.median(getattr(r, key) for r in runs)

    def peak(key: str) -> float:
        return functools.reduce(_peak, (getattr(r, key) for r in runs))

    return {"rate_mib_s": statistics.median(r.rate_mib_s for r in runs), "seconds": med("seconds"),
            "upload_s": med("upload_s"), "shim_rss_peak_mib": peak("shim_rss_mib"),
            "engine_rss_peak_mib": peak("engine_rss_mib"), "shim_cpu_s": med("shim_cpu_s"),
            "engine_cpu_s": med("engine_cpu_s")}


def p5(builds: list[Build], tmp: Path, reps: int, mib: int) -> dict[str, Any]:
    """reps runs per build, alternating the order (what the rest of the machine does hits both alike)."""
    archive = build_archive(tmp / "p5" / "big.mtar", mib)
    runs: dict[str, list[UploadRun]] = {b.name: [] for b in builds}
    for rep in range(reps):
        for b in builds if rep % 2 == 0 else builds[::-1]:
            where = tmp / "p5" / f"{rep}-{b.root.name}"
            sim = start_simulator(where / "sim")
            try:
                run = measure_upload(b, sim, where / "home", archive)
            finally:
                sim.stop()
            runs[b.name].append(run)
            print(f"  P5 rep {rep + 1} {b.name}: {run.rate_mib_s:.0f} MiB/s ({run.seconds:.2f} s), peak RSS shim "
                  f"{run.shim_rss_mib:.0f} MiB, engine {run.engine_rss_mib:.0f} MiB", flush=True)
    archive.unlink()
    return {"archive_mib": mib, "reps": reps, "builds": [b.name for b in builds],
            "summary": {name: summary(r) for name, r in runs.items()},
            "runs": {name: [r.plain() for r in rs] for name, rs in runs.items()}}


ROWS = [("rate_mib_s", "rate (median)", "MiB/s", ">= 500"), ("seconds", "to the operation's start", "s", ""),
        ("upload_s", "to the upload's end", "s", ""), ("shim_rss_peak_mib", "peak RSS, shim", "MiB", "flat"),
        ("engine_rss_peak_mib", "peak RSS, engine", "MiB", "flat"), ("shim_cpu_s", "CPU, shim", "s", ""),
        ("engine_cpu_s", "CPU, engine", "s", "")]


def report(result: dict[str, Any]) -> list[str]:
    names = result["builds"]
    table = result["summary"]
    lines = [f"P5 upload of a {result['archive_mib']} MiB archive, cf bg-deploy to the operation's start "
             f"({result['reps']} runs each)",
             f"  {'':<26} {'unit':>5} " + " ".join(f"{n:>14}" for n in names) + ("   ratio" if len(names) > 1 else "")
             + "  target"]
    for key, label, unit, target in ROWS:
        values = [table[n][key] for n in names]
        ratio = f"{values[0] / values[1]:>8.2f}" if len(values) > 1 and values[1] else ""
        lines.append(f"  {label:<26} {unit:>5} " + " ".join(f"{v:>14.2f}" for v in values) + f"{ratio}  {target}")
    return lines
