"""Dataclasses to JSON-ready values and back, driven by their type hints (so no field can be forgotten).

Handles nested dataclasses, lists, dicts with string keys, tuples, `X | None`, literals and plain scalars.
A field missing from the data takes its default (state written before the field existed). An unknown field
is dropped by default (state written by a newer engine), or is an error with `strict=True`.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from functools import cache
from typing import Any, TypeVar, get_args, get_origin

T = TypeVar("T")


_SCALARS = (str, int, float, bool, type(None))


@cache
def _field_names(cls: type) -> tuple[str, ...]:
    return tuple(f.name for f in dataclasses.fields(cls))


def to_plain(value: Any) -> Any:
    # an operation's plan is encoded on every save: scalars first, and fields looked up once per class
    if isinstance(value, _SCALARS):
        return value
    if hasattr(type(value), "__dataclass_fields__") and not isinstance(value, type):
        return {name: to_plain(getattr(value, name)) for name in _field_names(type(value))}
    if isinstance(value, list | tuple):
        return [to_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: to_plain(v) for k, v in value.items()}
    if isinstance(value, set | frozenset):
        return sorted(to_plain(v) for v in value)
    return value


def from_plain(kind: type[T], value: Any, *, strict: bool = False) -> T:
    return typing.cast(T, _decode(kind, value, strict))


@cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _decode(kind: Any, value: Any, strict: bool = False) -> Any:
    if value is None:
        return None
    origin = get_origin(kind)
    if origin in (typing.Union, types.UnionType):
        options = [a for a in get_args(kind) if a is not type(None)]
        if len(options) != 1:
            raise TypeError(f"cannot tell which type of {kind} a value is")
        return _decode(options[0], value, strict)
    if origin is typing.Literal or kind is Any:
        return value
    if dataclasses.is_dataclass(kind):
        hints = _hints(kind)
        names = {f.name for f in dataclasses.fields(kind) if f.init}
        unknown = set(value) - names
        if unknown and strict:
            raise TypeError(f"{kind.__name__} has no field {', '.join(sorted(unknown))}")
        return kind(**{k: _decode(hints[k], v, strict) for k, v in value.items() if k in names})
    if origin is list:
        (item,) = get_args(kind) or (Any,)
        return [_decode(item, v, strict) for v in value]
    if origin is tuple:
        args = get_args(kind)
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(_decode(args[0], v, strict) for v in value)
        return tuple(_decode(a, v, strict) for a, v in zip(args, value, strict=True))
    if origin in (set, frozenset):
        (item,) = get_args(kind)
        return origin(_decode(item, v, strict) for v in value)
    if origin is dict:
        args = get_args(kind) or (str, Any)
        return {k: _decode(args[1], v, strict) for k, v in value.items()}
    if kind is float and isinstance(value, int):
        return float(value)
    return value
