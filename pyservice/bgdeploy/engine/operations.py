"""Operation states, the actions each state allows, and the Cloud Foundry target of an operation."""

from __future__ import annotations

from dataclasses import dataclass

from bgdeploy.store.records import ABORTED, ACTION_REQUIRED, ACTIVE_STATES, ERROR, FINAL_STATES, FINISHED, RUNNING

DEPLOY, BLUE_GREEN_DEPLOY, UNDEPLOY = "DEPLOY", "BLUE_GREEN_DEPLOY", "UNDEPLOY"
ROLLBACK_MTA = "ROLLBACK_MTA"  # back to the version a resume kept (--backup-previous-version)
RESUME, ABORT, RETRY = "RESUME", "ABORT", "RETRY"

ACTIONS_BY_STATE: dict[str, list[str]] = {RUNNING: [ABORT], ERROR: [ABORT, RETRY], ACTION_REQUIRED: [ABORT, RESUME]}

__all__ = ["ABORT", "ABORTED", "ACTIONS_BY_STATE", "ACTION_REQUIRED", "ACTIVE_STATES", "BLUE_GREEN_DEPLOY",
           "DEPLOY", "ERROR", "FINAL_STATES", "FINISHED", "RESUME", "RETRY", "ROLLBACK_MTA", "RUNNING", "UNDEPLOY",
           "Target"]


@dataclass(frozen=True)
class Target:
    api_endpoint: str
    skip_ssl_validation: bool
    org_guid: str
    org_name: str
    space_guid: str
    space_name: str
    user_name: str
