"""Query parameters of list endpoints: validation, filters, `label_selector`, ordering, pagination."""

from __future__ import annotations

import math
import re
import urllib.parse
from collections.abc import Callable, Iterable
from typing import Any

from .errors import CCError, bad_query, unprocessable

PAGING_KEYS = ("page", "per_page", "order_by")
Resource = dict[str, Any]


class Query:
    """Parsed query string. Values keep CC's comma-list convention (`names=a,b`)."""

    def __init__(self, raw: str, invalid_status: int = 400) -> None:
        self.raw = raw
        self.invalid_status = invalid_status
        self.values: dict[str, str] = {}
        for key, value in urllib.parse.parse_qsl(raw, keep_blank_values=True):
            self.values[key] = value

    def invalid(self, detail: str) -> CCError:
        """CC's 400 CF-BadQueryParameter; 422 for the endpoints that answer bad parameters with one
        (roles, space quotas: `unprocessable!(message.errors.full_messages)`)."""
        return unprocessable(detail) if self.invalid_status == 422 else bad_query(detail)

    def allow(self, *keys: str, paging: bool = True, invalid_status: int | None = None) -> None:
        """Refuse parameters the endpoint does not know, as CC does (400 CF-BadQueryParameter)."""
        if invalid_status is not None:
            self.invalid_status = invalid_status
        allowed = [*keys, *(PAGING_KEYS if paging else ())]
        extra = [k for k in self.values if k not in allowed]
        if extra:
            raise self.invalid(
                "Unknown query parameter(s): '"
                + "', '".join(extra)
                + "'. Valid parameters are: '"
                + "', '".join(allowed)
                + "'"
            )

    def has(self, key: str) -> bool:
        return key in self.values

    def get(self, key: str) -> str | None:
        return self.values.get(key)

    def list(self, key: str) -> list[str] | None:
        """A comma list; commas inside a value arrive percent-encoded and are decoded after splitting."""
        raw = self.values.get(key)
        if raw is None:
            return None
        return [urllib.parse.unquote(part) for part in raw.split(",")]

    def includes(self, *allowed: str) -> list[str]:
        wanted = self.list("include") or []
        bad = [w for w in wanted if w not in allowed]
        if bad:
            raise self.invalid(f"Invalid included resource: '{bad[0]}'. Valid included resources are: '"
                            + "', '".join(allowed) + "'")
        return wanted

    def boolean(self, key: str) -> bool | None:
        raw = self.values.get(key)
        if raw is None:
            return None
        if raw not in ("true", "false"):
            raise bad_query(f"{key.capitalize().replace('_', ' ')} must be a boolean")
        return raw == "true"


def filter_by(items: Iterable[Resource], query: Query, key: str, getter: Callable[[Resource], Any]) -> list[Resource]:
    wanted = query.list(key)
    items = list(items)
    if wanted is None:
        return items
    wanted_set = set(wanted)
    return [i for i in items if str(getter(i)) in wanted_set]


# ---------------------------------------------------------------- label selector
_KEY = r"[A-Za-z0-9]([A-Za-z0-9._/-]*[A-Za-z0-9])?"
_VALUE = r"[A-Za-z0-9._-]*"
_REQ_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("in", re.compile(rf"^({_KEY})\s+in\s+\(([^)]*)\)$")),
    ("notin", re.compile(rf"^({_KEY})\s+notin\s+\(([^)]*)\)$")),
    ("neq", re.compile(rf"^({_KEY})\s*!=\s*({_VALUE})$")),
    ("eq", re.compile(rf"^({_KEY})\s*==?\s*({_VALUE})$")),
    ("notexists", re.compile(rf"^!({_KEY})$")),
    ("exists", re.compile(rf"^({_KEY})$")),
]


def _split_requirements(selector: str) -> list[str]:
    parts, depth, current = [], 0, ""
    for ch in selector:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if ch == "," and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += ch
    parts.append(current)
    return [p.strip() for p in parts]


