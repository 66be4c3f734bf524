"""Where the engine connects to reach the routers of a route's host.

By default that is the host itself on https, through whatever address DNS gives for it, as a user's
browser would. Where DNS does not lead there (a test's simulator on a loopback port, split-horizon DNS, a
load balancer reached by another name), the serve flag `--route-address DOMAIN=[SCHEME://]HOST:PORT`
(repeatable; env `BGDEPLOY_ROUTE_ADDRESSES`, comma-separated) sends requests for DOMAIN and every host
under it to HOST:PORT instead, like curl's `--connect-to`. The request keeps the route's own Host header
(and TLS server name), so the routers see the same request a user's would.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

DEFAULT_SCHEME = "https"
DEFAULT_PORTS = {"http": 80, "https": 443}


@dataclass(frozen=True)
class RouterAddress:
    scheme: str  # http | https
    host: str  # where to connect (a name DNS resolves, or an address)
    port: int


@dataclass(frozen=True)
class AddressMap:
    """Domain suffix -> address, the longest matching suffix first."""

    entries: tuple[tuple[str, RouterAddress], ...] = ()

    @classmethod
    def parse(cls, specs: Iterable[str]) -> AddressMap:
        """`DOMAIN=[SCHEME://]HOST:PORT` each; raises ValueError naming the bad one."""
        entries = []
        for spec in specs:
            spec = spec.strip()
            if not spec:
                continue
            domain, sep, target = spec.partition("=")
            domain = domain.strip().lower().strip(".")
            if not sep or not domain:
                raise ValueError(f"route address {spec!r}: want DOMAIN=[SCHEME://]HOST:PORT")
            parts = urlsplit(target if "://" in target else f"{DEFAULT_SCHEME}://{target}")
            if parts.scheme not in DEFAULT_PORTS or not parts.hostname or parts.path not in ("", "/"):
                raise ValueError(f"route address {spec!r}: want DOMAIN=[SCHEME://]HOST:PORT")
            try:
                port = parts.port or DEFAULT_PORTS[parts.scheme]
            except ValueError:
                raise ValueError(f"route address {spec!r}: bad port") from None
            entries.append((domain, RouterAddress(parts.scheme, parts.hostname, port)))
        entries.sort(key=lambda e: len(e[0]), reverse=True)
        return cls(tuple(entries))

    def for_host(self, host: str) -> RouterAddress:
        host = host.lower().rstrip(".")
        for domain, address in self.entries:
            if host == domain or host.endswith("." + domain):
                return address
        return RouterAddress(DEFAULT_SCHEME, host, DEFAULT_PORTS[DEFAULT_SCHEME])
