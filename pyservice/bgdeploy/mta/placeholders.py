"""`${...}` placeholders: look a name up in an element's parameter chain and substitute its value.

- `${name}` searches the scope's layers in order (e.g. requires parameters -> module parameters -> module-type
  defaults -> global parameters); the first layer holding a non-null value wins.
- A found value that itself holds placeholders is resolved in the scope of the layer it was found in
  (`${default-url}` -> `${protocol}://${default-uri}` -> `${host}.${domain}` ...).
- `${routes/0/route}` indexes into maps and lists; `${a-${b}}` resolves the inner placeholder first.
- A value that is exactly one placeholder takes the referenced value as is (a list stays a list).
- `\\${x}` is an escape: left alone here, turned into `${x}` by `unescape` at the very end.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

from .limits import MAX_PLACEHOLDER_DEPTH

PLACEHOLDER = re.compile(r"(?<!\\)\$\{([^${}]+)\}")
_WHOLE = re.compile(r"^\$\{([^${}]+)\}$")
_MISSING = object()

# Resolved by the deploy service only while it deploys (after services exist); we cannot know them here.
DYNAMIC_PARAMETERS = frozenset({"service-guid", "guid"})


class UnresolvedPlaceholder(Exception):
    def __init__(self, name: str, reason: str = "") -> None:
        self.name = name
        self.reason = reason
        super().__init__(name)


class Scope:
    """An ordered chain of parameter maps; earlier layers win."""

    def __init__(self, layers: Sequence[Mapping[str, Any]]) -> None:
        self.layers = list(layers)
        self._cache: dict[str, Any] = {}

    def tail(self, start: int) -> Scope:
        return self if start == 0 else Scope(self.layers[start:])

    def find(self, key: str) -> tuple[int, Any]:
        for index, layer in enumerate(self.layers):
            value = layer.get(key)
            if value is not None:
                return index, value
        return -1, _MISSING

    def lookup(self, name: str, depth: int) -> Any:
        if name in self._cache:
            return self._cache[name]
        index, value = self.find(name)
        rest: list[str] = []
        if value is _MISSING and "/" in name:
            head, *rest = name.split("/")
            index, value = self.find(head)
        if value is _MISSING:
            raise UnresolvedPlaceholder(name)
        value = resolve(value, self.tail(index), depth + 1)
        for segment in rest:
            value = _index(value, segment, name)
            value = resolve(value, self.tail(index), depth + 1)
        self._cache[name] = value
        return value


def _index(value: Any, segment: str, name: str) -> Any:
    if isinstance(value, Mapping) and segment in value:
        return value[segment]
    if isinstance(value, list) and segment.isdigit() and int(segment) < len(value):
        return value[int(segment)]
    raise UnresolvedPlaceholder(name, f'"{segment}" does not exist')


def resolve(value: Any, scope: Scope, depth: int = 0) -> Any:
    """Resolve every placeholder in `value` (any YAML value); raises UnresolvedPlaceholder."""
    if depth > MAX_PLACEHOLDER_DEPTH:
        raise UnresolvedPlaceholder("", "placeholders refer to each other in a cycle")
    if isinstance(value, str):
        return _resolve_text(value, scope, depth)
    if isinstance(value, dict):
        return {k: resolve(v, scope, depth) for k, v in value.items()}
    if isinstance(value, list):
        return [resolve(v, scope, depth) for v in value]
    return value


def _resolve_text(text: str, scope: Scope, depth: int) -> Any:
    if "${" not in text:
        return text
    whole = _WHOLE.match(text)
    if whole:
        return _lookup(whole.group(1), scope, depth)
    # Innermost first, so `${a-${b}}` works; each pass removes at least one placeholder.
    for _ in range(MAX_PLACEHOLDER_DEPTH):
        replaced = PLACEHOLDER.sub(lambda m: to_text(_lookup(m.group(1), scope, depth)), text)
        if replaced == text or not PLACEHOLDER.search(replaced):
            return replaced
        whole = _WHOLE.match(replaced)
        if whole:
            return _lookup(whole.group(1), scope, depth)
        text = replaced
    raise UnresolvedPlaceholder(text, "placeholders nest too deeply")


def _lookup(name: str, scope: Scope, depth: int) -> Any:
    name = name.strip()
    if name in DYNAMIC_PARAMETERS:
        raise UnresolvedPlaceholder(
            name, "dynamic parameters (known only after the service is created) are not supported"
        )
    return scope.lookup(name, depth)


def to_text(value: Any) -> str:
    """How a non-string value reads when it is part of a longer string (or an environment variable)."""
    if isinstance(value, str):
        return value
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return json.dumps(value, separators=(",", ":"))


def unescape(value: Any) -> Any:
    """Turn `\\${x}` and `\\~{x}` into the literal `${x}` / `~{x}` once resolution is over."""
    if isinstance(value, str):
        if "\\" in value:
            return value.replace("\\${", "${").replace("\\~{", "~{")
        return value
    if isinstance(value, dict):
        return {k: unescape(v) for k, v in value.items()}
    if isinstance(value, list):
        return [unescape(v) for v in value]
    return value


def contains_placeholder(value: Any) -> bool:
    if isinstance(value, str):
        return bool(PLACEHOLDER.search(value))
    if isinstance(value, dict):
        return any(contains_placeholder(v) for v in value.values())
    if isinstance(value, list):
        return any(contains_placeholder(v) for v in value)
    return False
