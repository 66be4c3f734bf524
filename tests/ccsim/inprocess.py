"""The simulator called in-process, for unit tests of the engine: no sockets, no router port.

    sim = InProcessSim(tmp_path, staging_s=0.0, start_s=0.0)
    cc = CloudController(sim.api_url, StaticToken(sim.bearer()), adapter=sim.adapter())
    sim.mutations()   # the mutating requests the engine sent, in order

Requests go through the same endpoint handlers, strict validation, auth and API faults (latency, 502/503,
resets) as over HTTP; the app runner still runs instances as processes (with `start_s` of 0 they run in
tens of milliseconds). `settle()` waits until the simulator's timed transitions (staging, jobs) are done.
"""

from __future__ import annotations

import io
import json
import threading
import time
import traceback
import urllib.parse
from pathlib import Path
from typing import Any

import requests
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict

from . import errors
from .api import Req, Resp, resolve, written
from .config import SimConfig
from .query import Query
from .resources import load_all
from .simulator import Simulator

API_URL = "http://api.sim.test"
MUTATING = ("POST", "PUT", "PATCH", "DELETE")


class InProcessSim:
    def __init__(self, work_dir: str | Path, *, seed: int = 0, **config: Any) -> None:
        load_all()
        values = {"staging_s": 0.0, "upload_s": 0.0, "start_s": 0.0, "route_propagation_s": 0.0, "job_s": 0.0,
                  "broker_s": 0.0, "stop_grace_s": 0.2, **config}
        self.sim = Simulator(Path(work_dir), SimConfig(**values), seed=seed)
        self.sim.faults.configure({"seed": seed})
        self.sim.api_url = self.api_url = API_URL
        self._lock = threading.Lock()

    def adapter(self) -> BaseAdapter:
        return _Adapter(self.sim)

    def bearer(self, username: str = "admin") -> str:
        user = next(u for u in self.sim.store.all("users") if u["username"] == username)
        issued = self.sim.uaa.issue(user, self.sim.config.token_lifetime_s, self.sim.config.refresh_token_lifetime_s)
        return f"bearer {issued['access_token']}"

    def state(self) -> dict[str, Any]:
        return self.sim.dump()

    def requests(self) -> list[dict[str, Any]]:
        return self.sim.request_log()

    def mutations(self) -> list[str]:
        """`METHOD /path` of every mutating request so far."""
        return [f"{r['method']} {r['path']}" for r in self.requests() if r["method"] in MUTATING]

    def faults(self, **spec: Any) -> None:
        self.sim.faults.configure(spec)

    def settle(self, timeout_s: float = 5.0) -> None:
        """Wait until the simulator's timed callbacks (staging, jobs, uploads) have all run."""
        deadline = time.monotonic() + timeout_s
        clock = self.sim.clock
        while time.monotonic() < deadline:
            with clock._cond:
                if not clock._heap:
                    return
            time.sleep(0.005)

    def close(self) -> None:
        self.sim.shutdown()


class _Adapter(BaseAdapter):
    def __init__(self, sim: Simulator) -> None:
        super().__init__()
        self.sim = sim

    def send(self, request: requests.PreparedRequest, stream: bool = False, timeout: Any = None,
             verify: Any = True, cert: Any = None, proxies: Any = None) -> requests.Response:
        parsed = urllib.parse.urlsplit(request.url or "")
        path = parsed.path.rstrip("/") or "/"
        method = request.method or "GET"
        body = _read(request.body)
        sim = self.sim
        entry: dict[str, Any] = {"ts": time.time(), "method": method, "path": path, "query": parsed.query}
        decision = sim.faults.decide("api", method, path)
        if decision.latency_s:
            time.sleep(decision.latency_s)
        if decision.reset:
            sim.log_request({**entry, "status": "reset", "fault": True})
            raise requests.ConnectionError("Connection reset by peer")
        if decision.status:
            err = errors.gateway_error() if decision.status == 502 else errors.service_unavailable("Unavailable")
            resp = Resp(decision.status, err.body())
        else:
            headers = {k.lower(): v for k, v in request.headers.items()}
            req = Req(sim=sim, method=method, path=path, query=Query(parsed.query), headers=headers, body=body,
                      base_url=API_URL)
            try:
                ep, params = resolve(method, path)
                req.params = params
                with sim.lock:
                    if ep.auth:
                        claims = sim.uaa.verify(headers.get("authorization"))
                        req.user = sim.store.find("users", claims.get("user_id"))
                        if req.user is None:
                            raise errors.invalid_auth_token()
                    result = ep.handler(req)
                resp = result if isinstance(result, Resp) else Resp(200, result)
            except errors.CCError as err:
                resp = Resp(err.status, err.body())
            except Exception:  # a simulator bug: fail the test loudly
                raise AssertionError(f"ccsim handler failed: {method} {path}\n{traceback.format_exc()}") from None
        if decision.lost and resp.status < 500:  # processed; the answer is lost, the gateway answers instead
            entry.update(fault=True, lost_status=resp.status)
            resp = Resp(502, errors.gateway_error().body())
        sim.log_request({**entry, **written(resp), "status": resp.status})
        return _response(request, resp)

    def close(self) -> None:
        pass


def _read(body: Any) -> bytes:
    if body is None:
        return b""
    if isinstance(body, bytes):
        return body
    if isinstance(body, str):
        return body.encode()
    return body.read() if hasattr(body, "read") else b"".join(body)


def _response(request: requests.PreparedRequest, resp: Resp) -> requests.Response:
    raw = resp.raw if resp.raw is not None else (json.dumps(resp.body).encode() if resp.body is not None else b"")
    out = requests.Response()
    out.status_code = resp.status
    out.headers = CaseInsensitiveDict({"Content-Type": resp.content_type, **resp.headers})
    out.raw = io.BytesIO(raw)
    out._content = raw
    out.url = request.url or ""
    out.request = request
    out.reason = "OK" if resp.status < 400 else "Error"
    out.encoding = "utf-8"
    return out
