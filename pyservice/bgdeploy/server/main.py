"""`bgdeploy-engine serve`: the engine process (local on a Unix socket, or shared on TCP with TLS).

A shared engine (TCP) authorises every call with Cloud Controller (server.authz), serves only the
`--cf-api` endpoints it is given, needs TLS unless `--insecure-listen` on loopback, and keeps its state in
PostgreSQL, whose URL comes from `--database-file` or BGDEPLOY_DATABASE_URL (never argv: a password there
is visible to every local user). Several instances may share one database (engine.leases).
"""

from __future__ import annotations

import argparse
import ipaddress
import logging
import os
import signal
import socket
import sys
import threading
import time
from collections.abc import Sequence
from concurrent import futures
from pathlib import Path
from typing import Any

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc

from bgdeploy.engine.api import Engine
from bgdeploy.engine.leases import LeaseKeeper
from bgdeploy.engine.retention import Sweeper
from bgdeploy.engine.settings import EngineSettings
from bgdeploy.routers.addresses import AddressMap
from bgdeploy.server import info, single, upload_parts
from bgdeploy.server.authz import AuthInterceptor, Authorizer
from bgdeploy.server.files import FileStore
from bgdeploy.server.handover import HandOver, files_socket_path
from bgdeploy.server.limits import StreamLimits
from bgdeploy.server.local_files import LocalFiles
from bgdeploy.server.local_secret import LocalSecretInterceptor, read_secret
from bgdeploy.server.servicer import Activity, DeployerService
from bgdeploy.store import Store, open_store
from bgdeploy.v1 import deployer_pb2_grpc as pb_grpc

log = logging.getLogger("bgdeploy")
DATABASE_ENV = "BGDEPLOY_DATABASE_URL"
# A client that vanished without closing its connection is found by HTTP/2 pings, so its open stream
# (and the RPC thread it holds) ends within about 80 s.
KEEPALIVE = [("grpc.keepalive_time_ms", 60_000), ("grpc.keepalive_timeout_ms", 20_000),
             ("grpc.keepalive_permit_without_calls", 1), ("grpc.http2.max_pings_without_data", 0)]
# Uploads come in 1 MiB messages: reading the socket in pieces of that order (gRPC core starts at 8 KiB and
# grows slowly) saves most of the receive path's system calls and wake-ups.
BULK_READS = [("grpc.experimental.tcp_read_chunk_size", 4 << 20),
              ("grpc.experimental.tcp_min_read_chunk_size", 256 << 10),
              ("grpc.experimental.tcp_max_read_chunk_size", 8 << 20)]


class Tls:
    def __init__(self, cert: bytes, key: bytes, client_ca: bytes | None = None) -> None:
        self.cert, self.key, self.client_ca = cert, key, client_ca

    def credentials(self) -> grpc.ServerCredentials:
        return grpc.ssl_server_credentials([(self.key, self.cert)], root_certificates=self.client_ca,
                                           require_client_auth=self.client_ca is not None)


