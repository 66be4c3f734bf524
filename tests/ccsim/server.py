"""The API server: CC v3, UAA and the `/_sim/` control API on one port (thread per connection)."""

from __future__ import annotations

import http.server
import json
import logging
import socket
import struct
import time
import traceback
import urllib.parse
import uuid
from typing import Any

from . import control, errors
from .api import Req, Resp, resolve
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

    def _send(self, resp: Resp, request_id: str) -> None:
        raw = resp.raw if resp.raw is not None else (_encode(resp.body) if resp.body is not None else b"")
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

    def _reset(self) -> None:
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.close_connection = True
        self.connection.close()

    def _handle(self) -> None:
        sim = self.server.sim
        started = time.monotonic()
        request_id = self.headers.get("X-Vcap-Request-Id") or str(uuid.uuid4())
        parsed = urllib.parse.urlsplit(self.path)
        path = parsed.path.rstrip("/") or "/"
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        if path.startswith("/_sim/"):
            self._send(control.handle(sim, self.command, path, parsed.query, body), request_id)
            return
        entry: dict[str, Any] = {"ts": time.time(), "method": self.command, "path": path, "query": parsed.query,
                                 "request_id": request_id}
        decision = sim.faults.decide("api", self.command, path)
        latency = decision.latency_s + sim.config.latency_ms / 1000.0
        if latency:
            time.sleep(latency)
        if decision.reset:
            sim.log_request({**entry, "status": "reset", "fault": True})
            self._reset()
            return
        user_name = None
        if decision.status:
            err = errors.gateway_error() if decision.status == 502 else errors.service_unavailable(
                "Service Unavailable")
            resp = Resp(decision.status, err.body())
            entry["fault"] = True
        else:
            host = self.headers.get("Host") or urllib.parse.urlsplit(sim.api_url).netloc
            req = Req(sim=sim, method=self.command, path=path, query=Query(parsed.query),
                      headers={k.lower(): v for k, v in self.headers.items()}, body=body,
                      base_url=f"http://{host}")
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
                resp = result if isinstance(result, Resp) else Resp(200, result)
            except errors.CCError as err:
                resp = Resp(err.status, err.body())
            except Exception:
                log.error("handler failed: %s %s\n%s", self.command, self.path, traceback.format_exc())
                resp = Resp(500, errors.server_error().body())
        self._send(resp, request_id)
        if sim.openapi is not None and resp.body is not None and resp.raw is None:
            sim.record_openapi(sim.openapi.check(self.command, path, resp.status, resp.body))
        sim.log_request({**entry, "status": resp.status, "user": user_name,
                         "ms": round((time.monotonic() - started) * 1000, 2),
                         "error": resp.body["errors"][0]["title"] if resp.status >= 400 and isinstance(
                             resp.body, dict) and resp.body.get("errors") else None})

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _handle
