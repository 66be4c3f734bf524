"""Polling Cloud Controller jobs recorded in a work item."""

from __future__ import annotations

from bgdeploy.cc import jobs as cc_jobs
from bgdeploy.engine.step import StepContext
from bgdeploy.errors import CloudControllerError, StepTimeoutError


def pending(ctx: StepContext, jobs: list[str], what: str, since: float, timeout_s: float) -> list[str]:
    """The jobs of `jobs` not finished yet (one look at each); a FAILED job raises its CC error."""
    left = []
    for url in jobs:
        job = cc_jobs.get(ctx.cc, url)
        if job.state == "COMPLETE":
            continue
        if job.state == "FAILED":
            raise CloudControllerError(422, job.error_title or "CF-JobFailed",
                                       f"{what} failed: {job.error_detail or 'job failed'}", "GET", url)
        left.append(url)
    if left and since and ctx.now() - since > timeout_s:
        raise StepTimeoutError(f"{what} did not finish within {int(timeout_s)} seconds")
    return left
