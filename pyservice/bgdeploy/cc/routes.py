"""Domains, routes and route destinations."""

from __future__ import annotations

from typing import Any

from bgdeploy.cc import jobs
from bgdeploy.cc.models import Route
from bgdeploy.cc.session import CloudController


def default_domain(cc: CloudController, org_guid: str) -> str:
    return str(cc.get(f"/v3/organizations/{org_guid}/domains/default")["name"])


def domain_guid(cc: CloudController, name: str) -> str | None:
    found = cc.first("/v3/domains", names=[name])
    return found["guid"] if found else None


def find(cc: CloudController, domain_guid: str, host: str, path: str) -> Route | None:
    # CC's `hosts=`/`paths=` filters cannot express "empty"; filter exactly here.
    for route in cc.list("/v3/routes", domain_guids=[domain_guid], hosts=[host] if host else None):
        if route.get("host", "") == host and route.get("path", "") == path:
            return Route.of(route)
    return None


def create(cc: CloudController, space_guid: str, domain_guid: str, host: str, path: str) -> Route:
    body: dict[str, Any] = {
        "relationships": {"domain": {"data": {"guid": domain_guid}}, "space": {"data": {"guid": space_guid}}},
    }
    if host:
        body["host"] = host
    if path:
        body["path"] = path
    return Route.of(cc.post("/v3/routes", body).json())


def with_hosts(cc: CloudController, domain_guids: list[str], hosts: list[str]) -> list[Route]:
    """Routes of these domains with any of these hosts, in one request (callers match path exactly)."""
    if not domain_guids or not hosts:
        return []
    return [Route.of(r) for r in cc.list("/v3/routes", domain_guids=sorted(set(domain_guids)),
                                         hosts=sorted(set(hosts)))]


def for_apps(cc: CloudController, app_guids: list[str]) -> list[Route]:
    """Routes with a destination of any of these apps, in one request."""
    if not app_guids:
        return []
    return [Route.of(r) for r in cc.list("/v3/routes", app_guids=sorted(set(app_guids)))]


def for_app(cc: CloudController, app_guid: str) -> list[Route]:
    return [Route.of(r) for r in cc.list(f"/v3/apps/{app_guid}/routes")]


def get(cc: CloudController, route_guid: str) -> Route | None:
    found = cc.get_or_none(f"/v3/routes/{route_guid}")
    return Route.of(found) if found else None


def add_destination(cc: CloudController, route_guid: str, app_guid: str) -> None:
    """Adding a destination the route has already is a no-op in CC, so this may be repeated."""
    body = {"destinations": [{"app": {"guid": app_guid, "process": {"type": "web"}}}]}
    cc.post(f"/v3/routes/{route_guid}/destinations", body, repeatable=True)


def remove_destination(cc: CloudController, route_guid: str, destination_guid: str) -> None:
    cc.delete(f"/v3/routes/{route_guid}/destinations/{destination_guid}")


def delete(cc: CloudController, route_guid: str) -> str | None:
    """Start deleting the route; the job to poll, or None when it is gone already."""
    return jobs.location(cc.delete(f"/v3/routes/{route_guid}"))
