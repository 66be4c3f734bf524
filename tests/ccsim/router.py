"""The router: HTTP on its own port, like several gorouters behind one load balancer, forwarding by
`Host` header (and longest route path) to the RUNNING instances of the route's destinations.

`router_instances` gorouters (`routing_table.RouterInstance`) each learn every route/instance change
after their own delay (`router_propagation_s[i]`, else `route_propagation_s`), in order. Each request
is served by one instance drawn at random (seeded: `Faults.choose_router`), which round-robins over
the endpoints it knows. Stopped instances stay in a table until the change that removed them is
learnt; requests to them fail (502), as on a real platform that learns late.

Answers as gorouter's (plain text "<status> <reason>: <message>", `X-Cf-Routererror`):
404 `unknown_route`; 503 `no_endpoints`; 502 `endpoint_failure`. `X-Cf-App-Instance: APP_GUID:INDEX`
routes to exactly that instance if the serving router instance knows it for the host and path, never
to another one: else 400 `unknown_route`; a malformed value 400 `invalid_cf_app_instance_header`.
Like gorouter, the header is not forwarded; the app gets `X-Cf-Applicationid`/`X-Cf-Instanceindex`.
Every request is logged (`/_sim/requests?source=router`): router instance, table version, status,
the app instance that answered, start/end timestamps, and `failed_dials` (instances it tried first and
could not connect to, e.g. stopped ones it had not unlearnt yet; the retry hides them from the client).
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

from .routing_table import (
    Endpoint,
    RouteEntry,
    RouterInstance,
    Table,
    compute_table,
    describe_table,
    lookup,
    parse_app_instance,
)

if TYPE_CHECKING:
    from .simulator import Simulator

HOP_HEADERS = {"connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailers",
               "transfer-encoding", "upgrade", "content-length", "server", "date"}
NOT_FORWARDED = HOP_HEADERS | {"x-cf-app-instance"}
BAD_GATEWAY = "Registered endpoint failed to handle the request."


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
        self.latest: Table = {}
        self.version = 0  # number of changes so far; each instance has applied a prefix of them
        self.instances = [RouterInstance(0, self.latest, 0)]
        self._outcome_lock = threading.Lock()  # outcomes, log, choice (Simulator.reset uses it)
        self.outcomes: collections.Counter[str] = collections.Counter()
        self.log: collections.deque[dict[str, Any]] = collections.deque(maxlen=sim.config.request_log_limit)
        self._seq = itertools.count(1)
        self.server: http.server.ThreadingHTTPServer | None = None
        self.pool = BackendPool()
        self.configure()

    # ------------------------------------------------------------ tables (simulator lock held)
    def configure(self) -> None:
        """Add or drop router instances to match `router_instances`; a new one starts with the newest table."""
        count = self.sim.config.router_instances
        self.instances = self.instances[:count] + [
            RouterInstance(i, self.latest, self.version) for i in range(len(self.instances), count)]

    def refresh(self) -> None:
        """A route or instance changed: every router instance learns the new table after its delay."""
        self.latest = compute_table(self.sim)
        self.version += 1
        for inst in self.instances:
            inst.learn(self.sim.clock, self.sim.config.propagation_s(inst.index), self.latest, self.version)

    def sync(self) -> None:
        """Every instance learns the current state now (tests that do not care about propagation)."""
        self.latest = compute_table(self.sim)
        self.version += 1
        for inst in self.instances:
            inst.sync(self.latest, self.version)

    def reset(self) -> None:
        with self._outcome_lock:
            self.outcomes.clear()
            self.log.clear()
        self.configure()
        self.sync()

    def describe(self) -> dict[str, Any]:
        with self._outcome_lock:
            outcomes = dict(self.outcomes)
        return {
            "version": self.version,
            "instances": [{"index": i.index, "version": i.version, "pending": self.version - i.version,
                           "propagation_s": self.sim.config.propagation_s(i.index), "served": i.served,
                           "table": describe_table(i.table)} for i in self.instances],
            "outcomes": outcomes,
        }

    # ------------------------------------------------------------ requests
    def choose(self) -> RouterInstance:
        """The instance that serves the next request (the load balancer's seeded random choice)."""
        with self._outcome_lock:
            instances = self.instances
            inst = instances[self.sim.faults.choose_router(len(instances))]
            inst.served += 1
            return inst

    def record(self, entry: dict[str, Any]) -> None:
        entry["end_ts"] = time.time()
        with self._outcome_lock:
            entry["seq"] = next(self._seq)
            self.outcomes[str(entry["status"])] += 1
            self.log.append(entry)

    def requests(self, since: int = 0) -> list[dict[str, Any]]:
        with self._outcome_lock:
            return [e for e in self.log if e["seq"] > since]

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
        if self.headers.get("Connection", "").lower() == "close":
            # as gorouter (Go's net/http) says so, a client knows not to send again on this connection
            self.send_header("Connection", "close")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _fail(self, log: dict[str, Any], status: int, error: str, message: str, cache: str | None = None,
              **extra: str) -> None:
        """A gorouter error answer: plain text, `X-Cf-Routererror`."""
        self.router.record({**log, "status": status, "error": error})
        headers = {"X-Cf-Routererror": error, "Content-Type": "text/plain; charset=utf-8",
                   "X-Content-Type-Options": "nosniff", **extra}
        if cache:
            headers["Cache-Control"] = cache
        reason = http.HTTPStatus(status).phrase
        self._reply(status, f"{status} {reason}: {message}\n".encode(), headers)

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
        inst = router.choose()
        wanted = self.headers.get("X-Cf-App-Instance") or ""
        log: dict[str, Any] = {"ts": time.time(), "router": inst.index, "table_version": inst.version,
                               "host": host, "method": self.command, "path": path}
        if wanted:
            log["app_instance"] = wanted
        decision = sim.faults.decide("router", self.command, path)
        latency = decision.latency_s + sim.config.router_latency_ms / 1000.0
        if latency:
            time.sleep(latency)
        if decision.reset:
            router.record({**log, "status": "reset", "fault": True})
            self._reset()
            return
        if decision.status:
            log["fault"] = True
            self._fail(log, decision.status, "injected_fault", "injected fault", **{"X-Vcap-Request-Id": request_id})
            return
        target = self._target(inst, log, host, path, wanted)
        if target is None:
            return
        entry, endpoints = target
        headers = {k: v for k, v in self.headers.items() if k.lower() not in NOT_FORWARDED}
        headers["X-Vcap-Request-Id"] = request_id
        headers["X-Forwarded-For"] = self.client_address[0]
        headers["X-Forwarded-Proto"] = "http"
        start = inst.next_index(entry) if len(endpoints) > 1 else 0
        for attempt in range(max(1, sim.config.router_max_attempts)):
            endpoint = endpoints[(start + attempt) % len(endpoints)]
            headers["X-Cf-Applicationid"] = endpoint.app_guid
            headers["X-Cf-Instanceindex"] = str(endpoint.index)
            result = self._exchange(endpoint.addr, endpoint.port, path, body, headers)
            if result is None:
                # like gorouter: a failed dial is retried (on the next endpoint, if there is one); the log
                # keeps it, as gorouter logs backend-endpoint-failed: traffic sent to a stopped instance
                log.setdefault("failed_dials", []).append(f"{endpoint.app_guid}:{endpoint.index}")
                continue
            if isinstance(result, Exception):
                break
            if decision.lost:  # the app did the work; the answer is lost on the way back
                log.update(fault=True, lost_status=result[0].status)
                break
            resp, payload = result
            out = {k: v for k, v in resp.getheaders() if k.lower() not in HOP_HEADERS}
            out["X-Vcap-Request-Id"] = request_id
            router.record({**log, "status": resp.status, "app_guid": endpoint.app_guid, "index": endpoint.index,
                           "ms": round((time.monotonic() - started) * 1000, 1)})
            self._reply(resp.status, payload, out)
            return
        log.update(app_guid=endpoint.app_guid, index=endpoint.index)
        self._fail(log, 502, "endpoint_failure", BAD_GATEWAY, **{"X-Vcap-Request-Id": request_id})

    def _target(self, inst: RouterInstance, log: dict[str, Any], host: str, path: str,
                wanted: str) -> tuple[RouteEntry, tuple[Endpoint, ...]] | None:
        """The route entry and the endpoints to try, from what `inst` has learnt; None once refused."""
        entry = lookup(inst.table, host, path)
        if wanted:
            parsed = parse_app_instance(wanted)
            if parsed is None:
                self._fail(log, 400, "invalid_cf_app_instance_header", "Invalid X-CF-App-Instance Header",
                           "no-cache, no-store")
                return None
            guid, index = parsed
            chosen = tuple(e for e in entry.endpoints if e.app_guid == guid and str(e.index) == index) if entry else ()
            if entry is None or not chosen:
                self._fail(log, 400, "unknown_route", f"Requested instance ('{index}') with guid ('{guid}') does "
                           f"not exist for route ('{host}')", "no-cache, no-store")
                return None
            return entry, chosen
        if entry is None:
            self._fail(log, 404, "unknown_route", f"Requested route ('{host}') does not exist.", "no-cache, no-store")
            return None
        if not entry.endpoints:
            self._fail(log, 503, "no_endpoints", f"Requested route ('{host}') has no available endpoints.",
                       "public,max-age=2")
            return None
        return entry, entry.endpoints

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
