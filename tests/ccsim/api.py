"""Endpoint registry and the request/response objects the resource modules work with."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from . import errors
from .query import Query, filter_labels, filter_timestamps, paginate
from .validate import Checker, parse_json

if TYPE_CHECKING:
    from .simulator import Simulator

Resource = dict[str, Any]


@dataclasses.dataclass
class Resp:
    status: int = 200
    body: Any = None
    headers: dict[str, str] = dataclasses.field(default_factory=dict)
    raw: bytes | None = None  # a non-JSON body
    content_type: str = "application/json"


@dataclasses.dataclass
class Req:
    sim: Simulator
    method: str
    path: str
    query: Query
    headers: dict[str, str]
    body: bytes
    base_url: str
    params: dict[str, str] = dataclasses.field(default_factory=dict)
    user: Resource | None = None

    def json(self) -> Any:
        return parse_json(self.body)

    def checker(self, allowed: tuple[str, ...]) -> Checker:
        return Checker(self.json(), allowed)

    def url(self, path: str) -> str:
        return f"{self.base_url}{path}"

    def link(self, path: str, method: str | None = None) -> dict[str, str]:
        link = {"href": self.url(path)}
        if method:
            link["method"] = method
        return link

    def list_response(
        self,
        items: list[Resource],
        present: Callable[[Req, Resource], Resource],
        order_fields: tuple[str, ...] = ("created_at", "updated_at"),
        included: Callable[[list[Resource]], dict[str, list[Resource]]] | None = None,
        labels: bool = True,
    ) -> Resp:
        if labels:
            items = filter_labels(items, self.query)
        items = filter_timestamps(items, self.query)
        pagination, page = paginate(self.query, items, self.base_url, self.path, order_fields)
        body: dict[str, Any] = {"pagination": pagination, "resources": [present(self, r) for r in page]}
        if included is not None:
            body["included"] = included(page)
        return Resp(200, body)


Handler = Callable[[Req], Resp | Resource]


@dataclasses.dataclass
class Endpoint:
    method: str
    pattern: re.Pattern[str]
    handler: Handler
    auth: bool


ENDPOINTS: list[Endpoint] = []


def endpoint(method: str, path: str, auth: bool = True) -> Callable[[Handler], Handler]:
    regex = re.compile("^" + re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", path) + "/?$")

    def register(fn: Handler) -> Handler:
        ENDPOINTS.append(Endpoint(method, regex, fn, auth))
        return fn

    return register


def resolve(method: str, path: str) -> tuple[Endpoint, dict[str, str]]:
    """The endpoint for (method, path); CC's 404 "Unknown request" for unknown paths."""
    path_known = False
    for ep in ENDPOINTS:
        match = ep.pattern.match(path)
        if match:
            path_known = True
            if ep.method == method:
                return ep, match.groupdict()
    if path_known:
        raise errors.unknown_request()
    raise errors.unknown_request()


def job_accepted(req: Req, job: Resource) -> Resp:
    return Resp(202, None, {"Location": req.url(f"/v3/jobs/{job['guid']}")})


def relationship(guid: str | None) -> dict[str, Any]:
    return {"data": {"guid": guid} if guid else None}


def public(resource: Resource, *keys: str) -> Resource:
    """guid, timestamps and the named fields of a stored resource."""
    out = {"guid": resource["guid"], "created_at": resource["created_at"], "updated_at": resource["updated_at"]}
    for key in keys:
        out[key] = resource[key]
    return out


def written(resp: Resp) -> dict[str, Any]:
    """For the request log: the guid and name of the resource an answer carries, so tests can tell which
    resource a write was about."""
    body = resp.body if isinstance(resp.body, dict) else {}
    return {k: body[k] for k in ("guid", "name") if isinstance(body.get(k), str)}
