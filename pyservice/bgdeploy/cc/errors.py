"""What a Cloud Controller error means, decided here and nowhere else.

    CloudControllerError (bgdeploy.errors)       CC answered 4xx/5xx: status, code, title, detail
    ├── NotFound             404: the resource is gone (deletes treat it as done)
    ├── NameTaken            422: an app, route, service instance or key with this name exists
    ├── AlreadyBound         422: the app is already bound to the service instance
    ├── StagingInProgress    422: the app has a STAGING build already
    ├── BitsAlreadyUploaded  422: the package got its bits (an earlier upload whose answer was lost)
    ├── OperationInProgress  409: a broker operation is running on the service instance
    ├── Unauthenticated      401: the token is invalid or expired
    ├── Forbidden            403: the user lacks the role
    └── Unavailable          502/503/504, or no answer at all: the request may or may not have been
                             processed (`maybe_applied`), so a create must look before it creates again
    WritesForbidden          not from CC: a read-only session (a dry run) refused to send a write

CC's own titles and codes decide first; CC reuses `CF-UnprocessableEntity` for several conflicts, so for
that title only the detail text is matched, the way the cf CLI does (`ccv3/errors.go`).
"""

from __future__ import annotations

import re
from typing import Any

from bgdeploy.errors import CloudControllerError, InfrastructureError


class NotFound(CloudControllerError):
    pass


class NameTaken(CloudControllerError):
    pass


class AlreadyBound(CloudControllerError):
    pass


class StagingInProgress(CloudControllerError):
    pass


class BitsAlreadyUploaded(CloudControllerError):
    pass


class OperationInProgress(CloudControllerError):
    pass


class Unauthenticated(CloudControllerError):
    pass


class Forbidden(CloudControllerError):
    pass


class Unavailable(CloudControllerError):
    def __init__(self, status: int, title: str, detail: str, method: str = "", url: str = "", *,
                 maybe_applied: bool = True, code: int = 0) -> None:
        super().__init__(status, title, detail, method, url, code=code)
        self.maybe_applied = maybe_applied


class WritesForbidden(InfrastructureError):
    """A read-only session was asked to write; nothing was sent. Only a bug in a dry run gets here."""

    def __init__(self, method: str, path: str) -> None:
        self.method, self.path = method, path
        super().__init__(f"A dry run does not change Cloud Foundry: {method} {path} was not sent")


_BY_TITLE: dict[str, type[CloudControllerError]] = {
    "CF-ResourceNotFound": NotFound,
    "CF-NotFound": NotFound,
    "CF-UniquenessError": NameTaken,
    "CF-ServiceInstanceNameTaken": NameTaken,
    "CF-ServiceBindingAppServiceTaken": AlreadyBound,
    "CF-StagingInProgress": StagingInProgress,
    "CF-PackageBitsAlreadyUploaded": BitsAlreadyUploaded,
    "CF-AsyncServiceInstanceOperationInProgress": OperationInProgress,
    "CF-InvalidAuthToken": Unauthenticated,
    "CF-NotAuthenticated": Unauthenticated,
    "CF-NotAuthorized": Forbidden,
}
_BY_CODE: dict[int, type[CloudControllerError]] = {
    10010: NotFound, 10016: NameTaken, 170017: StagingInProgress, 150004: BitsAlreadyUploaded,
    60016: OperationInProgress, 1000: Unauthenticated, 10002: Unauthenticated, 10003: Forbidden,
}
_UNPROCESSABLE_DETAILS: list[tuple[re.Pattern[str], type[CloudControllerError]]] = [
    (re.compile(r"already exists|name must be unique|name is taken|names must be unique"), NameTaken),
    (re.compile(r"already bound"), AlreadyBound),
    (re.compile(r"[Bb]its may be uploaded only once"), BitsAlreadyUploaded),
]
_BY_STATUS: dict[int, type[CloudControllerError]] = {404: NotFound, 401: Unauthenticated, 403: Forbidden,
                                                      409: OperationInProgress}
GATEWAY_STATUSES = (502, 503, 504)


def classify(status: int, body: Any, reason: str, method: str, path: str) -> CloudControllerError:
    """The typed error for one failed answer (`body` is the parsed JSON, or the raw text)."""
    title, detail, code = "", reason or "", 0
    first = _first_error(body)
    if first is not None:
        title = str(first.get("title") or "")
        detail = str(first.get("detail") or detail)
        code = first.get("code") if isinstance(first.get("code"), int) else 0
    elif isinstance(body, str) and body:
        detail = body[:200]
    if status == 401 and not detail:
        detail = "Invalid Auth Token"
    if status in GATEWAY_STATUSES:
        return Unavailable(status, title, detail, method, path, code=code, maybe_applied=method != "GET")
    kind = _BY_TITLE.get(title) or _BY_CODE.get(code)
    if kind is None and status == 422:
        kind = next((k for pattern, k in _UNPROCESSABLE_DETAILS if pattern.search(detail)), None)
    kind = kind or _BY_STATUS.get(status, CloudControllerError)
    return kind(status, title, detail, method, path, code=code)


def no_answer(method: str, path: str, detail: str, *, sent: bool) -> Unavailable:
    """The connection failed: before the request left (`sent=False`) nothing happened."""
    return Unavailable(0, "", detail, method, path, maybe_applied=sent and method != "GET")


def _first_error(body: Any) -> dict[str, Any] | None:
    if isinstance(body, dict):
        errors = body.get("errors")
        if isinstance(errors, list) and errors and isinstance(errors[0], dict):
            return errors[0]
    return None
