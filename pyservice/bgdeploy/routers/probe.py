"""One probe of the routing tier: ask the routers of a route for one app instance, and say what they answered.

gorouter routes a request carrying `X-Cf-App-Instance: APP_GUID:INDEX` to exactly that instance when it has
it registered for the requested host and path, and answers 400 `unknown_route` (404 for a host it does not
know) otherwise (routing-release `docs/03-how-to-use-x-cf-headers.md`). Its own answers carry
`X-Cf-Routererror`; an answer without that header came from the instance. So one request tells whether the
router that took it has learnt that instance on that route: a direct proof, per instance and per router.

Each probe opens its own connection (`Connection: close`): a load balancer that spreads connections over
several gorouters then sends successive probes to different ones.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import urllib3
from urllib3.exceptions import HTTPError as Urllib3Error

from bgdeploy.routers.addresses import AddressMap, RouterAddress

SERVED = "served"  # the instance answered: the router that took the probe routes the route to it
NOT_REGISTERED = "not-registered"  # the router does not (or no longer) route the route to that instance
FAILING = "failing"  # registered, but the router could not reach it (502 endpoint_failure)
ROUTER_ERROR = "router-error"  # another router answer (overloaded, bad header): proves nothing
UNREACHABLE = "unreachable"  # no answer: DNS, connection, TLS or timeout

# A well-formed instance no router can have: a gorouter must answer "unknown" for it.
NO_SUCH_INSTANCE = "00000000-0000-4000-8000-000000000000:0"
USER_AGENT = "bgdeploy-engine route check"
_BODY_LIMIT = 1 << 16


@dataclass(frozen=True)
class Answer:
    seen: str
    detail: str = ""  # status and router error, or why there was no answer


def classify(status: int, router_error: str) -> str:
    if not router_error:
        return SERVED
    if router_error in ("unknown_route", "no_endpoints"):
        return NOT_REGISTERED
    if router_error == "endpoint_failure":
        return FAILING
    return ROUTER_ERROR


class Prober:
    def __init__(self, addresses: AddressMap, *, verify_tls: bool = True, timeout_s: float = 2.0) -> None:
        self._addresses = addresses
        self._verify = verify_tls
        self._timeout = urllib3.Timeout(connect=timeout_s, read=timeout_s)
        self._pools: dict[tuple[RouterAddress, str], urllib3.HTTPConnectionPool] = {}
        self._lock = threading.Lock()

    def probe(self, host: str, path: str, instance: str) -> Answer:
        """GET the route (host + path) asking for `instance` ("APP_GUID:INDEX")."""
        pool = self._pool(host)
        headers = {"Host": host, "X-Cf-App-Instance": instance, "Connection": "close", "User-Agent": USER_AGENT}
        try:
            resp = pool.request("GET", path or "/", headers=headers, redirect=False, retries=False,
                                preload_content=False)
        except (Urllib3Error, OSError) as exc:
            return Answer(UNREACHABLE, _describe(exc))
        try:
            resp.read(_BODY_LIMIT)
        except (Urllib3Error, OSError):
            pass  # the status line and headers are what counts
        finally:
            resp.release_conn()
            resp.close()
        error = resp.headers.get("X-Cf-Routererror", "")
        return Answer(classify(resp.status, error), f"{resp.status} {error}".strip())

    def gorouter_problem(self, host: str, path: str) -> str:
        """"" when the host's routers answer like gorouter (they know no such instance); else what is wrong."""
        answer = self.probe(host, path, NO_SUCH_INSTANCE)
        if answer.seen == NOT_REGISTERED:
            return ""
        if answer.seen == UNREACHABLE:
            return answer.detail
        if answer.seen == SERVED:
            return f"answered {answer.detail} without knowing app instances, so it is not a gorouter"
        return f"answered {answer.detail}"

    def close(self) -> None:
        with self._lock:
            pools, self._pools = list(self._pools.values()), {}
        for pool in pools:
            pool.close()

    def _pool(self, host: str) -> urllib3.HTTPConnectionPool:
        address = self._addresses.for_host(host)
        key = (address, host)
        with self._lock:
            pool = self._pools.get(key)
            if pool is None:
                pool = self._pools[key] = self._new_pool(address, host)
            return pool

    def _new_pool(self, address: RouterAddress, host: str) -> urllib3.HTTPConnectionPool:
        if address.scheme == "http":
            return urllib3.HTTPConnectionPool(address.host, address.port, timeout=self._timeout, maxsize=8,
                                              block=False, retries=False)
        return urllib3.HTTPSConnectionPool(
            address.host, address.port, timeout=self._timeout, maxsize=8, block=False, retries=False,
            server_hostname=host, assert_hostname=host if self._verify else False,
            cert_reqs="CERT_REQUIRED" if self._verify else "CERT_NONE")


def _describe(exc: BaseException) -> str:
    text = str(exc)
    for known in ("Connection refused", "Name or service not known", "timed out", "certificate verify failed",
                  "Temporary failure in name resolution", "No route to host", "Connection reset"):
        if known.lower() in text.lower():
            return known.lower()
    return f"{type(exc).__name__}: {text}"[:160]