def create_server(engine: Engine, files: FileStore, activity: Activity, listen: str, tls: Tls | None = None, *,
                  interceptors: Sequence[grpc.ServerInterceptor] = (),
                  local_files: LocalFiles | None = None) -> tuple[grpc.Server, int, Any]:
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=64, thread_name_prefix="rpc"),
                         options=[("grpc.max_receive_message_length", 8 << 20), *KEEPALIVE, *BULK_READS],
                         interceptors=list(interceptors))
    service = DeployerService(engine, files, activity, local_files)
    pb_grpc.add_DeployerServicer_to_server(service, server)
    # Upload again, with requests decoded without copying their bytes (the registered handler is replaced).
    server.add_registered_method_handlers("bgdeploy.v1.Deployer", {"Upload": upload_parts.handler(service.Upload)})
    health_servicer = health.HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
    port = server.add_secure_port(listen, tls.credentials()) if tls else server.add_insecure_port(listen)
    health_servicer.set("", health_pb2.HealthCheckResponse.SERVING)
    return server, port, health_servicer


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="bgdeploy-engine", description="The cf bg-deploy engine")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="serve the Deployer gRPC API")
    serve.add_argument("--listen", required=True, help="unix:///path/engine.sock or HOST:PORT")
    serve.add_argument("--state-dir", required=True)
    serve.add_argument("--database", default="", help="sqlite:////path/state.db (default: in the state dir)")
    serve.add_argument("--database-file", default="",
                       help=f"a file holding the postgresql://... URL (or set {DATABASE_ENV})")
    serve.add_argument("--tls-cert", default="")
    serve.add_argument("--tls-key", default="")
    serve.add_argument("--tls-client-ca", default="", help="require client certificates signed by this CA (mTLS)")
    serve.add_argument("--insecure-listen", action="store_true", help="plaintext TCP, on a loopback address only")
    serve.add_argument("--cf-api", action="append", default=[], metavar="URL",
                       help="a Cloud Controller API this shared engine serves (repeatable; required on TCP)")
    serve.add_argument("--keep-files", action="store_true", help="keep uploads after their operation ended")
    serve.add_argument("--file-ttl-seconds", type=float, default=24 * 3600.0)
    serve.add_argument("--idle-ttl-seconds", type=float, default=5 * 24 * 3600.0,
                       help="abort operations idle in ACTION_REQUIRED or ERROR this long (default 5 days)")
    serve.add_argument("--lease-seconds", type=float, default=15.0)
    serve.add_argument("--max-streams-per-user", type=int, default=8)
    serve.add_argument("--max-uploads-per-user", type=int, default=2)
    serve.add_argument("--stream-idle-seconds", type=float, default=120.0)
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
    serve.add_argument("--local-secret-file", default="",
                       help="a local engine on loopback TCP: refuse calls without the secret in this file")
    return parser.parse_args(argv)


class UsageError(Exception):
    pass


def database_url(args: argparse.Namespace, state_dir: Path) -> str:
    if args.database.startswith(("postgresql:", "postgres:")):
        raise UsageError(f"A PostgreSQL URL is not accepted on the command line: use --database-file or {DATABASE_ENV}")
    if args.database_file:
        return Path(args.database_file).read_text().strip()
    return os.environ.get(DATABASE_ENV, "") or args.database or f"sqlite:///{state_dir / 'state.db'}"


def is_loopback(host: str) -> bool:
    host = host.strip("[]")
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def transport(args: argparse.Namespace, listen: str, local: bool) -> Tls | None:
    """TLS for a shared engine on TCP unless --insecure-listen on loopback; nothing for a local engine (a
    Unix socket, or loopback TCP guarded by the user's secret)."""
    if local and not args.tls_cert:
        if not listen.startswith("unix://") and not is_loopback(listen.rsplit(":", 1)[0]):
            raise UsageError("A local engine (--local-secret-file) listens on a loopback address only")
        return None
    if args.tls_cert:
        ca = Path(args.tls_client_ca).read_bytes() if args.tls_client_ca else None
        return Tls(Path(args.tls_cert).read_bytes(), Path(args.tls_key).read_bytes(), ca)
    host = listen.rsplit(":", 1)[0]
    if not args.insecure_listen:
        raise UsageError("A TCP listen needs --tls-cert and --tls-key (or --insecure-listen on a loopback address)")
    if not is_loopback(host):
        raise UsageError(f"--insecure-listen is only allowed on a loopback address, not {host}")
    return None


