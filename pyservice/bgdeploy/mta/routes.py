"""Live (productive) and idle (temporary, blue-green) routes of a module, from its resolved parameters.

Live routes: `no-route` -> none; else `routes` entries; else hosts x domains (`host(s)` default
`${default-host}`, `domain(s)` default `${default-domain}`), `no-hostname` giving domain-only routes, and
`route-path` appended.

Idle routes: `no-route` -> none; else `idle-routes` entries; else, if the module has `routes`, each live
route becomes `${idle-host}.${idle-domain}` keeping its path (duplicates collapse); else `idle-host(s)` x
`idle-domain(s)` (defaults `${default-idle-host}` x `${default-idle-domain}`) with `route-path`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from .model import Route
from .names import normalize_host

_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*://")


class RouteError(Exception):
    def __init__(self, message: str, parameter: str) -> None:
        self.parameter = parameter
        super().__init__(message)


def parse_route(text: str, *, no_hostname: bool = False, protocol: str | None = None) -> Route:
    text = _SCHEME.sub("", text.strip())
    slash = text.find("/")
    base, path = (text, "") if slash < 0 else (text[:slash], text[slash:].rstrip("/"))
    if no_hostname or "." not in base:
        return Route(host="", domain=base.lower(), path=path, protocol=protocol)
    host, domain = base.split(".", 1)
    if host != "*":
        host = normalize_host(host)
    return Route(host=host, domain=domain.lower(), path=path, protocol=protocol)


def _entries(params: dict[str, Any], key: str, item_key: str) -> list[dict[str, Any]]:
    raw = params.get(key)
    if not isinstance(raw, list):
        raise RouteError(f'"{key}" must be a list of maps with "{item_key}"', key)
    entries = []
    for i, item in enumerate(raw):
        if not isinstance(item, dict) or not isinstance(item.get(item_key), str) or not item[item_key]:
            raise RouteError(f'each entry of "{key}" needs a "{item_key}" string', f"{key}[{i}]")
        entries.append(item)
    return entries


def _strings(params: dict[str, Any], singular: str, plural: str) -> list[str] | None:
    if params.get(plural) is not None:
        values = params[plural]
        if not isinstance(values, list) or not all(isinstance(v, str) and v for v in values):
            raise RouteError(f'"{plural}" must be a list of strings', plural)
        return list(values)
    if params.get(singular) is not None:
        value = params[singular]
        if not isinstance(value, str) or not value:
            raise RouteError(f'"{singular}" must be a string', singular)
        return [value]
    return None


def _route_path(params: dict[str, Any]) -> str:
    path = params.get("route-path")
    if path is None or path == "":
        return ""
    if not isinstance(path, str):
        raise RouteError('"route-path" must be a string', "route-path")
    return path if path.startswith("/") else "/" + path


def _dedupe(routes: list[Route]) -> list[Route]:
    seen: set[tuple[str, str, str]] = set()
    result = []
    for route in routes:
        key = (route.host, route.domain, route.path)
        if key not in seen:
            seen.add(key)
            result.append(route)
    return result


def _truthy(value: Any) -> bool:
    return value is True or (isinstance(value, str) and value.lower() == "true")


def _cartesian(hosts: list[str], domains: list[str], path: str, no_hostname: bool) -> list[Route]:
    if no_hostname:
        return [Route(host="", domain=d.lower(), path=path) for d in domains]
    return [
        Route(host=h if h == "*" else normalize_host(h), domain=d.lower(), path=path) for h in hosts for d in domains
    ]


def live_routes(params: dict[str, Any], namespace_host: Callable[[str, dict[str, Any]], str]) -> list[Route]:
    """`namespace_host(host, entry)` applies the namespace to a host (entry: the `routes` item, or {})."""
    if _truthy(params.get("no-route")):
        return []
    if params.get("routes") is not None:
        routes = []
        for entry in _entries(params, "routes", "route"):
            route = parse_route(
                entry["route"], no_hostname=_truthy(entry.get("no-hostname")), protocol=entry.get("protocol")
            )
            if route.host and route.host != "*":
                route = Route(namespace_host(route.host, entry), route.domain, route.path, route.protocol)
            routes.append(route)
        return _dedupe(routes)
    hosts = _strings(params, "host", "hosts") or []
    domains = _strings(params, "domain", "domains") or []
    if not domains:  # no domain known at all: the hosts are taken as domains
        domains, hosts = hosts, []
    no_hostname = _truthy(params.get("no-hostname")) or not hosts
    hosts = [h if h == "*" else namespace_host(h, {}) for h in hosts]
    return _dedupe(_cartesian(hosts, domains, _route_path(params), no_hostname))


def idle_routes(params: dict[str, Any], live: list[Route]) -> list[Route]:
    if _truthy(params.get("no-route")):
        return []
    if params.get("idle-routes") is not None:
        return _dedupe(
            [
                parse_route(e["idle-route"], no_hostname=_truthy(e.get("no-hostname")), protocol=e.get("protocol"))
                for e in _entries(params, "idle-routes", "idle-route")
            ]
        )
    hosts = _strings(params, "idle-host", "idle-hosts") or []
    domains = _strings(params, "idle-domain", "idle-domains") or []
    if params.get("routes") is not None:
        host, domain = (hosts or [""])[0], (domains or [""])[0]
        return _dedupe([Route(normalize_host(host), domain.lower(), r.path, r.protocol) for r in live])
    return _dedupe(_cartesian(hosts, domains, _route_path(params), False))


def idle_route_entries(params: dict[str, Any], idle: list[Route]) -> list[dict[str, Any]]:
    """What `${routes/N/route}` reads in the idle phase: the live `routes` turned into temporary ones."""
    return [{"route": r.url} for r in idle]


def warnings_for(params: dict[str, Any], module: str) -> list[str]:
    found = []
    if params.get("routes") is not None:
        ignored = [k for k in ("host", "hosts", "domain", "domains") if k in params and k not in _DEFAULTED]
        if ignored:
            found.append(f'module "{module}": "routes" is set, so {", ".join(ignored)} are ignored')
    if params.get("idle-routes") is not None:
        ignored = [k for k in ("idle-host", "idle-hosts", "idle-domain", "idle-domains") if k in params]
        if ignored:
            found.append(f'module "{module}": "idle-routes" is set, so {", ".join(ignored)} are ignored')
    return found


_DEFAULTED: frozenset[str] = frozenset()
