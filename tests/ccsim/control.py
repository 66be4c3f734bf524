"""`/_sim/` control API (no auth): state dump, request logs, config, faults, hold, router sync, reset."""

from __future__ import annotations

import json
import urllib.parse
from typing import TYPE_CHECKING

from .api import Resp
from .errors import CCError, parse_error, unknown_request

if TYPE_CHECKING:
    from .hold import Hold
    from .simulator import Simulator


def handle(sim: Simulator, hold: Hold, method: str, path: str, query: str, body: bytes) -> Resp:
    try:
        return _route(sim, hold, method, path, query, body)
    except CCError as err:
        return Resp(err.status, err.body())


def _json(body: bytes) -> dict:
    try:
        value = json.loads(body or b"{}")
    except ValueError as exc:
        raise parse_error() from exc
    if not isinstance(value, dict):
        raise parse_error("expected a JSON object")
    return value


def _route(sim: Simulator, hold: Hold, method: str, path: str, query: str, body: bytes) -> Resp:
    params = dict(urllib.parse.parse_qsl(query))
    if (method, path) == ("GET", "/_sim/state"):
        return Resp(200, {**sim.dump(), "hold": hold.state()})
    if (method, path) == ("GET", "/_sim/requests"):
        since = int(params.get("since", "0") or 0)
        if params.get("source") == "router":
            return Resp(200, {"requests": sim.router.requests(since)})
        return Resp(200, {"requests": sim.request_log(since)})
    if (method, path) == ("POST", "/_sim/config"):
        with sim.lock:
            sim.config.update(_json(body))
            sim.router.configure()
            return Resp(200, sim.config.as_dict())
    if (method, path) == ("GET", "/_sim/config"):
        return Resp(200, sim.config.as_dict())
    if (method, path) == ("POST", "/_sim/faults"):
        sim.faults.configure(_json(body))
        return Resp(200, sim.faults.as_dict())
    if (method, path) == ("GET", "/_sim/faults"):
        return Resp(200, sim.faults.as_dict())
    if (method, path) == ("POST", "/_sim/hold"):
        return Resp(200, hold.arm(_json(body)))
    if (method, path) == ("GET", "/_sim/hold"):
        return Resp(200, hold.state())
    if (method, path) == ("POST", "/_sim/hold/release"):
        return Resp(200, hold.release())
    if (method, path) == ("GET", "/_sim/openapi"):
        return Resp(200, {"enabled": sim.openapi is not None, "checked": sim.openapi_checked,
                          "violations": list(sim.openapi_violations)})
    if (method, path) == ("POST", "/_sim/reset"):
        hold.reset()  # releases waiting requests and held answers; the count starts again
        with sim.lock:
            sim.reset()
            sim.router.reset()
        return Resp(200, {"reset": True})
    if (method, path) == ("POST", "/_sim/router/sync"):
        with sim.lock:
            sim.router.sync()
        return Resp(200, sim.router.describe())
    raise unknown_request()
