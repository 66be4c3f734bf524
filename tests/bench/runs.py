"""One measured blue-green cycle (v1, v2 to the pause, resume under traffic) of one build of the project,
through the real cf CLI; the build is this tree or the baseline's worktree (its own plugin and engine)."""

from __future__ import annotations

import contextlib
import json
import re
import subprocess
import time
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from ccsim.launcher import SimHandle
from e2e.cfcli import CF, Cf
from e2e.traffic import Sample, Traffic, wait_answering

RESUME = re.compile(r"-i (\d+) -a resume")
DEST_ADD = re.compile(r"^/v3/routes/[^/]+/destinations$")
DEST_DEL = re.compile(r"^/v3/routes/[^/]+/destinations/[^/]+$")
STOP = re.compile(r"^/v3/apps/[^/]+/actions/stop$")


@dataclass(frozen=True)
class Build:
    name: str
    root: Path

    @property
    def plugin(self) -> Path:
        return self.root / "plugin-shim" / "bin" / "bg-deploy-plugin"

    @property
    def engine(self) -> Path:
        return self.root / ".venv" / "bin" / "bgdeploy-engine"


@dataclass
class Cycle:
    v1_s: float = 0.0
    v2_s: float = 0.0
    resume_s: float = 0.0
    drain_s: float = 0.0
    v2_requests: int = 0
    latency_median_ms: float = float("nan")
    latency_max_ms: float = float("nan")
    failed: int = 0
    blue_dials: int = 0
    traffic: int = 0
    resume_started: float = 0.0
    samples: list[Sample] = field(default_factory=list)
    marks: list[tuple[float, str]] = field(default_factory=list)

    def plain(self) -> dict[str, Any]:
        out = asdict(self)
        out.pop("samples")
        return out


def json_run(cf: Cf, *args: str) -> tuple[float, list[tuple[float, dict[str, Any]]]]:
    """Run cf with --json; (seconds, [(arrival time, event)]) with each line's arrival as it was read."""
    started = time.monotonic()
    proc = subprocess.Popen([str(CF), *args, "--json"], env=cf.env, cwd=cf.home, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    lines = []
    assert proc.stdout is not None
    for line in proc.stdout:
        lines.append((time.time(), line))
    proc.wait(timeout=600)
    seconds = time.monotonic() - started
    events = []
    for arrival, line in lines:
        with contextlib.suppress(ValueError):
            events.append((arrival, json.loads(line)))
    if proc.returncode != 0:
        raise SystemExit(f"cf {' '.join(args)} failed ({proc.returncode}): {lines[-5:]}")
    return seconds, events


def stamp(event: dict[str, Any]) -> float:
    text = str(event.get("timestamp", ""))
    if not text:
        return float("nan")
    head, _, frac = text.rstrip("Z").partition(".")
    return datetime.fromisoformat(head + "+00:00").timestamp() + float("0." + (frac or "0"))


def new_cf(build: Build, sim: SimHandle, home: Path) -> Cf:
    cf = Cf(home, router_url=sim.router_url, route_settle_s=20.0,  # the engine's default, as a new user has it
            extra_env={"CF_BG_DEPLOY_ENGINE_CMD": str(build.engine)})
    cf.login(sim.api_url)
    cf("install-plugin", "-f", str(build.plugin), check=True)
    cf("mtas", check=True)  # starts the local engine: deploys do not pay its start-up
    return cf


def run_cycle(build: Build, sim: SimHandle, home: Path, v1: Path, v2: Path, hosts: list[str], *,
              resume_propagation_s: float | None = None) -> Cycle:
    cycle = Cycle()
    cf = new_cf(build, sim, home)
    try:
        cycle.v1_s, _ = json_run(cf, "bg-deploy", str(v1), "-f")
        wait_answering(sim.router_url, hosts)
        since = max((r["seq"] for r in sim.requests()), default=0)
        cycle.v2_s, events = json_run(cf, "bg-deploy", str(v2), "-f")
        cycle.v2_requests = len(sim.requests(since))
        latencies = sorted((arrival - stamp(e)) * 1000 for arrival, e in events if e.get("event") == "progress")
        if latencies:
            cycle.latency_median_ms, cycle.latency_max_ms = latencies[len(latencies) // 2], latencies[-1]
        op = next((e.get("operation_id") for _, e in events if e.get("operation_id")), None)
        assert op, events[-3:]
        blue = {a["guid"] for a in sim.state()["apps"] if a["name"].endswith("-blue")}
        if resume_propagation_s is not None:
            sim.config(route_propagation_s=resume_propagation_s)
        api_since = max((r["seq"] for r in sim.requests()), default=0)
        router_since = max((r["seq"] for r in sim.router_requests()), default=0)
        with Traffic(sim.router_url, hosts, threads=len(hosts)) as traffic:
            time.sleep(0.5)
            cycle.resume_started = time.time()
            cycle.resume_s, events = json_run(cf, "bg-deploy", "-i", str(op), "-a", "resume")
            time.sleep(1.0)
        samples = traffic.snapshot()
        cycle.samples, cycle.traffic = samples, len(samples)
        cycle.failed = sum(s.status != 200 for s in samples)
        cycle.blue_dials = sum(d.split(":")[0] in blue for r in sim.router_requests(router_since)
                               for d in r.get("failed_dials", []))
        cycle.marks = switch_marks(sim.requests(api_since), events)
        cycle.drain_s = drained(events)
    finally:
        cf.stop_engine()
    return cycle


def drained(events: list[tuple[float, dict[str, Any]]]) -> float:
    for _, e in events:
        found = re.match(r"Waiting ([\d.]+)s for requests in flight", str(e.get("message", "")))
        if found:
            return float(found.group(1))
    return 0.0


def switch_marks(requests: list[dict[str, Any]], events: list[tuple[float, dict[str, Any]]]) -> list[tuple[float, str]]:
    """When green was mapped, the routers confirmed, blue was unmapped, the drain began, blue stopped."""
    ok = [r for r in requests if isinstance(r.get("status"), int) and r["status"] < 400]
    marks = []
    for label, method, pattern in (("green mapped", "POST", DEST_ADD), ("blue unmapped", "DELETE", DEST_DEL),
                                   ("blue stopped", "POST", STOP)):
        times = [float(r["ts"]) for r in ok if r["method"] == method and pattern.match(r["path"])]
        if times:
            marks.append((min(times), label))
    confirmed = [stamp(e) for _, e in events if "routers have learnt" in str(e.get("message", ""))]
    marks.extend(zip(confirmed, ("routers confirmed green", "routers confirmed blue gone"), strict=False))
    drain = [stamp(e) for _, e in events if "requests in flight" in str(e.get("message", ""))]
    if drain:
        marks.append((drain[0], "drain"))
    return marks
