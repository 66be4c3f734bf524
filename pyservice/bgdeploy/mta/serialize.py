"""A resolved DeploymentModel as JSON and back, so the engine can store it with the operation.

The conversion is `bgdeploy.codec`'s, driven by the dataclasses' type hints, so a field added to the model is
carried without touching this module. A field missing from the text (a model stored before the field existed)
takes its default; here an unknown field is an error.
"""

from __future__ import annotations

import json
from typing import Any

from bgdeploy.codec import from_plain, to_plain

from .model import DeploymentModel


def model_to_json(model: DeploymentModel) -> str:
    return json.dumps(to_plain(model), separators=(",", ":"))


def model_from_json(text: str) -> DeploymentModel:
    """The model `model_to_json` wrote; ValueError if `text` is not one."""
    try:
        return from_data(DeploymentModel, json.loads(text))
    except (TypeError, KeyError, AttributeError, ValueError) as exc:
        raise ValueError(f"not a serialised DeploymentModel: {exc!r}") from exc


def from_data(hint: Any, data: Any) -> Any:
    """`data` as json.loads gives it, turned back into the type `hint` names (unknown fields refused)."""
    return from_plain(hint, data, strict=True)
