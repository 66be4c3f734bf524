"""Memory and disk notation (`256M`, `1G`, `512MB`, `1024`) and other scalar conversions."""

from __future__ import annotations

import re
from typing import Any

_SIZE = re.compile(r"^\s*(\d+)\s*(M|MB|G|GB|T|TB)?\s*$", re.IGNORECASE)
_FACTORS = {"": 1, "M": 1, "MB": 1, "G": 1024, "GB": 1024, "T": 1024 * 1024, "TB": 1024 * 1024}


def size_mb(value: Any) -> int | None:
    """Megabytes, or None when not given; ValueError names what is accepted."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise ValueError("must be a size such as 256M or 1G")
    if isinstance(value, int):
        return value
    match = _SIZE.match(str(value))
    if not match:
        raise ValueError(f'"{value}" is not a size (use a number of megabytes, or e.g. 256M, 512MB, 1G, 2GB)')
    return int(match.group(1)) * _FACTORS[(match.group(2) or "").upper()]


def integer(value: Any) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise ValueError("must be a whole number")
    if isinstance(value, int):
        return value
    text = str(value).strip()
    if not re.fullmatch(r"-?\d+", text):
        raise ValueError(f'"{value}" is not a whole number')
    return int(text)


def boolean(value: Any) -> bool | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise ValueError(f'"{value}" is not true or false')
