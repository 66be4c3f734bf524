"""Rows of the store as plain dataclasses."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

RUNNING, ACTION_REQUIRED, ERROR, ABORTED, FINISHED = "RUNNING", "ACTION_REQUIRED", "ERROR", "ABORTED", "FINISHED"
ACTIVE_STATES = (RUNNING, ACTION_REQUIRED, ERROR)
FINAL_STATES = (ABORTED, FINISHED)


@dataclass
class OperationRecord:
    id: str
    process_type: str  # DEPLOY | BLUE_GREEN_DEPLOY | UNDEPLOY
    state: str
    space_guid: str
    org_guid: str
    org_name: str
    space_name: str
    api_endpoint: str
    skip_ssl: bool
    started_by: str
    started_at: float
    mta_id: str = ""
    mta_version: str = ""
    namespace: str = ""
    ended_at: float | None = None
    phase: str = ""
    live_color: str = ""
    idle_color: str = ""
    error_type: str = ""
    error_message: str = ""
    archive_id: str = ""
    archive_name: str = ""
    ext_ids: list[str] = field(default_factory=list)
    options: dict[str, Any] = field(default_factory=dict)
    cursor: int = 0  # index of the next step to run
    data: dict[str, Any] = field(default_factory=dict)  # step results, keyed by step name
    locked: bool = True  # holds the MTA lock (released when final)
    actor: str = ""  # user id whose token the operation runs on (the starter, then whoever acted last)
    lock_marker: str = ""  # guid of the lock marker in Cloud Foundry (engine.actions.cf_lock)


@dataclass
class EventRecord:
    op_id: str
    seq: int
    time: float
    level: str  # INFO | WARN | ERROR | DEBUG
    text: str
    phase: str = ""
    app: str = ""
    route: str = ""
    module: str = ""


@dataclass
class FileRecord:
    id: str
    sha256: str
    kind: str
    size: int
    file_name: str
    space_guid: str
    created_at: float
    path: str  # a file in the state directory, or "" when the content is in the database (blobs.py)
