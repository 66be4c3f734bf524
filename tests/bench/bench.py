"""`make bench`: the blue-green cycle against its critical path, this tree next to the previous commit.

Everything goes through the real cf CLI and the plugin against the simulator (router propagation D,
CC latency, staging and start times as the flags say; defaults: 1 s, 20 ms, 2 s, 1 s) with a generated
10-module MTA. Per repetition, on a fresh simulator, for this tree and for the baseline (the previous
commit, built in a temporary git worktree, run as a new user would: engine defaults):
  v1 (first deploy), v2 to the pause (`--json`: progress latency), `-a resume` under traffic.
Figures (medians of the repetitions):
  P1  v2 to the pause / its critical path (staging + start + D + DEPENDENT_CALLS x latency); target <= 1.5
  P2  v1 / the real `cf push -f manifest.yml` of the same apps (push.py; alone: tests/bench/push.py)
  P3  resume - 2 D - drain; target <= 1 s
  P5  upload rate: `cf bg-deploy` of an 800 MiB archive until the operation started (tests/bench/upload.py),
      with the peak RSS and CPU time of shim and engine; target >= 500 MiB/s
  P7  progress latency: an event's time in the engine -> its line on the terminal (median, max)
  P8  CC requests per module, v2 to the pause; target <= 15
  failed requests during the resume (non-200, plus requests the router first sent to a stopped blue
  instance and retried), at D and, once, at D = 30 s
JSON: .work/bench.json (--p5-only: .work/bench-p5.json); picture of one resume: docs/bench/switch.svg.

    PYTHONPATH=tests .venv/bin/python tests/bench/bench.py [--reps 3] [--baseline REF | --no-baseline]
                                                           [--p5-only | --no-p5] [--p5-mib 800]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

import upload
from baseline import baseline_ref, build_baseline, remove_worktree
from mta10 import build, productive_host
from plot import draw
from push import P2_KEY, add_p2, p2_line, push_runs
from runs import Build, Cycle, run_cycle

from ccsim.launcher import start_simulator
from e2e.cfcli import ROOT

OUT = ROOT / ".work" / "bench.json"
SVG = ROOT / "docs" / "bench" / "switch.svg"
DEPENDENT_CALLS = 12  # one module's chain: app, scale, process, bind, package, upload, build, droplet, route,
#                       destination, start, instances: each waits for the one before


def median(values: list[float]) -> float:
    values = [v for v in values if v == v]
    return statistics.median(values) if values else float("nan")


def figures(cycles: list[Cycle], args: argparse.Namespace) -> dict[str, float]:
    critical = args.staging_s + args.start_s + args.propagation_s + DEPENDENT_CALLS * args.latency_ms / 1000
    return {
        "v1_s": median([c.v1_s for c in cycles]),
        "v2_to_pause_s": median([c.v2_s for c in cycles]),
        "P1_v2_over_critical_path": median([c.v2_s / critical for c in cycles]),
        "resume_s": median([c.resume_s for c in cycles]),
        "P3_resume_minus_2D_minus_drain_s": median([c.resume_s - 2 * args.propagation_s - c.drain_s
                                                    for c in cycles]),
        "P7_progress_latency_median_ms": median([c.latency_median_ms for c in cycles]),
        "P7_progress_latency_max_ms": median([c.latency_max_ms for c in cycles]),
        "P8_cc_requests_per_module": median([c.v2_requests / args.modules for c in cycles]),
        "failed_requests": sum(c.failed for c in cycles),
        "sent_to_stopped_blue": sum(c.blue_dials for c in cycles),
        "traffic_requests": median([c.traffic for c in cycles]),
        "critical_path_s": critical,
    }


ROWS = [("v1_s", "bg-deploy v1 (first deploy)", "s", ""), (P2_KEY, "P2 v1 / cf push of the same apps", "x", ""),
        ("v2_to_pause_s", "bg-deploy v2 to the pause", "s", ""),
        ("P1_v2_over_critical_path", "P1 v2 to pause / critical path", "x", "<= 1.5"),
        ("resume_s", "-a resume", "s", ""), ("P3_resume_minus_2D_minus_drain_s", "P3 resume - 2D - drain", "s", "<= 1"),
        ("P7_progress_latency_median_ms", "P7 progress latency, median", "ms", "<= 200"),
        ("P7_progress_latency_max_ms", "P7 progress latency, max", "ms", "<= 200"),
        ("P8_cc_requests_per_module", "P8 CC requests per module (v2)", "", "<= 15"),
        ("failed_requests", "failed requests in the resumes", "", "0"),
        ("sent_to_stopped_blue", "requests sent to a stopped blue", "", "0"),
        ("traffic_requests", "traffic requests per resume", "", "")]


def fmt(value: float) -> str:
    return "n/a" if value != value else (f"{value:.0f}" if abs(value) >= 100 else f"{value:.2f}")


def report(results: dict[str, Any], args: argparse.Namespace) -> None:
    if "new" in results:
        report_cycles(results, args)
    if "P5" in results:
        print("\n" + "\n".join(upload.report(results["P5"])))
    out = OUT.with_name("bench-p5.json") if args.p5_only else OUT  # a P5 run alone keeps the full figures
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2, sort_keys=True, default=str))
    print(f"\nwritten: {out.relative_to(ROOT)}" + ("" if args.p5_only else f", {SVG.relative_to(ROOT)}"))


def report_cycles(results: dict[str, Any], args: argparse.Namespace) -> None:
    new, base = results["new"], results.get("baseline") or {}
    print(f"\nmake bench: {args.modules} modules, D = {args.propagation_s:g} s, CC latency {args.latency_ms:g} ms, "
          f"staging {args.staging_s:g} s, start {args.start_s:g} s, {args.reps} repetitions (medians); "
          f"critical path {new['critical_path_s']:.2f} s\n")
    print(f"{'figure':<36} {'unit':>4} {'this tree':>10} {results.get('baseline_name', 'baseline'):>14} "
          f"{'ratio':>7}  target")
    for key, label, unit, target in ROWS:
        a, b = new.get(key, float("nan")), base.get(key, float("nan"))
        ratio = a / b if b and b == b and a == a else float("nan")
        print(f"{label:<36} {unit:>4} {fmt(a):>10} {fmt(b):>14} {fmt(ratio):>7}  {target}")
    print(p2_line(results))
    for name, slow in results.get("slow", {}).items():
        print(f"D = {args.slow_propagation_s:g} s, {name}: resume {slow['resume_s']:.1f} s, failed requests "
              f"{slow['failed']}, sent to a stopped blue {slow['blue_dials']} (of {slow['traffic']})")


def run_cycles(builds: list[Build], tmp: Path, args: argparse.Namespace) -> dict[str, Any]:
    """P1, P3, P7, P8 and the failed requests: reps blue-green cycles per build, then the slow resume."""
    sim_config = {"latency_ms": args.latency_ms, "staging_s": args.staging_s, "start_s": args.start_s,
                  "route_propagation_s": args.propagation_s, "router_latency_ms": args.router_latency_ms}
    v1, v2 = build(tmp / "v1.mtar", "1.0.0", args.modules), build(tmp / "v2.mtar", "2.0.0", args.modules)
    hosts = [productive_host(f"m{i:02d}") for i in range(args.modules)]
    cycles: dict[str, list[Cycle]] = {b.name: [] for b in builds}
    slow: dict[str, dict[str, Any]] = {}
    for rep in range(args.reps):
        for b in (builds if rep % 2 == 0 else builds[::-1]):
            sim = start_simulator(tmp / f"sim-{rep}-{len(cycles[b.name])}-{b.root.name}", **sim_config)
            try:
                cycle = run_cycle(b, sim, tmp / f"home-{rep}-{b.root.name}", v1, v2, hosts)
            finally:
                sim.stop()
            cycles[b.name].append(cycle)
            print(f"  rep {rep + 1} {b.name}: v1 {cycle.v1_s:.1f} s, v2 {cycle.v2_s:.1f} s, resume "
                  f"{cycle.resume_s:.1f} s, failed {cycle.failed}", flush=True)
            if rep == 0 and b is builds[0]:
                draw(SVG, cycle.samples, cycle.marks, cycle.resume_started,
                     f"One resume under load ({args.modules} routes, D = {args.propagation_s:g} s)")
    for b in builds[: args.slow_runs and len(builds)]:
        sim = start_simulator(tmp / f"sim-slow-{b.root.name}", **sim_config)
        try:
            cycle = run_cycle(b, sim, tmp / f"home-slow-{b.root.name}", v1, v2, hosts,
                              resume_propagation_s=args.slow_propagation_s)
        finally:
            sim.stop()
        slow[b.name] = {"resume_s": cycle.resume_s, "failed": cycle.failed, "blue_dials": cycle.blue_dials,
                        "traffic": cycle.traffic}
    push_times = push_runs(tmp, sim_config, args.reps, args.modules)  # P2's peer, the same for both builds
    results: dict[str, Any] = {"new": figures(cycles[builds[0].name], args), "slow": slow,
                               "cycles": {k: [c.plain() for c in v] for k, v in cycles.items()}}
    if len(builds) > 1:
        results["baseline"], results["baseline_name"] = figures(cycles[builds[1].name], args), builds[1].name
    add_p2(results, push_times)
    return results


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    results: dict[str, Any] = {"config": vars(args)}
    with tempfile.TemporaryDirectory(prefix="bgdeploy-bench-") as tmp_name:
        tmp = Path(tmp_name)
        builds = [Build("this tree", ROOT)]
        base_dir = tmp / "baseline"
        if not args.no_baseline:
            ref = args.baseline or baseline_ref()
            print(f"building the baseline {ref[:10]} in a temporary worktree...", flush=True)
            builds.append(build_baseline(ref, base_dir))
        try:
            if not args.p5_only:
                results.update(run_cycles(builds, tmp, args))
            if not args.no_p5:
                results["P5"] = upload.p5(builds, tmp, args.reps, args.p5_mib)
        finally:
            if not args.no_baseline:
                remove_worktree(base_dir)
    report(results, args)
    failed = results.get("new", {}).get("failed_requests", 0)
    return 1 if failed or results.get("slow", {}).get(builds[0].name, {}).get("failed") else 0


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--reps", type=int, default=3)
    p.add_argument("--modules", type=int, default=10)
    p.add_argument("--latency-ms", type=float, default=20.0)
    p.add_argument("--staging-s", type=float, default=2.0)
    p.add_argument("--start-s", type=float, default=1.0)
    p.add_argument("--propagation-s", type=float, default=1.0, help="D")
    p.add_argument("--slow-propagation-s", type=float, default=30.0)
    p.add_argument("--slow-runs", type=int, default=1, help="0: skip the D = 30 s resume")
    p.add_argument("--router-latency-ms", type=float, default=20.0, help="paces the traffic generator")
    p.add_argument("--baseline", default="", help="git ref to compare with (default: see baseline_ref)")
    p.add_argument("--no-baseline", action="store_true")
    p.add_argument("--p5-only", action="store_true", help="only the upload rate (P5)")
    p.add_argument("--no-p5", action="store_true")
    p.add_argument("--p5-mib", type=int, default=800, help="size of P5's archive")
    return p.parse_args(argv)


if __name__ == "__main__":
    sys.exit(main())
