"""Domains, routes and route destinations."""

from __future__ import annotations

from typing import Any

from bgdeploy.cc.session import CloudController

Resource = dict[str, Any]


def default_domain(cc: CloudController, org_guid: str) -> Resource:
    return cc.get(f"/v3/organizations/{org_guid}/domains/default")


def domain_by_name(cc: CloudController, name: str) -> Resource | None:
    return cc.first("/v3/domains", names=[name])


def find(cc: CloudController, domain_guid: str, host: str, path: str) -> Resource | None:
    # CC's `hosts=`/`paths=` filters cannot express "empty"; filter exactly here.
    for route in cc.list("/v3/routes", domain_guids=[domain_guid], hosts=[host] if host else None):
        if route.get("host", "") == host and route.get("path", "") == path:
            return route
    return None


def create(cc: CloudController, space_guid: str, domain_guid: str, host: str, path: str,
           metadata: dict[str, Any] | None = None) -> Resource:
    body: dict[str, Any] = {
        "relationships": {"domain": {"data": {"guid": domain_guid}}, "space": {"data": {"guid": space_guid}}},
    }
    if host:
        body["host"] = host
    if path:
        body["path"] = path
    if metadata:
        body["metadata"] = metadata
    return cc.post("/v3/routes", body).json()


def for_app(cc: CloudController, app_guid: str) -> list[Resource]:
    return list(cc.list(f"/v3/apps/{app_guid}/routes"))


def add_destination(cc: CloudController, route_guid: str, app_guid: str) -> None:
    body = {"destinations": [{"app": {"guid": app_guid, "process": {"type": "web"}}}]}
    cc.post(f"/v3/routes/{route_guid}/destinations", body, retry=True)


def remove_app_destinations(cc: CloudController, route: Resource, app_guid: str) -> None:
    for dest in route.get("destinations", []):
        if dest["app"]["guid"] == app_guid:
            cc.delete(f"/v3/routes/{route['guid']}/destinations/{dest['guid']}")


def get(cc: CloudController, route_guid: str) -> Resource | None:
    return cc.get_or_none(f"/v3/routes/{route_guid}")


def delete(cc: CloudController, route_guid: str, timeout_s: float = 120) -> None:
    cc.wait_for_job(cc.delete(f"/v3/routes/{route_guid}"), timeout_s, "Deleting the route")


def url(route: Resource) -> str:
    return route.get("url") or ""
