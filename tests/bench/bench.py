"""`make bench`: wall time of a 10-module blue-green deploy (parallel vs sequential) and the switch window.

Everything goes through the real cf CLI and the plugin against the Cloud Controller simulator, with
latency injected on every CC request. Per repetition, on a fresh simulator:
  (a) `cf bg-deploy v1` with the engine's default worker pool (modules in one parallel wave),
  (b) the same first deploy with an engine limited to one worker (BGDEPLOY_MAX_PARALLEL_APPS=1),
  (c) `cf bg-deploy v2` up to the pause, (d) `cf bg-deploy -i ID -a resume` under background traffic.
(a) and (b) alternate their order between repetitions; the simulator is reset in between. Reported:
median and all samples per figure, ratios, the switch window (first productive route gaining a green
destination → last blue destination leaving a productive route, from the simulator's request log),
failed requests of the traffic, engine peak RSS, and CC requests per command. JSON: .work/bench.json.

    PYTHONPATH=tests .venv/bin/python tests/bench/bench.py [--reps 3] [--modules 10] [--latency-ms 50]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import signal
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mta10 import build, module_names, productive_host

from ccsim.launcher import SimHandle, start_simulator
from e2e.cfcli import ROOT, Cf
from e2e.traffic import Traffic

OUT = ROOT / ".work" / "bench.json"
RESUME = re.compile(r'"cf bg-deploy -i (\d+) -a resume"')
GUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
DEST_ADD = re.compile(r"^/v3/routes/([^/]+)/destinations$")
DEST_DEL = re.compile(r"^/v3/routes/([^/]+)/destinations/[^/]+$")


@dataclass
class Run:
    """One cf command: wall time and the CC requests it caused."""

    started: float  # wall clock (time.time()), like the simulator's request timestamps
    seconds: float
    requests: list[dict[str, Any]]


@dataclass
class Samples:
    values: dict[str, list[float]] = field(default_factory=dict)
    endpoints: dict[str, Counter[str]] = field(default_factory=dict)

    def add(self, name: str, value: float) -> None:
        self.values.setdefault(name, []).append(value)


class Bench:
    def __init__(self, args: argparse.Namespace, tmp: Path) -> None:
        self.args = args
        self.tmp = tmp
        self.modules = module_names(args.modules)
        self.hosts = [productive_host(m) for m in self.modules]
        self.v1 = build(tmp / "bench-v1.mtar", "1.0.0", args.modules)
        self.v2 = build(tmp / "bench-v2.mtar", "2.0.0", args.modules)
        self.samples = Samples()
        # Router latency paces the traffic threads (each waits for its answer), so that on a 2-core
        # machine the traffic generator does not starve the engine it measures.
        self.sim_config = {"latency_ms": args.latency_ms, "staging_s": args.staging_s, "start_s": args.start_s,
                           "route_propagation_s": args.propagation_s, "router_latency_ms": args.router_latency_ms}
        self.settle_s = args.propagation_s + args.settle_margin_s

    # -- helpers -----------------------------------------------------------------------------------
    def cf_home(self, path: Path, sim: SimHandle, workers: int) -> Cf:
        extra = {"BGDEPLOY_MAX_PARALLEL_APPS": str(workers)} if workers else {}
        cf = Cf(path, route_settle_s=self.settle_s, extra_env=extra)
        try:
            cf.login(sim.api_url)
            cf.install_plugin()
            cf("mtas", check=True)  # starts the local engine, so deploys do not pay its start-up
        except BaseException:
            stop_engine(cf)
            raise
        return cf

    @staticmethod
    def timed(sim: SimHandle, cf: Cf, *args: str, expect: str = "Process") -> tuple[Run, str]:
        since = max((r["seq"] for r in sim.requests()), default=0)
        wall, start = time.time(), time.monotonic()
        res = cf(*args, timeout=600)
        seconds = time.monotonic() - start
        if res.code != 0 or expect not in res.out:
            raise SystemExit(f"cf {' '.join(args)} failed ({res.code}):\n{res.text[-4000:]}")
        return Run(wall, seconds, sim.requests(since)), res.out

    def record_requests(self, name: str, run: Run) -> None:
        self.samples.add(f"cc_requests_{name}", len(run.requests))
        counts = self.samples.endpoints.setdefault(name, Counter())
        counts.update(f"{r['method']} {GUID.sub('{guid}', r['path'])}" for r in run.requests)

    # -- the measurements -------------------------------------------------------------------------
    def sequential(self, sim: SimHandle, home: Path) -> None:
        cf = self.cf_home(home, sim, workers=1)
        try:
            run, _ = self.timed(sim, cf, "bg-deploy", str(self.v1), "-f")
            self.samples.add("v1_sequential_s", run.seconds)
            self.record_requests("v1_sequential", run)
            self.samples.add("engine_peak_rss_sequential_mib", engine_peak_rss_mib(cf))
        finally:
            stop_engine(cf)

    def parallel(self, sim: SimHandle, home: Path) -> None:
        cf = self.cf_home(home, sim, workers=self.args.workers)
        try:
            run, _ = self.timed(sim, cf, "bg-deploy", str(self.v1), "-f")
            self.samples.add("v1_parallel_s", run.seconds)
            self.record_requests("v1_parallel", run)

            run, out = self.timed(sim, cf, "bg-deploy", str(self.v2), "-f", expect="-a resume")
            self.samples.add("v2_to_pause_s", run.seconds)
            self.record_requests("v2_to_pause", run)
            found = RESUME.search(out)
            if not found:
                raise SystemExit(f"no pause in the output of cf bg-deploy v2:\n{out[-4000:]}")
            productive = {r["guid"] for r in sim.state()["routes"]
                          if f"{r['host']}.{r['domain']}" in set(self.hosts) and not r["path"]}

            with Traffic(sim.router_url, self.hosts, threads=len(self.hosts)) as traffic:
                time.sleep(0.5)
                run, _ = self.timed(sim, cf, "bg-deploy", "-i", found.group(1), "-a", "resume")
                time.sleep(self.args.propagation_s + 0.5)
            self.samples.add("resume_s", run.seconds)
            self.record_requests("resume", run)
            window = switch_window(run.requests, productive)
            self.samples.add("switch_window_cc_s", window[1] - window[0])
            self.samples.add("resume_before_switch_s", window[0] - run.started)
            self.samples.add("resume_after_switch_s", run.started + run.seconds - window[1])
            samples = traffic.snapshot()
            failed = [s for s in samples if s.status != 200]
            self.samples.add("traffic_requests", len(samples))
            self.samples.add("traffic_failed", len(failed))
            self.samples.add("switch_window_traffic_s", mixed_window(samples))
            for s in failed[:5]:
                print(f"  FAILED request: {s.host} {s.status} {s.body[:120]}", flush=True)
            served_v2 = {s.host for s in samples if "2.0.0" in s.body}
            if served_v2 != set(self.hosts):
                raise SystemExit(f"after resume, v2 never served {sorted(set(self.hosts) - served_v2)}")
            self.samples.add("engine_peak_rss_parallel_mib", engine_peak_rss_mib(cf))
        finally:
            stop_engine(cf)

    def repetition(self, rep: int) -> None:
        base = self.tmp / f"rep{rep}"
        sim = start_simulator(base / "sim", **self.sim_config)
        try:
            order: list[tuple[str, Callable[[SimHandle, Path], None]]] = [
                ("parallel", self.parallel), ("sequential", self.sequential)]
            if rep % 2:
                order.reverse()
            for i, (name, measure) in enumerate(order):
                if i:
                    sim.reset()
                started = time.monotonic()
                measure(sim, base / name)
                print(f"  rep {rep + 1}: {name} done in {time.monotonic() - started:.1f} s", flush=True)
        finally:
            sim.stop()


# -- figures from logs and /proc ------------------------------------------------------------------

def switch_window(requests: list[dict[str, Any]], productive: set[str]) -> tuple[float, float]:
    """(first productive route gaining a (green) destination, last destination leaving one): CC answer times."""
    def done(r: dict[str, Any]) -> float:
        return float(r["ts"]) + float(r.get("ms") or 0) / 1000

    ok = [r for r in requests if isinstance(r.get("status"), int) and r["status"] < 400]
    added = [done(r) for r in ok if r["method"] == "POST" and (m := DEST_ADD.match(r["path"]))
             and m.group(1) in productive]
    removed = [done(r) for r in ok if r["method"] == "DELETE" and (m := DEST_DEL.match(r["path"]))
               and m.group(1) in productive]
    if not added or not removed:
        return float("nan"), float("nan")
    return min(added), max(removed)


def mixed_window(samples: list[Any]) -> float:
    """As the traffic saw it: first answer from v2 → last answer from v1 (on any productive route)."""
    first_v2 = min((s.t for s in samples if "2.0.0" in s.body), default=None)
    last_v1 = max((s.t for s in samples if "1.0.0" in s.body), default=None)
    if first_v2 is None or last_v1 is None:
        return float("nan")
    return max(0.0, last_v1 - first_v2)


def engine_pids(cf: Cf) -> list[int]:
    """The local engine(s) serving this cf home, found by their --state-dir argument."""
    marker = f"--state-dir\0{cf.state_dir}\0".encode()
    pids = []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit() and proc.name != str(os.getpid()):
            try:
                if marker in (proc / "cmdline").read_bytes() + b"\0":
                    pids.append(int(proc.name))
            except OSError:
                continue
    return pids


def engine_peak_rss_mib(cf: Cf) -> float:
    """VmHWM (peak resident set) of the local engine serving this cf home."""
    for pid in engine_pids(cf):
        try:
            found = re.search(r"^VmHWM:\s+(\d+) kB", Path(f"/proc/{pid}/status").read_text(), re.M)
        except OSError:
            continue
        if found:
            return int(found.group(1)) / 1024
    return float("nan")


def stop_engine(cf: Cf, timeout: float = 10) -> None:
    """SIGTERM the engine this cf home started (by its pid), SIGKILL if it does not go."""
    pids = engine_pids(cf)
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while pids and time.monotonic() < deadline:
        pids = [pid for pid in pids if Path(f"/proc/{pid}").exists() and not _zombie(pid)]
        time.sleep(0.05)
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


def _zombie(pid: int) -> bool:
    try:
        return " Z " in Path(f"/proc/{pid}/stat").read_text().split(")", 1)[1][:4]
    except OSError:
        return True


# -- report -----------------------------------------------------------------------------------------

ROWS: list[tuple[str, str, str]] = [
    ("v1_parallel_s", "bg-deploy v1, parallel (one wave)", "s"),
    ("v1_sequential_s", "deploy v1, sequential (1 worker)", "s"),
    ("v2_to_pause_s", "bg-deploy v2 to the pause", "s"),
    ("resume_s", "-a resume (switch + undeploy blue)", "s"),
    ("switch_window_cc_s", "switch window (CC: 1st green dest → last blue dest gone)", "s"),
    ("switch_window_traffic_s", "switch window seen by traffic (1st v2 → last v1 answer)", "s"),
    ("resume_before_switch_s", "resume: command start → 1st green destination", "s"),
    ("resume_after_switch_s", "resume: last blue destination gone → command end", "s"),
    ("traffic_failed", "failed requests during resume", ""),
    ("traffic_requests", "traffic requests during resume", ""),
    ("engine_peak_rss_parallel_mib", "engine peak RSS (VmHWM), v1+v2+resume", "MiB"),
    ("engine_peak_rss_sequential_mib", "engine peak RSS (VmHWM), sequential v1", "MiB"),
    ("cc_requests_v1_parallel", "CC requests: bg-deploy v1 parallel", ""),
    ("cc_requests_v1_sequential", "CC requests: deploy v1 sequential", ""),
    ("cc_requests_v2_to_pause", "CC requests: bg-deploy v2 to the pause", ""),
    ("cc_requests_resume", "CC requests: resume", ""),
]


def fmt(value: float, unit: str) -> str:
    if value != value:  # NaN
        return "n/a"
    return f"{value:.2f}" if unit in ("s", "MiB") else f"{value:.0f}"


def report(bench: Bench, elapsed: float) -> dict[str, Any]:
    values = bench.samples.values
    medians = {k: statistics.median(v) for k, v in values.items()}
    ratios: dict[str, Any] = {}
    par, seq = values.get("v1_parallel_s", []), values.get("v1_sequential_s", [])
    if par and seq:
        per_rep = [s / p for s, p in zip(seq, par, strict=True)]
        ratios = {"sequential_over_parallel_of_medians": medians["v1_sequential_s"] / medians["v1_parallel_s"],
                  "sequential_over_parallel_per_rep": per_rep,
                  "sequential_over_parallel_median_of_reps": statistics.median(per_rep)}

    a = bench.args
    workers = str(a.workers) if a.workers else "engine default"
    print(f"\nmake bench — {a.modules}-module MTA, CC latency {a.latency_ms:g} ms/request, staging {a.staging_s:g} s, "
          f"start {a.start_s:g} s, route propagation {a.propagation_s:g} s, engine route settle {bench.settle_s:g} s, "
          f"router latency {a.router_latency_ms:g} ms, parallel workers: {workers}, "
          f"{a.reps} repetitions, {elapsed:.0f} s in all\n")
    width = max(len(label) for _, label, _ in ROWS)
    print(f"{'figure':<{width}}  {'unit':>4}  {'median':>8}  samples")
    print("-" * (width + 40))
    for key, label, unit in ROWS:
        if key in values:
            samples = ", ".join(fmt(v, unit) for v in values[key])
            print(f"{label:<{width}}  {unit:>4}  {fmt(medians[key], unit):>8}  [{samples}]")
    if "sequential_over_parallel_of_medians" in ratios:
        of_medians = ratios["sequential_over_parallel_of_medians"]
        print(f"\nratio sequential/parallel (v1 deploy): {of_medians:.2f}x of medians; "
              f"per repetition [{', '.join(f'{r:.2f}' for r in ratios['sequential_over_parallel_per_rep'])}]")
    for name in ("v1_parallel", "resume"):
        counts = bench.samples.endpoints.get(name)
        if counts:
            per_rep = {k: v / a.reps for k, v in counts.most_common(10)}
            print(f"\nCC requests per {name.replace('_', ' ')} (mean per repetition, top endpoints):")
            for endpoint, n in per_rep.items():
                print(f"  {n:6.1f}  {endpoint}")
    result = {
        "config": {**vars(a), "route_settle_s": bench.settle_s},
        "elapsed_s": elapsed,
        "samples": values,
        "medians": medians,
        "ratios": ratios,
        "cc_endpoints_per_rep": {name: {k: v / a.reps for k, v in c.most_common()}
                                 for name, c in bench.samples.endpoints.items()},
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(result, indent=2, sort_keys=True))
    print(f"\nwritten: {OUT.relative_to(ROOT)}")
    return result


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--reps", type=int, default=3)
    p.add_argument("--modules", type=int, default=10)
    p.add_argument("--latency-ms", type=float, default=50.0)
    p.add_argument("--staging-s", type=float, default=0.5)
    p.add_argument("--start-s", type=float, default=0.3)
    p.add_argument("--propagation-s", type=float, default=1.0)
    p.add_argument("--settle-margin-s", type=float, default=0.2, help="engine route settle = propagation + this")
    p.add_argument("--router-latency-ms", type=float, default=20.0, help="paces the traffic generator")
    p.add_argument("--workers", type=int, default=0,
                   help="BGDEPLOY_MAX_PARALLEL_APPS of the parallel run (default: the engine's default)")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="bgdeploy-bench-") as tmp:
        bench = Bench(args, Path(tmp))
        print(f"make bench: {args.reps} repetitions of v1 parallel, v1 sequential, v2 to pause, resume "
              f"({args.modules} modules)", flush=True)
        for rep in range(args.reps):
            bench.repetition(rep)
        result = report(bench, time.monotonic() - started)
    failed = sum(result["samples"].get("traffic_failed", []))
    if failed:
        print(f"\nFAIL: {failed:.0f} requests failed during the switch (must be 0)")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
