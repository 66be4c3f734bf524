"""Jobs (`/v3/jobs/:guid`): asynchronous operations that finish after a delay."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..api import Req, endpoint, public
from ..errors import CCError
from ..state import now_iso

Resource = dict[str, Any]


def start(sim: Any, operation: str, link: tuple[str, str] | None, delay: float,
          work: Callable[[Resource], None], state: str = "PROCESSING") -> Resource:
    """Create a job in `state`; after `delay` run `work` (with the lock held): COMPLETE, or FAILED
    with the CCError it raised."""
    job = sim.store.add("jobs", {"operation": operation, "state": state, "errors": [], "warnings": [],
                                 "link": link, "user_guid": None})

    def finish() -> None:
        try:
            work(job)
            job["state"] = "COMPLETE"
        except CCError as err:
            job["state"] = "FAILED"
            job["errors"] = err.body()["errors"]
        job["updated_at"] = now_iso()

    sim.clock.call_later(delay, finish)
    return job


def present_job(req: Req, job: Resource) -> Resource:
    links: dict[str, Any] = {"self": req.link(f"/v3/jobs/{job['guid']}")}
    if job["link"]:
        name, guid = job["link"]
        plural = {"app": "apps", "service_instances": "service_instances", "route": "routes", "package": "packages",
                  "droplet": "droplets", "service_credential_binding": "service_credential_bindings",
                  "space_quota": "space_quotas", "space": "spaces"}[name]
        links[name] = req.link(f"/v3/{plural}/{guid}")
    return {**public(job, "operation", "state", "errors", "warnings"), "links": links}


@endpoint("GET", "/v3/jobs/{guid}")
def show_job(req: Req) -> Resource:
    return present_job(req, req.sim.store.get("jobs", req.params["guid"], "Job"))
