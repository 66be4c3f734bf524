"""/v3/jobs: asynchronous CC work (deletes, service broker operations) is polled by its job URL."""

from __future__ import annotations

from typing import TYPE_CHECKING

import requests

from bgdeploy.cc.models import Job

if TYPE_CHECKING:
    from bgdeploy.cc.session import CloudController


def location(resp: requests.Response | None) -> str | None:
    """The job of a 202 answer, or None when the work is done already (200/201/204, or 404 on delete)."""
    if resp is None or resp.status_code != 202:
        return None
    return resp.headers.get("Location") or None


def get(cc: CloudController, url: str) -> Job:
    return Job.of(cc.get(url))
