"""Tasks (`/v3/apps/:guid/tasks`, `/v3/tasks`): one-off commands run in a droplet of the app, by
`ccsim.task_runner`. The command is shown only to space developers (and never in `GET /v3/tasks`)."""

from __future__ import annotations

import secrets
from typing import Any

from .. import quotas
from ..api import Req, Resp, endpoint, public, relationship
from ..errors import CCError, not_found, unprocessable
from ..query import TIMESTAMP_KEYS, filter_by
from ..validate import merge_metadata, new_metadata
from .apps import get_app
from .owned import can_read_secrets, get_owned, owner_space, space_org_filters, visible_owned

Resource = dict[str, Any]
DEFAULT_MEMORY_MB = 1024  # CC's default_app_memory
DEFAULT_DISK_MB = 1024  # CC's default_app_disk_in_mb


def present_task(req: Req, task: Resource, show_command: bool = True) -> Resource:
    g = task["guid"]
    body: Resource = {
        **public(task, "sequence_id", "name", "command", "user", "state", "memory_in_mb", "disk_in_mb"),
        "log_rate_limit_in_bytes_per_second": task["log_rate_limit"],
        "result": {"failure_reason": task["failure_reason"]}, "droplet_guid": task["droplet_guid"],
        "relationships": {"app": relationship(task["app_guid"])}, "metadata": task["metadata"],
        "links": {"self": req.link(f"/v3/tasks/{g}"), "app": req.link(f"/v3/apps/{task['app_guid']}"),
                  "cancel": req.link(f"/v3/tasks/{g}/actions/cancel", "POST"),
                  "droplet": req.link(f"/v3/droplets/{task['droplet_guid']}")},
    }
    if not show_command:
        del body["command"]
    return body


def _template_process(req: Req, template: Any, check: Any) -> Resource | None:
    if template is None:
        return None
    process = template.get("process") if isinstance(template, dict) else None
    guid = process.get("guid") if isinstance(process, dict) else None
    if not isinstance(guid, str) or not guid:
        check.add("Template process guid must be a string")
        return None
    return {"guid": guid}


@endpoint("POST", "/v3/apps/{guid}/tasks")
def create_task(req: Req) -> Resp:
    check = req.checker(("name", "command", "disk_in_mb", "memory_in_mb", "log_rate_limit_in_bytes_per_second",
                         "droplet_guid", "template", "user", "metadata"))
    name = check.string("name")
    command = check.string("command")
    disk = check.integer("disk_in_mb", greater_than=0, nullable=True)
    memory = check.integer("memory_in_mb", greater_than=0, nullable=True)
    log_rate = check.integer("log_rate_limit_in_bytes_per_second", greater_than=-2, nullable=True)
    droplet_guid = check.string("droplet_guid", nullable=True)
    template = _template_process(req, check.body.get("template"), check)
    user = check.string("user", nullable=True)
    if user is not None and not 1 <= len(user) <= 255:
        check.add("User must be between 1 and 255 characters")
    metadata = check.metadata()
    if command is None and "template" not in check.body:
        check.add("Command No command or template provided")
    check.done()
    app = get_app(req, req.params["guid"], write=True)
    store = req.sim.store
    droplet = store.find("droplets", droplet_guid if droplet_guid else app.get("droplet_guid"))
    if droplet_guid and (droplet is None or droplet["app_guid"] != app["guid"]):
        raise not_found("Droplet")
    if droplet is None:
        raise unprocessable("Task must have a droplet. Specify droplet or assign current droplet to app.")
    source = store.find("processes", template["guid"]) if template else None
    if template and source is None:
        raise CCError(404, 350003, "CF-ProcessNotFound", f"The process could not be found: {template['guid']}")
    if command is None and source is not None:
        command = source["command"] or droplet["process_types"].get(source["type"]) or None
    if not command:
        raise unprocessable("command is not present")  # Sequel's validates_presence
    memory = memory or (source["memory_in_mb"] if source else DEFAULT_MEMORY_MB)
    quotas.check_task(req.sim, app, memory)
    task = store.add("tasks", {
        "name": name if name is not None else secrets.token_hex(4), "command": command, "state": "RUNNING",
        "memory_in_mb": memory, "disk_in_mb": disk or (source["disk_in_mb"] if source else DEFAULT_DISK_MB),
        "log_rate_limit": log_rate if log_rate is not None else -1, "sequence_id": app["max_task_sequence_id"],
        "user": user or "vcap", "failure_reason": None, "droplet_guid": droplet["guid"], "app_guid": app["guid"],
        "metadata": new_metadata(metadata),
    })
    app["max_task_sequence_id"] += 1
    req.sim.tasks.submit(task)
    return Resp(202, present_task(req, task))


@endpoint("GET", "/v3/tasks")
def list_tasks(req: Req) -> Resp:
    req.query.allow("guids", "names", "states", "app_guids", "space_guids", "organization_guids", "label_selector",
                    *TIMESTAMP_KEYS)
    items = visible_owned(req, "tasks")
    for key, field in (("guids", "guid"), ("names", "name"), ("states", "state"), ("app_guids", "app_guid")):
        items = filter_by(items, req.query, key, lambda r, f=field: r[f])
    return req.list_response(space_org_filters(req, items), lambda r, t: present_task(r, t, show_command=False))


@endpoint("GET", "/v3/apps/{guid}/tasks")
def list_app_tasks(req: Req) -> Resp:
    req.query.allow("guids", "names", "states", "sequence_ids", "label_selector", *TIMESTAMP_KEYS)
    app = get_app(req, req.params["guid"])
    items = req.sim.store.where("tasks", app_guid=app["guid"])
    for key, field in (("guids", "guid"), ("names", "name"), ("states", "state"), ("sequence_ids", "sequence_id")):
        items = filter_by(items, req.query, key, lambda r, f=field: r[f])
    show = can_read_secrets(req, app["space_guid"])
    return req.list_response(items, lambda r, t: present_task(r, t, show_command=show))


@endpoint("GET", "/v3/tasks/{guid}")
def show_task(req: Req) -> Resource:
    task = get_owned(req, "tasks", req.params["guid"], "Task")
    return present_task(req, task, show_command=can_read_secrets(req, owner_space(req.sim, task)))


@endpoint("PATCH", "/v3/tasks/{guid}")
def update_task(req: Req) -> Resource:
    check = req.checker(("metadata",))
    metadata = check.metadata()
    check.done()
    task = get_owned(req, "tasks", req.params["guid"], "Task", write=True)
    merge_metadata(task["metadata"], metadata)
    req.sim.store.touch(task)
    return present_task(req, task)


def _cancel(req: Req) -> Resp:
    task = get_owned(req, "tasks", req.params["guid"], "Task", manage=True)
    if task["state"] in ("SUCCEEDED", "FAILED"):
        raise unprocessable(f"Task state is {task['state']} and therefore cannot be canceled")
    if task["state"] != "CANCELING":
        req.sim.tasks.cancel(task)
    return Resp(202, present_task(req, task))


@endpoint("POST", "/v3/tasks/{guid}/actions/cancel")
def cancel_task(req: Req) -> Resp:
    return _cancel(req)


@endpoint("PUT", "/v3/tasks/{guid}/cancel")
def cancel_task_deprecated(req: Req) -> Resp:
    return _cancel(req)
