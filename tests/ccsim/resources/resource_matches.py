"""Resource matching (`POST /v3/resource_matches`): the request checked as CC checks it; the answer never
matches anything (there is no resource pool here), which is what CC answers for files under its default
`resource_pool.minimum_size` of 64 KiB, so the cf CLI uploads every file in the package."""

from __future__ import annotations

import re
from typing import Any

from ..api import Req, Resp, endpoint
from ..errors import unprocessable

Resource = dict[str, Any]
_PREAMBLE = "Resources array contains at least one resource with"
_MODE = re.compile(r"^[0-7]+$")


def _resource_problems(resource: Any) -> list[str]:
    item = resource if isinstance(resource, dict) else {}
    checksum, size, mode = item.get("checksum"), item.get("size_in_bytes"), item.get("mode")
    problems = []
    if not isinstance(checksum, dict):
        problems.append(f"{_PREAMBLE} a non-object checksum")
    elif not isinstance(checksum.get("value"), str):
        problems.append(f"{_PREAMBLE} a non-string checksum value")
    elif len(checksum["value"]) != 40:
        problems.append(f"{_PREAMBLE} a non-SHA1 checksum value")
    if isinstance(size, bool) or not isinstance(size, int):
        problems.append(f"{_PREAMBLE} a non-integer size_in_bytes")
    elif size < 0:
        problems.append(f"{_PREAMBLE} a negative size_in_bytes")
    if mode is not None and not isinstance(mode, str):
        problems.append(f"{_PREAMBLE} a non-string mode")
    elif mode is not None and not _MODE.match(mode):
        problems.append(f"{_PREAMBLE} an incorrect mode")
    return problems


@endpoint("POST", "/v3/resource_matches")
def create_resource_match(req: Req) -> Resp:
    body = req.json()
    if not isinstance(body, dict):
        body = {}
    problems: list[str] = []  # other keys are ignored, as CC's message ignores them
    resources = body.get("resources")
    if not isinstance(resources, list):
        problems.append("Resources must be an array")
    elif not resources:
        problems.append("Resources must have at least 1 resource")
    elif len(resources) > 5000:
        problems.append("Resources array can have at most 5000 resources")
    else:
        for resource in resources:
            problems.extend(p for p in _resource_problems(resource) if p not in problems)
    if problems:
        raise unprocessable(", ".join(problems))
    return Resp(201, {"resources": []})