def watch_database(store: Store, health_servicer: Any, stop: threading.Event) -> None:
    """Health follows the database: NOT_SERVING while it cannot be reached."""
    serving = True
    while not stop.wait(1.0):
        up = store.ping()
        if up != serving:
            serving = up
            log.warning("database %s", "reachable again" if up else "unreachable: health NOT_SERVING")
            health_servicer.set("", health_pb2.HealthCheckResponse.SERVING if up
                                else health_pb2.HealthCheckResponse.NOT_SERVING)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    state_dir = Path(args.state_dir)
    state_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(state_dir, 0o700)
    listen = args.listen
    sock_path = listen[len("unix://"):] if listen.startswith("unix://") else ""
    local = bool(sock_path or args.local_secret_file)  # a per-user engine, on a socket or loopback TCP
    try:
        database = database_url(args, state_dir)
        tls = transport(args, listen, local)
        if not local and not args.cf_api:
            raise UsageError("A shared engine needs --cf-api URL for each Cloud Controller it serves")
    except (UsageError, OSError) as exc:
        print(f"bgdeploy-engine: {exc}", file=sys.stderr)
        return 2
    lock = single.hold(state_dir)
    if lock is None:
        log.info("another engine serves %s: exiting", state_dir)
        return single.ALREADY_SERVED
    store = open_store(database)
    try:
        AddressMap.parse(args.route_address)
    except ValueError as exc:
        print(f"bgdeploy-engine: {exc}", file=sys.stderr)
        return 2
    settings = EngineSettings(state_dir=str(state_dir), route_settle_s=args.route_settle_seconds,
                              route_addresses=tuple(args.route_address), drain_s=max(0.0, args.drain_seconds),
                              max_parallel_apps=max(1, args.max_parallel_apps), lease_s=args.lease_seconds,
                              takeover=store.shared, keep_files=args.keep_files, file_ttl_s=args.file_ttl_seconds,
                              idle_ttl_s=args.idle_ttl_seconds)
    files = FileStore(store, str(state_dir))
    if removed := files.remove_partial_uploads():
        log.info("removed %d partial uploads a crash left", removed)
    engine = Engine(store, settings)
    engine.recover()
    activity = Activity()
    interceptors: list[grpc.ServerInterceptor] = []
    if args.local_secret_file:
        interceptors.append(LocalSecretInterceptor(read_secret(args.local_secret_file)))
    if not local:  # a local engine is reachable by its owner only (socket mode 0600, or the secret)
        limits = StreamLimits(per_user=args.max_streams_per_user, uploads_per_user=args.max_uploads_per_user,
                              idle_s=args.stream_idle_seconds)
        interceptors.append(AuthInterceptor(Authorizer(store, args.cf_api), limits))

    if args.idle_exit_seconds is None:
        # A local engine is started on demand by the plugin, so it may go away when nobody needs it.
        args.idle_exit_seconds = float(os.environ.get("BGDEPLOY_IDLE_EXIT_SECONDS", 1800 if local else 0))
    if sock_path and os.path.exists(sock_path):
        os.unlink(sock_path)  # a stale socket from a crashed engine
    old_umask = os.umask(0o177) if sock_path else None
    stop = threading.Event()
    # On a Unix socket the shim hands files over by descriptor (server/handover.py); elsewhere it streams them.
    handover = HandOver(files_socket_path(sock_path)).start() if sock_path and hasattr(socket, "recv_fds") else None
    try:
        server, port, health_servicer = create_server(engine, files, activity, listen, tls, interceptors=interceptors,
                                                      local_files=LocalFiles(files, handover) if handover else None)
        info.add_to_server(server, local=local, on_shutdown=stop.set)
        server.start()
    finally:
        if old_umask is not None:
            os.umask(old_umask)
    if sock_path:
        os.chmod(sock_path, 0o600)
    keeper, sweeper = LeaseKeeper(engine).start(), Sweeper(engine).start()
    threading.Thread(target=watch_database, args=(store, health_servicer, stop), daemon=True, name="db-health").start()
    if args.port_file:  # written whole, then renamed: a reader never sees half a number
        Path(f"{args.port_file}.tmp").write_text(str(port))
        os.replace(f"{args.port_file}.tmp", args.port_file)
    log.info("engine %s serving on %s (port %s), state in %s", engine.instance, listen, port,
             database.split("@")[-1])

    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    while not stop.wait(1.0):
        idle_for = time.monotonic() - activity.last
        if args.idle_exit_seconds and activity.calls == 0 and not engine.busy() and idle_for > args.idle_exit_seconds:
            log.info("idle for %.0f s: exiting", idle_for)
            break
    stop.set()
    server.stop(grace=5).wait()
    keeper.stop()
    sweeper.stop()
    store.close()
    if handover:
        handover.close()
    if sock_path and os.path.exists(sock_path):
        os.unlink(sock_path)  # ours: we hold the state directory
    lock.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
