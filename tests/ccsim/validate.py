"""Strict request-body checks with CC's wording: unknown fields, wrong types, blank names.

CC collects all problems of a message and answers one 422 CF-UnprocessableEntity whose detail is
the problems joined with ", " (ActiveModel `full_messages`), e.g. "Unknown field(s): 'foo'" or
"Name must be a string".
"""

from __future__ import annotations

import json
import re
from typing import Any

from .errors import parse_error, unprocessable

_LABEL_NAME = re.compile(r"^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$")
_PREFIX = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
_MISSING = object()


def human(name: str) -> str:
    return name.replace("_", " ").capitalize()


def parse_json(raw: bytes) -> Any:
    if not raw.strip():
        return {}
    try:
        return json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise parse_error("invalid request body") from exc


def unknown_fields(body: dict[str, Any], allowed: tuple[str, ...] | set[str]) -> list[str]:
    extra = [k for k in body if k not in allowed]
    return ["Unknown field(s): '" + "', '".join(extra) + "'"] if extra else []


class Checker:
    """Accumulates problems with one JSON object; `done()` raises them as one 422."""

    def __init__(self, body: Any, allowed: tuple[str, ...], prefix: str = "") -> None:
        if not isinstance(body, dict):
            raise parse_error("invalid request body")
        self.body: dict[str, Any] = body
        self.prefix = prefix
        self.errors: list[str] = [f"{prefix}{e}" for e in unknown_fields(body, allowed)]

    def _name(self, key: str) -> str:
        return f"{self.prefix}{human(key)}" if not self.prefix else f"{self.prefix}{key}"

    def add(self, message: str) -> None:
        self.errors.append(message)

    def string(self, key: str, required: bool = False, nullable: bool = False, max_len: int = 0) -> str | None:
        value = self.body.get(key, _MISSING)
        if value is _MISSING or (value is None and nullable):
            if required:
                self.add(f"{self._name(key)} can't be blank")
            return None
        if not isinstance(value, str):
            self.add(f"{self._name(key)} must be a string")
            return None
        if required and not value.strip():
            self.add(f"{self._name(key)} can't be blank")
        if max_len and len(value) > max_len:
            self.add(f"{self._name(key)} is too long (maximum is {max_len} characters)")
        return value

    def integer(self, key: str, minimum: int | None = None, nullable: bool = False,
                greater_than: int | None = None) -> int | None:
        value = self.body.get(key, _MISSING)
        if value is _MISSING or (value is None and nullable):
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            self.add(f"{self._name(key)} is not a number" if not isinstance(value, float)
                     else f"{self._name(key)} must be an integer")
            return None
        if minimum is not None and value < minimum:
            self.add(f"{self._name(key)} must be greater than or equal to {minimum}")
        if greater_than is not None and value <= greater_than:
            self.add(f"{self._name(key)} must be greater than {greater_than}")
        return value

    def boolean(self, key: str) -> bool | None:
        value = self.body.get(key, _MISSING)
        if value is _MISSING:
            return None
        if not isinstance(value, bool):
            self.add(f"{self._name(key)} must be a boolean")
            return None
        return value

    def obj(self, key: str, nullable: bool = False) -> dict[str, Any] | None:
        value = self.body.get(key, _MISSING)
        if value is _MISSING or (value is None and nullable):
            return None
        if not isinstance(value, dict):
            self.add(f"{self._name(key)} must be an object")
            return None
        return value

    def string_list(self, key: str) -> list[str] | None:
        value = self.body.get(key, _MISSING)
        if value is _MISSING:
            return None
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.add(f"{self._name(key)} must be an array of strings" if isinstance(value, list)
                     else f"{self._name(key)} must be an array")
            return None
        return value

    def one_of(self, key: str, choices: tuple[str, ...], required: bool = False) -> str | None:
        value = self.string(key, required=required)
        if value is not None and value not in choices:
            self.add(f"{self._name(key)} must be one of '" + "', '".join(choices) + "'")
            return None
        return value

    def relationships(self, required: tuple[str, ...], optional: tuple[str, ...] = ()) -> dict[str, str]:
        """`relationships: {name: {data: {guid}}}` → {name: guid}."""
        value = self.body.get("relationships", _MISSING)
        result: dict[str, str] = {}
        if value is _MISSING:
            if required:
                self.add("Relationships 'relationships' is not an object")
            return result
        if not isinstance(value, dict):
            self.add("Relationships 'relationships' is not an object")
            return result
        extra = [k for k in value if k not in (*required, *optional)]
        if extra:
            self.add("Relationships Unknown field(s): '" + "', '".join(extra) + "'")
        for name in (*required, *optional):
            rel = value.get(name, _MISSING)
            if rel is _MISSING:
                if name in required:
                    self.add(f"Relationships {human(name)} must be structured like this: "
                             f"\"{name}: {{\"data\": {{\"guid\": \"valid-guid\"}}}}\"")
                continue
            guid = rel.get("data", {}).get("guid") if isinstance(rel, dict) and isinstance(
                rel.get("data"), dict) else None
            if not isinstance(guid, str) or not guid:
                self.add(f"Relationships {human(name)} must be structured like this: "
                         f"\"{name}: {{\"data\": {{\"guid\": \"valid-guid\"}}}}\"")
                continue
            result[name] = guid
        return result

    def metadata(self) -> dict[str, Any] | None:
        value = self.body.get("metadata", _MISSING)
        if value is _MISSING:
            return None
        self.errors.extend(metadata_errors(value))
        return value if isinstance(value, dict) else None

    def done(self) -> None:
        if self.errors:
            raise unprocessable(", ".join(self.errors))