def parse_label_selector(selector: str) -> list[tuple[str, str, list[str]]]:
    if not selector.strip():
        raise bad_query("Missing label_selector value")
    requirements = []
    for text in _split_requirements(selector):
        for op, pattern in _REQ_PATTERNS:
            match = pattern.match(text)
            if match:
                key = match.group(1)
                values: list[str] = []
                if op in ("in", "notin"):
                    values = [v.strip() for v in match.group(3).split(",")]
                elif op in ("eq", "neq"):
                    values = [match.group(3)]
                requirements.append((op, key, values))
                break
        else:
            raise bad_query(f"Invalid label_selector value: '{text}'")
    if len(requirements) > 50:
        raise bad_query("label_selector must have at most 50 requirements")
    return requirements


def matches_labels(labels: dict[str, str], requirements: list[tuple[str, str, list[str]]]) -> bool:
    for op, key, values in requirements:
        present = key in labels
        value = labels.get(key)
        if op == "exists":
            ok = present
        elif op == "notexists":
            ok = not present
        elif op in ("eq", "in"):
            ok = present and value in values
        else:  # neq, notin
            ok = not present or value not in values
        if not ok:
            return False
    return True


def filter_labels(items: Iterable[Resource], query: Query) -> list[Resource]:
    items = list(items)
    selector = query.get("label_selector")
    if selector is None:
        return items
    reqs = parse_label_selector(selector)
    return [i for i in items if matches_labels(i["metadata"]["labels"], reqs)]


def filter_timestamps(items: Iterable[Resource], query: Query) -> list[Resource]:
    items = list(items)
    for field in ("created_at", "updated_at"):
        for key, value in query.values.items():
            m = re.fullmatch(rf"{field}s(?:\[(lt|lte|gt|gte)\])?", key)
            if not m:
                continue
            op = m.group(1)
            stamps = value.split(",")
            if op is None:
                items = [i for i in items if i[field] in stamps]
            else:
                bound = stamps[0]
                cmp = {"lt": str.__lt__, "lte": str.__le__, "gt": str.__gt__, "gte": str.__ge__}[op]
                items = [i for i in items if cmp(i[field], bound)]
    return items


TIMESTAMP_KEYS = (
    "created_ats", "created_ats[lt]", "created_ats[lte]", "created_ats[gt]", "created_ats[gte]",
    "updated_ats", "updated_ats[lt]", "updated_ats[lte]", "updated_ats[gt]", "updated_ats[gte]",
)


# ---------------------------------------------------------------- ordering and pagination
def _int_param(query: Query, key: str, default: int, low: int, high: int, message: str) -> int:
    raw = query.get(key)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError as exc:
        raise query.invalid(message) from exc
    if not low <= value <= high:
        raise query.invalid(message)
    return value


def paginate(
    query: Query,
    items: list[Resource],
    base_url: str,
    path: str,
    order_fields: tuple[str, ...] = ("created_at", "updated_at"),
    default_order: str = "created_at",
) -> tuple[dict[str, Any], list[Resource]]:
    """Order and slice `items`; returns (pagination object, page items)."""
    page = _int_param(query, "page", 1, 1, 2**31 - 1, "Page must be greater than 0")
    per_page = _int_param(query, "per_page", 50, 1, 5000, "Per page must be between 1 and 5000")
    order_by = query.get("order_by") or default_order
    descending = order_by.startswith("-")
    field = order_by.lstrip("+-")
    if field not in order_fields:
        raise query.invalid("Order by can only be: '" + "', '".join(order_fields) + "'")
    ordered = sorted(items, key=lambda r: (r.get(field) or "", r["_seq"]), reverse=descending)
    total = len(ordered)
    total_pages = max(1, math.ceil(total / per_page))
    chunk = ordered[(page - 1) * per_page : page * per_page]

    def link(n: int) -> dict[str, str]:
        params = dict(query.values)
        params["page"] = str(n)
        params["per_page"] = str(per_page)
        return {"href": f"{base_url}{path}?{urllib.parse.urlencode(params, safe=',[]')}"}

    pagination = {
        "total_results": total,
        "total_pages": total_pages,
        "first": link(1),
        "last": link(total_pages),
        "next": link(page + 1) if page < total_pages else None,
        "previous": link(page - 1) if page > 1 else None,
    }
    return pagination, chunk
