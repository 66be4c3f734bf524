"""The router: HTTP on its own port, forwarding by `Host` header (and longest route path) to the
RUNNING instances of the route's destinations, round-robin.

Route and instance changes reach the routing table `route_propagation_s` after they happen: each
change computes a complete new table, and a timer installs it by swapping one reference, so a request
sees either the old table or the new one. Stopped instances stay in the table until the change that
removed them is installed; requests to them fail (502) — as on a real platform that learns late.
Answers: 404 + `X-Cf-Routererror: unknown_route`; 503 + `no_endpoints`; 502 + `endpoint_failure`.
"""

from __future__ import annotations

import collections
import http.client
import http.server
import itertools
import socket
import socketserver
import struct
import threading
import time
import uuid
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .simulator import Simulator

HOP_HEADERS = {"connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailers",
               "transfer-encoding", "upgrade", "content-length", "server", "date"}


class RouteEntry:
    def __init__(self, path: str, route_guid: str, endpoints: list[tuple[str, int, str, int]]) -> None:
        self.path = path
        self.route_guid = route_guid
        self.endpoints = endpoints  # (host, port, app guid, instance index)
        self._next = itertools.count()

    def pick(self) -> int:
        return next(self._next)


Table = dict[str, list[RouteEntry]]


class BackendPool:
    """Idle keep-alive connections per backend address."""

    def __init__(self) -> None:
        self._idle: dict[tuple[str, int], list[http.client.HTTPConnection]] = {}
        self._lock = threading.Lock()

    def take(self, addr: str, port: int) -> http.client.HTTPConnection | None:
        with self._lock:
            idle = self._idle.get((addr, port))
            return idle.pop() if idle else None

    def give(self, addr: str, port: int, conn: http.client.HTTPConnection) -> None:
        with self._lock:
            idle = self._idle.setdefault((addr, port), [])
            if len(idle) < 32:
                idle.append(conn)
                return
        conn.close()


class Router:
    def __init__(self, sim: Simulator) -> None:
        self.sim = sim
        self.table: Table = {}
        self.table_version = 0
        self._pending_version = 0
        self._outcome_lock = threading.Lock()
        self.outcomes: collections.Counter[str] = collections.Counter()
        self.recent: collections.deque[dict[str, Any]] = collections.deque(maxlen=2000)
        self.server: http.server.ThreadingHTTPServer | None = None
        self.pool = BackendPool()

    # ------------------------------------------------------------ table (lock held)
    def compute(self) -> Table:
        store = self.sim.store
        table: Table = {}
        for route in store.all("routes"):
            domain = store.find("domains", route["domain_guid"])
            if domain is None:
                continue
            host = f"{route['host']}.{domain['name']}" if route["host"] else domain["name"]
            endpoints = []
            for dest in route["destinations"]:
                app_guid = dest["app"]["guid"]
                for addr, port, index in self.sim.runner.running_endpoints(app_guid, dest["app"]["process"]["type"]):
                    endpoints.append((addr, port, app_guid, index))
            table.setdefault(host.lower(), []).append(RouteEntry(route["path"], route["guid"], endpoints))
        for entries in table.values():
            entries.sort(key=lambda e: len(e.path), reverse=True)
        return table

    def refresh(self) -> None:
        """Compute the table now; install it after `route_propagation_s`."""
        table = self.compute()
        self._pending_version += 1
        version = self._pending_version

        def install() -> None:
            if version > self.table_version:
                self.table, self.table_version = table, version

        self.sim.clock.call_later(self.sim.config.route_propagation_s, install)

    def describe(self) -> dict[str, Any]:
        table = self.table
        with self._outcome_lock:
            outcomes = dict(self.outcomes)
        return {
            "version": self.table_version,
            "pending": self._pending_version - self.table_version,
            "table": {
                host: [{"path": e.path, "route_guid": e.route_guid,
                        "endpoints": [f"{a}:{p}" for a, p, _, _ in e.endpoints],
                        "apps": sorted({g for _, _, g, _ in e.endpoints})} for e in entries]
                for host, entries in table.items()
            },
            "outcomes": outcomes,
        }

    def lookup(self, host: str, path: str) -> RouteEntry | None:
        entries = self.table.get(host.split(":")[0].lower())
        if not entries:
            return None
        for entry in entries:
            if not entry.path or path == entry.path or path.startswith(entry.path + "/") or (
                    path.startswith(entry.path + "?")):
                return entry
        return None

    def record(self, status: str, entry: dict[str, Any]) -> None:
        with self._outcome_lock:
            self.outcomes[status] += 1
        self.recent.append(entry)

    # ------------------------------------------------------------ server
    def start(self, host: str, port: int) -> int:
        router = self

        class Handler(_ProxyHandler):
            pass

        Handler.router = router
        self.server = _Server((host, port), Handler)
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.1},
                         name="ccsim-router", daemon=True).start()
        return int(self.server.server_address[1])

    def stop(self) -> None:
        if self.server:
            self.server.shutdown()
            self.server.server_close()


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256


