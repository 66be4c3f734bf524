"""`python -m ccsim --port 0 --router-port 0 --ready-file F [--seed N] [--work-dir D] [options]`.

When both servers listen, writes `{"api_url", "router_url", "router_port", "api_port", "pid"}` to the
ready file. SIGTERM/SIGINT stop the servers and terminate every app instance.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import sys
import tempfile
import threading
from pathlib import Path

from .config import SimConfig
from .openapi_check import OpenApiChecker
from .server import ApiServer
from .simulator import Simulator


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="ccsim", description="Cloud Controller v3 + UAA + router simulator")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--router-port", type=int, default=0)
    p.add_argument("--ready-file", type=Path)
    p.add_argument("--work-dir", type=Path, help="droplets, packages (default: a temp dir)")
    p.add_argument("--seed", type=int, default=0, help="seed of fault injection")
    p.add_argument("--config-json", default="{}", help="JSON object merged into the config (see config.py)")
    p.add_argument("--faults-json", default="{}", help="JSON fault specification (see faults.py)")
    p.add_argument("--catalog", type=Path, help="JSON file: extra service offerings [{name, plans, tags, broker}]")
    for name in ("token_lifetime_s", "staging_s", "start_s", "route_propagation_s", "broker_s", "job_s",
                 "latency_ms"):
        p.add_argument("--" + name.replace("_", "-"), type=float, dest=name)
    p.add_argument("--openapi-dir", type=Path, help="check every JSON answer against this OpenAPI description")
    p.add_argument("--log-level", default="WARNING")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=args.log_level, format="%(asctime)s ccsim %(levelname)s %(message)s")
    config = SimConfig()
    config.update(json.loads(args.config_json))
    config.update({k: getattr(args, k) for k in ("token_lifetime_s", "staging_s", "start_s", "route_propagation_s",
                                                  "broker_s", "job_s", "latency_ms") if getattr(args, k) is not None})
    catalog = json.loads(args.catalog.read_text()) if args.catalog else []
    work_dir = args.work_dir or Path(tempfile.mkdtemp(prefix="ccsim-"))
    sim = Simulator(work_dir, config, seed=args.seed, catalog=catalog)
    sim.faults.configure({"seed": args.seed, **json.loads(args.faults_json)})
    if args.openapi_dir:
        sim.openapi = OpenApiChecker(args.openapi_dir)
    api = ApiServer((args.host, args.port), sim)
    api_port = int(api.server_address[1])
    router_port = sim.router.start(args.host, args.router_port)
    sim.api_url = f"http://{args.host}:{api_port}"
    sim.router_url = f"http://{args.host}:{router_port}"
    sim.uaa.issuer = f"{sim.api_url}/oauth/token"
    stop = threading.Event()

    def on_signal(signum: int, frame: object) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    threading.Thread(target=api.serve_forever, kwargs={"poll_interval": 0.1}, name="ccsim-api", daemon=True).start()
    if args.ready_file:
        ready = {"api_url": sim.api_url, "router_url": sim.router_url, "router_port": router_port,
                 "api_port": api_port, "pid": os.getpid(), "work_dir": str(work_dir)}
        tmp = args.ready_file.with_suffix(".tmp")
        tmp.write_text(json.dumps(ready))
        tmp.replace(args.ready_file)
    print(f"ccsim api={sim.api_url} router={sim.router_url}", file=sys.stderr, flush=True)
    stop.wait()
    api.shutdown()
    sim.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