def _key_errors(kind: str, key: str) -> list[str]:
    errors = []
    prefix, _, name = key.rpartition("/")
    if "/" in name or key.count("/") > 1:
        return [f"Metadata {kind} key error: '{key}' key has more than one '/'"]
    if prefix:
        if len(prefix) > 253:
            errors.append(f"Metadata {kind} key error: prefix '{prefix}' is greater than 253 characters")
        elif not _PREFIX.match(prefix):
            errors.append(f"Metadata {kind} key error: prefix '{prefix}' must be in valid dns format")
    if not name:
        errors.append(f"Metadata {kind} key error: key cannot be empty string")
    elif len(name) > 63:
        errors.append(f"Metadata {kind} key error: '{name}' is greater than 63 characters")
    elif not _LABEL_NAME.match(name):
        errors.append(f"Metadata {kind} key error: '{name}' contains invalid characters")
    return errors


def metadata_errors(value: Any) -> list[str]:
    if not isinstance(value, dict):
        return ["Metadata must be an object"]
    errors = [f"Metadata {e}" for e in unknown_fields(value, ("labels", "annotations"))]
    labels = value.get("labels", {})
    annotations = value.get("annotations", {})
    if not isinstance(labels, dict):
        errors.append("Metadata labels must be an object")
        labels = {}
    if not isinstance(annotations, dict):
        errors.append("Metadata annotations must be an object")
        annotations = {}
    for key, val in labels.items():
        errors.extend(_key_errors("label", key))
        if val is None:
            continue
        if not isinstance(val, str):
            errors.append(f"Metadata label value error: '{val}' must be a string")
        elif len(val) > 63:
            errors.append(f"Metadata label value error: '{val}' is greater than 63 characters")
        elif val and not _LABEL_NAME.match(val):
            errors.append(f"Metadata label value error: '{val}' contains invalid characters")
    for key, val in annotations.items():
        errors.extend(_key_errors("annotation", key))
        if val is None:
            continue
        if not isinstance(val, str):
            errors.append(f"Metadata annotation value error: '{key}' value must be a string")
        elif len(val) > 5000:
            errors.append(f"Metadata annotation value error: '{key}' is greater than 5000 characters")
    return errors


def merge_metadata(current: dict[str, Any], patch: dict[str, Any] | None) -> None:
    """JSON merge-patch semantics: a null value deletes the key, others are set."""
    if not patch:
        return
    for section in ("labels", "annotations"):
        for key, val in (patch.get(section) or {}).items():
            if val is None:
                current[section].pop(key, None)
            else:
                current[section][key] = val


def new_metadata(patch: dict[str, Any] | None) -> dict[str, Any]:
    meta: dict[str, Any] = {"labels": {}, "annotations": {}}
    merge_metadata(meta, patch)
    return meta
