"""`bgdeploy-engine serve`: the engine process (local on a Unix socket, or shared on TCP with TLS)."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
import time
from concurrent import futures
from pathlib import Path

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc

from bgdeploy.engine.api import Engine
from bgdeploy.engine.settings import EngineSettings
from bgdeploy.routers.addresses import AddressMap
from bgdeploy.server.files import FileStore
from bgdeploy.server.servicer import Activity, DeployerService
from bgdeploy.store import open_store
from bgdeploy.v1 import deployer_pb2_grpc as pb_grpc

log = logging.getLogger("bgdeploy")


def create_server(engine: Engine, files: FileStore, activity: Activity, listen: str,
                  tls: tuple[bytes, bytes] | None = None) -> tuple[grpc.Server, int]:
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=64, thread_name_prefix="rpc"),
                         options=[("grpc.max_receive_message_length", 8 << 20)])
    pb_grpc.add_DeployerServicer_to_server(DeployerService(engine, files, activity), server)
    health_servicer = health.HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
    if tls:
        port = server.add_secure_port(listen, grpc.ssl_server_credentials([(tls[1], tls[0])]))
    else:
        port = server.add_insecure_port(listen)
    health_servicer.set("", health_pb2.HealthCheckResponse.SERVING)
    return server, port


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="bgdeploy-engine", description="The cf bg-deploy engine")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="serve the Deployer gRPC API")
    serve.add_argument("--listen", required=True, help="unix:///path/engine.sock or HOST:PORT")
    serve.add_argument("--state-dir", required=True)
    serve.add_argument("--database", default="", help="sqlite:////path/state.db (default) or postgresql://...")
    serve.add_argument("--tls-cert", default="")
    serve.add_argument("--tls-key", default="")
    serve.add_argument("--idle-exit-seconds", type=float, default=None,
                       help="exit when idle this long (0: never; default: 30 minutes on a Unix socket, else never)")
    serve.add_argument("--route-settle-seconds", type=float,
                       default=float(os.environ.get("BGDEPLOY_ROUTE_SETTLE_SECONDS", "20")),
                       help="the fixed wait for the routers of --route-check timer (and where they cannot be probed)")
    serve.add_argument("--route-address", action="append", metavar="DOMAIN=[SCHEME://]HOST:PORT",
                       default=[a for a in os.environ.get("BGDEPLOY_ROUTE_ADDRESSES", "").split(",") if a.strip()],
                       help="probe the routers of DOMAIN (and hosts under it) at HOST:PORT instead of the address "
                            "DNS gives (repeatable; env BGDEPLOY_ROUTE_ADDRESSES, comma-separated)")
    serve.add_argument("--drain-seconds", type=float,
                       default=float(os.environ.get("BGDEPLOY_DRAIN_SECONDS", "2")),
                       help="default of the deploy flag --drain-seconds")
    serve.add_argument("--max-parallel-apps", type=int,
                       default=int(os.environ.get("BGDEPLOY_MAX_PARALLEL_APPS", "16")),
                       help="modules of one wave deployed at once (1: one after another)")
    serve.add_argument("--port-file", default="", help="write the bound TCP port here when ready")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    state_dir = Path(args.state_dir)
    state_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(state_dir, 0o700)
    database = args.database or f"sqlite:///{state_dir / 'state.db'}"
    store = open_store(database)
    try:
        AddressMap.parse(args.route_address)
    except ValueError as exc:
        print(f"bgdeploy-engine: {exc}", file=sys.stderr)
        return 2
    settings = EngineSettings(state_dir=str(state_dir), route_settle_s=args.route_settle_seconds,
                              route_addresses=tuple(args.route_address), drain_s=max(0.0, args.drain_seconds),
                              max_parallel_apps=max(1, args.max_parallel_apps))
    files = FileStore(store, str(state_dir))
    engine = Engine(store, settings)
    engine.recover()
    activity = Activity()

    tls = None
    if args.tls_cert:
        tls = (Path(args.tls_cert).read_bytes(), Path(args.tls_key).read_bytes())
    listen = args.listen
    sock_path = listen[len("unix://"):] if listen.startswith("unix://") else ""
    if args.idle_exit_seconds is None:
        # A local engine is started on demand by the plugin, so it may go away when nobody needs it.
        args.idle_exit_seconds = float(os.environ.get("BGDEPLOY_IDLE_EXIT_SECONDS", 1800 if sock_path else 0))
    if sock_path and os.path.exists(sock_path):
        os.unlink(sock_path)  # a stale socket from a crashed engine
    old_umask = os.umask(0o177) if sock_path else None
    try:
        server, port = create_server(engine, files, activity, listen, tls)
        server.start()
    finally:
        if old_umask is not None:
            os.umask(old_umask)
    if sock_path:
        os.chmod(sock_path, 0o600)
    if args.port_file:
        Path(args.port_file).write_text(str(port))
    log.info("engine serving on %s (port %s), state in %s", listen, port, database.split("@")[-1])

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    while not stop.wait(1.0):
        idle_for = time.monotonic() - activity.last
        if args.idle_exit_seconds and activity.calls == 0 and not engine.busy() and idle_for > args.idle_exit_seconds:
            log.info("idle for %.0f s: exiting", idle_for)
            break
    server.stop(grace=5).wait()
    store.close()
    if sock_path and os.path.exists(sock_path):
        os.unlink(sock_path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
