"""The `bg-smoke-tests` module parameter: HTTP checks of the new version on its temporary routes.

    parameters:
      bg-smoke-tests:
        - path: /health            # default /
          expect-status: 200       # default 200
          expect-body: '"status":"UP"'   # a substring of the answer (optional)
          timeout: 30s             # one request (default 10s; 500ms, 30s, 2m or a number of seconds)
          retries: 5               # tries after a failed one (default 0)

Unknown keys are refused, so a misspelt expectation never passes in silence.
"""

from __future__ import annotations

import re
from typing import Any

from ..descriptor import Descriptor, Params
from ..model import SmokeCheck
from ..yamlload import child_path

PARAMETER = "bg-smoke-tests"
KEYS = ("path", "expect-status", "expect-body", "timeout", "retries")
MAX_RETRIES = 100
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m)?\s*$")
_FACTORS = {"ms": 0.001, "s": 1.0, "m": 60.0, None: 1.0}


def smoke_checks(d: Descriptor, params: Params, where: str) -> list[SmokeCheck]:
    """The module's checks (`where` is its parameters path); a content error names the entry and key."""
    raw = params.get(PARAMETER)
    path = child_path(where, PARAMETER)
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise d.error("must be a list of checks", path)
    return [_check(d, entry, child_path(path, i)) for i, entry in enumerate(raw)]


def _check(d: Descriptor, entry: Any, where: str) -> SmokeCheck:
    if not isinstance(entry, dict):
        raise d.error("must be a map (path, expect-status, expect-body, timeout, retries)", where)
    unknown = sorted(str(k) for k in entry if k not in KEYS)
    if unknown:
        raise d.error(f'unknown key "{unknown[0]}" of a smoke test (known: {", ".join(KEYS)})',
                      child_path(where, unknown[0]))
    check_path = entry.get("path", "/")
    if not isinstance(check_path, str) or not check_path.startswith("/"):
        raise d.error('must be a path starting with "/"', child_path(where, "path"))
    status = entry.get("expect-status", 200)
    if isinstance(status, bool) or not isinstance(status, int) or not 100 <= status <= 599:
        raise d.error("must be an HTTP status code (100 to 599)", child_path(where, "expect-status"))
    body = entry.get("expect-body")
    if body is not None and (not isinstance(body, str) or not body):
        raise d.error("must be a non-empty string", child_path(where, "expect-body"))
    retries = entry.get("retries", 0)
    if isinstance(retries, bool) or not isinstance(retries, int) or not 0 <= retries <= MAX_RETRIES:
        raise d.error(f"must be a whole number from 0 to {MAX_RETRIES}", child_path(where, "retries"))
    timeout = _milliseconds(entry.get("timeout", 10))
    if timeout is None:
        raise d.error('must be a duration such as 500ms, 30s or 2m (more than 0)', child_path(where, "timeout"))
    return SmokeCheck(path=check_path, expect_status=status, expect_body=body, timeout_ms=timeout, retries=retries)


def _milliseconds(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return round(value * 1000) if value > 0 else None
    match = _DURATION.match(str(value))
    if not match:
        return None
    ms = round(float(match.group(1)) * _FACTORS[match.group(2)] * 1000)
    return ms if ms > 0 else None
