"""The API server: CC v3, UAA and the `/_sim/` control API on one port (thread per connection).

Per request: faults (latency, reset, 502/503, lost answer) → hold (`hold.py`) → handler under the
simulator lock → answer → request log.
"""

from __future__ import annotations

import http.server
import json
import logging
import select
import socket
import struct
import time
import traceback
import urllib.parse
import uuid
from typing import Any

from . import control, errors
from .api import Req, Resp, resolve, written
from .hold import Hold
from .query import Query
from .resources import load_all
from .simulator import Simulator

log = logging.getLogger("ccsim.server")


class ApiServer(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], sim: Simulator) -> None:
        load_all()
        self.sim = sim
        self.hold = Hold()
        super().__init__(address, ApiHandler)


def _encode(body: Any) -> bytes:
    return json.dumps(body, separators=(",", ":")).encode()


class ApiHandler(http.server.BaseHTTPRequestHandler):
    server: ApiServer
    protocol_version = "HTTP/1.1"
    server_version = "ccsim"
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: object) -> None:
        pass

    def _send(self, resp: Resp, request_id: str) -> bool:
        """Write the answer; False when the client has gone away."""
        raw = resp.raw if resp.raw is not None else (_encode(resp.body) if resp.body is not None else b"")
        try:
            self.send_response(resp.status)
            if raw or resp.status not in (204, 202):
                self.send_header("Content-Type", resp.content_type)
            for key, value in resp.headers.items():
                self.send_header(key, value)
            self.send_header("X-Vcap-Request-Id", request_id)
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(raw)
            return True
        except OSError:
            self.close_connection = True
            return False

    def _reset(self) -> None:
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.close_connection = True
        self.connection.close()

    def _client_gone(self) -> bool:
        """Whether the client closed its end (readable with nothing to read)."""
        try:
            readable, _, _ = select.select([self.connection], [], [], 0)
            return bool(readable) and self.connection.recv(1, socket.MSG_PEEK) == b""
        except OSError:
            return True

    def _handle(self) -> None:
        sim = self.server.sim
        hold = self.server.hold
        started = time.monotonic()
        request_id = self.headers.get("X-Vcap-Request-Id") or str(uuid.uuid4())
        parsed = urllib.parse.urlsplit(self.path)
        path = parsed.path.rstrip("/") or "/"
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        if path.startswith("/_sim/"):
            self._send(control.handle(sim, hold, self.command, path, parsed.query, body), request_id)
            return
        entry: dict[str, Any] = {"ts": time.time(), "method": self.command, "path": path, "query": parsed.query,
                                 "request_id": request_id}
        decision = sim.faults.decide("api", self.command, path)
        latency = decision.latency_s + sim.config.latency_ms / 1000.0
        if latency:
            time.sleep(latency)
        ticket = hold.admit(self.command, path, not (decision.reset or decision.status), self._client_gone)
        if ticket is None:
            sim.log_request({**entry, "status": "dropped", "held": True})
            self.close_connection = True
            return
        if decision.reset:
            sim.log_request({**entry, "status": "reset", "fault": True})
            self._reset()
            return
        user_name = None
        if decision.status:
            resp = self._injected(decision.status)
            entry["fault"] = True
        else:
            resp, user_name = self._process(sim, parsed.query, path, body)
        answer = resp
        if decision.lost:  # processed; the answer is lost and the gateway answers instead
            entry.update(fault=True, lost_status=resp.status)
            answer = self._injected(502)
        hold.before_answer(ticket, self.command, path, resp.status)
        if not self._send(answer, request_id):
            entry["client_gone"] = True
        hold.after_answer(ticket)
        if sim.openapi is not None and resp.body is not None and resp.raw is None:
            sim.record_openapi(sim.openapi.check(self.command, path, resp.status, resp.body))
        sim.log_request({**entry, **written(resp), "status": answer.status, "user": user_name,
                         "ms": round((time.monotonic() - started) * 1000, 2),
                         "error": resp.body["errors"][0]["title"] if resp.status >= 400 and isinstance(
                             resp.body, dict) and resp.body.get("errors") else None})

    @staticmethod
    def _injected(status: int) -> Resp:
        err = errors.gateway_error() if status == 502 else errors.service_unavailable("Service Unavailable")
        return Resp(status, err.body())

    def _process(self, sim: Simulator, query: str, path: str, body: bytes) -> tuple[Resp, str | None]:
        """The endpoint's answer and the user's name (None without authentication)."""
        host = self.headers.get("Host") or urllib.parse.urlsplit(sim.api_url).netloc
        req = Req(sim=sim, method=self.command, path=path, query=Query(query),
                  headers={k.lower(): v for k, v in self.headers.items()}, body=body, base_url=f"http://{host}")
        user_name = None
        try:
            ep, params = resolve(self.command, path)
            req.params = params
            with sim.lock:
                if ep.auth:
                    claims = sim.uaa.verify(req.headers.get("authorization"))
                    req.user = sim.store.find("users", claims.get("user_id"))
                    if req.user is None:
                        raise errors.invalid_auth_token()
                    user_name = req.user["username"]
                result = ep.handler(req)
            return (result if isinstance(result, Resp) else Resp(200, result)), user_name
        except errors.CCError as err:
            return Resp(err.status, err.body()), user_name
        except Exception:
            log.error("handler failed: %s %s\n%s", self.command, self.path, traceback.format_exc())
            return Resp(500, errors.server_error().body()), user_name

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _handle
