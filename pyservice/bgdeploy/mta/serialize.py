"""A resolved DeploymentModel as JSON and back, so the engine can store it with the operation.

`model_to_json` writes `dataclasses.asdict`; `from_data` rebuilds any dataclass of `model.py` from its type
hints (nested dataclasses, `X | None`, lists, dicts, tuples such as `existing_key_env`), so a field added to
the model is carried without touching this module. A field missing from the text (a model stored before the
field existed) takes its default; an unknown field is an error.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import types
import typing
from typing import Any

from .model import DeploymentModel


def model_to_json(model: DeploymentModel) -> str:
    return json.dumps(dataclasses.asdict(model), separators=(",", ":"))


def model_from_json(text: str) -> DeploymentModel:
    """The model `model_to_json` wrote; ValueError if `text` is not one."""
    try:
        return from_data(DeploymentModel, json.loads(text))
    except (TypeError, KeyError, AttributeError, ValueError) as exc:
        raise ValueError(f"not a serialised DeploymentModel: {exc!r}") from exc


def from_data(hint: Any, data: Any) -> Any:
    """`data` as json.loads gives it, turned back into the type `hint` names."""
    if data is None:
        return None
    if dataclasses.is_dataclass(hint):
        fields = _field_hints(hint)
        return hint(**{name: from_data(fields[name], value) for name, value in data.items()})
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (types.UnionType, typing.Union):
        inner = [arg for arg in args if arg is not type(None)]
        if len(inner) != 1:
            raise TypeError(f"cannot tell which type of {hint} a value is")
        return from_data(inner[0], data)
    if origin is list:
        return [from_data(args[0], item) for item in data]
    if origin is tuple:
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(from_data(args[0], item) for item in data)
        return tuple(from_data(arg, item) for arg, item in zip(args, data, strict=True))
    if origin is dict:
        return {key: from_data(args[1], value) for key, value in data.items()}
    return data  # str, int, bool, Literal, and untyped `dict`/`list` (JSON values as the descriptor gave them)


@functools.cache
def _field_hints(cls: type) -> dict[str, Any]:
    hints = typing.get_type_hints(cls)
    return {f.name: hints[f.name] for f in dataclasses.fields(cls) if f.init}
