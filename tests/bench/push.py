"""P2's peer: the real `cf push -f manifest.yml` of the bench MTA's apps, as a user without bg-deploy would
deploy them, through the same simulator settings.

The project has one directory per module with the MTA's app bits (server.py, Procfile) and a manifest
with the same names' apps: memory, instances, command, productive route and env (MODULE, MTA_VERSION) as
`mta10.descriptor` gives them. The cf CLI pushes the apps one after another (its fixed 3 s polls
included: they are what a user waits for). The MTA's two services are not part of the peer (cf push does
not create services), so bg-deploy's v1 also pays for creating them.

Run P2 alone (this tree's bg-deploy v1 against cf push; `--reps` repetitions, medians):

    PYTHONPATH=tests .venv/bin/python tests/bench/push.py [--reps 3]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from mta10 import PROCFILE, SAMPLE, build, module_names, productive_host

from ccsim.launcher import SimHandle, start_simulator
from e2e.cfcli import Cf
from e2e.traffic import wait_answering

P2_KEY = "P2_v1_over_cf_push"


def write_project(root: Path, version: str, count: int) -> Path:
    """The apps of the bench MTA as a cf push project; the manifest's path."""
    server = (SAMPLE / "app_server.py").read_text()
    lines = ["applications:"]
    for name in module_names(count):
        (root / name).mkdir(parents=True, exist_ok=True)
        (root / name / "server.py").write_text(server)
        (root / name / "Procfile").write_text(PROCFILE)
        lines += [f"- name: {name}", f"  path: {name}", "  memory: 64M", "  instances: 1",
                  "  command: python3 server.py", "  routes:", f"  - route: {productive_host(name)}",
                  "  env:", f"    MODULE: {name}", f'    MTA_VERSION: "{version}"']
    manifest = root / "manifest.yml"
    manifest.write_text("\n".join(lines) + "\n")
    return manifest


def time_push(sim: SimHandle, home: Path, manifest: Path, hosts: list[str]) -> float:
    """Seconds of one `cf push -f` (logged in beforehand); its apps must answer afterwards."""
    cf = Cf(home)
    cf.login(sim.api_url)
    started = time.monotonic()
    cf("push", "-f", str(manifest), timeout=900, cwd=manifest.parent, check=True)
    seconds = time.monotonic() - started
    wait_answering(sim.router_url, hosts)
    return seconds


def push_runs(tmp: Path, sim_config: dict[str, Any], reps: int, count: int) -> list[float]:
    """`reps` pushes, each on a fresh simulator with `sim_config`."""
    manifest = write_project(tmp / "push-project", "1.0.0", count)
    hosts = [productive_host(m) for m in module_names(count)]
    times = []
    for rep in range(reps):
        sim = start_simulator(tmp / f"sim-push-{rep}", **sim_config)
        try:
            times.append(time_push(sim, tmp / f"home-push-{rep}", manifest, hosts))
        finally:
            sim.stop()
        print(f"  rep {rep + 1} cf push: {times[-1]:.1f} s", flush=True)
    return times


def add_p2(results: dict[str, Any], push_times: list[float]) -> None:
    """P2 = v1 / cf push (medians) for this tree and, when measured, the baseline (same cf push)."""
    push_s = statistics.median(push_times) if push_times else float("nan")
    results["cf_push_s"] = push_s
    results["cf_push_runs_s"] = push_times
    for side in ("new", "baseline"):
        if side in results:
            results[side][P2_KEY] = results[side]["v1_s"] / push_s if push_s == push_s else float("nan")


def p2_line(results: dict[str, Any]) -> str:
    new = results["new"]
    return (f"P2: v1 deploy / cf push = {new.get(P2_KEY, float('nan')):.2f} "
            f"(bg-deploy v1 {new['v1_s']:.1f} s, cf push {results.get('cf_push_s', float('nan')):.1f} s)")


def main(argv: list[str] | None = None) -> int:
    from runs import Build, json_run, new_cf

    from e2e.cfcli import ROOT

    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--reps", type=int, default=3)
    p.add_argument("--modules", type=int, default=10)
    p.add_argument("--latency-ms", type=float, default=20.0)
    p.add_argument("--staging-s", type=float, default=2.0)
    p.add_argument("--start-s", type=float, default=1.0)
    p.add_argument("--propagation-s", type=float, default=1.0, help="D")
    args = p.parse_args(argv)
    sim_config = {"latency_ms": args.latency_ms, "staging_s": args.staging_s, "start_s": args.start_s,
                  "route_propagation_s": args.propagation_s}
    this_tree = Build("this tree", ROOT)
    with tempfile.TemporaryDirectory(prefix="bgdeploy-p2-") as tmp_name:
        tmp = Path(tmp_name)
        v1 = build(tmp / "v1.mtar", "1.0.0", args.modules)
        v1_times = []
        for rep in range(args.reps):
            sim = start_simulator(tmp / f"sim-v1-{rep}", **sim_config)
            cf = new_cf(this_tree, sim, tmp / f"home-v1-{rep}")
            try:
                v1_times.append(json_run(cf, "bg-deploy", str(v1), "-f")[0])
            finally:
                cf.stop_engine()
                sim.stop()
            print(f"  rep {rep + 1} bg-deploy v1: {v1_times[-1]:.1f} s", flush=True)
        results: dict[str, Any] = {"new": {"v1_s": statistics.median(v1_times)}}
        add_p2(results, push_runs(tmp, sim_config, args.reps, args.modules))
    print(p2_line(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
