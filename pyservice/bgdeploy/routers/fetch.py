"""One GET of a route as a user's client sends it, through the routers of its host (addresses.py decides
where to connect; the Host header and TLS server name stay the route's own). For the smoke checks of the
descriptor: what answered, and the start of the body."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

import urllib3
from urllib3.exceptions import HTTPError as Urllib3Error

from bgdeploy.routers.addresses import DEFAULT_PORTS, DEFAULT_SCHEME, AddressMap, RouterAddress

USER_AGENT = "bgdeploy-engine smoke check"
BODY_LIMIT = 1 << 16  # an expected text is looked for in this much of the answer


@dataclass(frozen=True)
class Fetched:
    status: int  # 0: no answer
    body: str = ""
    error: str = ""  # why there was no answer

    def describe(self) -> str:
        return f"answered {self.status}" if self.status else f"got no answer ({self.error})"


def fetch(addresses: AddressMap, url: str, *, timeout_s: float, verify_tls: bool = True) -> Fetched:
    """GET `url` (scheme://host/path) through the routers of its host, without redirects or retries."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    address = addresses.for_host(host)
    if address == RouterAddress(DEFAULT_SCHEME, host, DEFAULT_PORTS[DEFAULT_SCHEME]):  # no override: as the URL says
        scheme = parts.scheme if parts.scheme in DEFAULT_PORTS else DEFAULT_SCHEME
        address = RouterAddress(scheme, host, parts.port or DEFAULT_PORTS[scheme])
    timeout = urllib3.Timeout(connect=timeout_s, read=timeout_s)
    if address.scheme == "http":
        pool: urllib3.HTTPConnectionPool = urllib3.HTTPConnectionPool(address.host, address.port, timeout=timeout,
                                                                       retries=False)
    else:
        pool = urllib3.HTTPSConnectionPool(address.host, address.port, timeout=timeout, retries=False,
                                           server_hostname=host, assert_hostname=host if verify_tls else False,
                                           cert_reqs="CERT_REQUIRED" if verify_tls else "CERT_NONE")
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    headers = {"Host": parts.netloc, "User-Agent": USER_AGENT, "Connection": "close"}
    try:
        resp = pool.request("GET", target, headers=headers, redirect=False, retries=False, preload_content=False)
        try:
            body = resp.read(BODY_LIMIT).decode("utf-8", errors="replace")
        finally:
            resp.release_conn()
            resp.close()
        return Fetched(resp.status, body)
    except (Urllib3Error, OSError) as exc:
        return Fetched(0, error=_describe(exc))
    finally:
        pool.close()


def _describe(exc: BaseException) -> str:
    text = str(exc).lower()
    for known in ("connection refused", "name or service not known", "timed out", "certificate verify failed",
                  "temporary failure in name resolution", "no route to host", "connection reset"):
        if known in text:
            return known
    return type(exc).__name__