class _ProxyHandler(http.server.BaseHTTPRequestHandler):
    router: Router
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: object) -> None:
        pass

    def _reply(self, status: int, body: bytes, headers: dict[str, str]) -> None:
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _reset(self) -> None:
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.close_connection = True
        self.connection.close()

    def _handle(self) -> None:
        router = self.router
        sim = router.sim
        started = time.monotonic()
        request_id = self.headers.get("X-Vcap-Request-Id") or str(uuid.uuid4())
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        host = self.headers.get("Host", "")
        path = self.path
        log = {"ts": time.time(), "host": host, "method": self.command, "path": path}
        decision = sim.faults.decide("router", self.command, path)
        latency = decision.latency_s + sim.config.router_latency_ms / 1000.0
        if latency:
            time.sleep(latency)
        if decision.reset:
            router.record("reset", {**log, "status": "reset"})
            self._reset()
            return
        if decision.status:
            router.record(str(decision.status), {**log, "status": decision.status, "fault": True})
            self._reply(decision.status, b"injected fault\n", {"X-Cf-Routererror": "injected_fault",
                                                               "X-Vcap-Request-Id": request_id})
            return
        entry = router.lookup(host, path)
        if entry is None:
            router.record("404", {**log, "status": 404})
            self._reply(404, f"Requested route ('{host}') does not exist.\n".encode(),
                        {"X-Cf-Routererror": "unknown_route", "Content-Type": "text/plain"})
            return
        if not entry.endpoints:
            router.record("503", {**log, "status": 503})
            self._reply(503, f"Requested route ('{host}') has no available endpoints.\n".encode(),
                        {"X-Cf-Routererror": "no_endpoints", "Content-Type": "text/plain"})
            return
        headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_HEADERS}
        headers["X-Vcap-Request-Id"] = request_id
        headers["X-Forwarded-For"] = self.client_address[0]
        headers["X-Forwarded-Proto"] = "http"
        attempts = max(1, sim.config.router_max_attempts)
        start = entry.pick()
        for attempt in range(attempts):
            addr, port, app_guid, index = entry.endpoints[(start + attempt) % len(entry.endpoints)]
            result = self._exchange(addr, port, path, body, headers)
            if result is None:
                continue  # like gorouter: a failed dial is retried on the next endpoint
            if isinstance(result, Exception):
                break
            resp, payload = result
            out = {k: v for k, v in resp.getheaders() if k.lower() not in HOP_HEADERS}
            out["X-Vcap-Request-Id"] = request_id
            out["X-Cf-App-Instance"] = f"{app_guid}:{index}"
            router.record(str(resp.status), {**log, "status": resp.status, "app_guid": app_guid,
                                             "index": index, "ms": round((time.monotonic() - started) * 1000, 1)})
            self._reply(resp.status, payload, out)
            return
        router.record("502", {**log, "status": 502})
        self._reply(502, b"502 Bad Gateway: Registered endpoint failed to handle the request.\n",
                    {"X-Cf-Routererror": "endpoint_failure", "Content-Type": "text/plain",
                     "X-Vcap-Request-Id": request_id})

    def _exchange(self, addr: str, port: int, path: str, body: bytes, headers: dict[str, str]) -> Any:
        """(response, payload); None when the backend refused the connection; an exception when it
        failed after accepting it. A pooled connection that turns out stale is replaced once."""
        pool = self.router.pool
        conn = pool.take(addr, port)
        reused = conn is not None
        while True:
            if conn is None:
                conn = http.client.HTTPConnection(addr, port, timeout=self.router.sim.config.backend_timeout_s)
                try:
                    conn.connect()
                    conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                except OSError:
                    conn.close()
                    return None
            try:
                conn.request(self.command, path, body=body or None, headers=headers)
                resp = conn.getresponse()
                payload = resp.read()
            except (OSError, http.client.HTTPException) as exc:
                conn.close()
                if reused:
                    conn, reused = None, False
                    continue
                return exc
            if resp.will_close:
                conn.close()
            else:
                pool.give(addr, port, conn)
            return resp, payload

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _handle


socketserver.TCPServer.allow_reuse_address = True
