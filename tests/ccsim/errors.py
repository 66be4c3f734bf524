"""Cloud Controller errors: one exception type carrying CC's code, title and detail.

Titles, codes and message templates come from CC's catalogue (`errors/v2.yml`, `errors/v3.yml`).
Every failing API answer is `{"errors": [{"code": N, "title": "CF-...", "detail": "..."}]}`.
"""

from __future__ import annotations

from typing import Any


class CCError(Exception):
    """An answer in CC's error shape."""

    def __init__(self, status: int, code: int, title: str, detail: str) -> None:
        super().__init__(f"{status} {title}: {detail}")
        self.status = status
        self.code = code
        self.title = title
        self.detail = detail

    def body(self) -> dict[str, Any]:
        return {"errors": [{"code": self.code, "title": self.title, "detail": self.detail}]}


def invalid_auth_token() -> CCError:
    return CCError(401, 1000, "CF-InvalidAuthToken", "Invalid Auth Token")


def not_authenticated() -> CCError:
    return CCError(401, 10002, "CF-NotAuthenticated", "Authentication error")


def not_authorized() -> CCError:
    return CCError(403, 10003, "CF-NotAuthorized", "You are not authorized to perform the requested action")


def unknown_request() -> CCError:
    return CCError(404, 10000, "CF-NotFound", "Unknown request")


def not_found(resource: str) -> CCError:
    """`resource_not_found!(:app)` in CC: detail "App not found"."""
    return CCError(404, 10010, "CF-ResourceNotFound", f"{resource} not found")


def bad_query(detail: str) -> CCError:
    return CCError(400, 10005, "CF-BadQueryParameter", f"The query parameter is invalid: {detail}")


def parse_error(detail: str = "invalid request body") -> CCError:
    return CCError(400, 1001, "CF-MessageParseError", f"Request invalid due to parse error: {detail}")


def bad_request(detail: str) -> CCError:
    return CCError(400, 1004, "CF-BadRequest", f"Bad request: {detail}")


def unprocessable(detail: str) -> CCError:
    return CCError(422, 10008, "CF-UnprocessableEntity", detail)


def uniqueness(detail: str) -> CCError:
    return CCError(422, 10016, "CF-UniquenessError", detail)


def staging_in_progress() -> CCError:
    return CCError(
        422, 170017, "CF-StagingInProgress", "Only one build can be STAGING at a time per application."
    )


def async_operation_in_progress(instance_name: str) -> CCError:
    return CCError(
        409,
        60016,
        "CF-AsyncServiceInstanceOperationInProgress",
        f"An operation for service instance {instance_name} is in progress.",
    )


def server_error() -> CCError:
    return CCError(500, 10001, "UnknownError", "An unknown error occurred.")


def service_unavailable(detail: str) -> CCError:
    return CCError(503, 10015, "CF-ServiceUnavailable", detail)


def gateway_error() -> CCError:
    """What a fault-injected 502 looks like (the load balancer in front of CC, not CC itself)."""
    return CCError(502, 10001, "UnknownError", "Bad Gateway")


def plan_not_updateable() -> CCError:
    return CCError(400, 110004, "CF-ServicePlanNotUpdateable", "The service does not support changing plans.")
