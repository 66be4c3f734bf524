"""The engine's error tree. Each layer translates foreign exceptions (requests, grpc, yaml, zipfile)
into one of these at its boundary, so the layers above only ever see this tree:

    BgDeployError
    ├── ContentError            the user's archive, descriptor, extension or flags are wrong;
    │                           a retry cannot help, the message says what to fix
    ├── ConflictError           another active operation holds the MTA (carries its id)
    ├── NotFoundError           an operation or MTA the user named does not exist
    ├── InvalidActionError      the action is not allowed in the operation's state
    ├── OperationAborted        the user aborted the operation while a step ran (the step just stops)
    └── InfrastructureError     Cloud Foundry or the network failed; a retry may help
        ├── CloudControllerError    CC answered with an error (status, code, title, detail); its
        │                           meaning (not found, name taken, ...) is typed in bgdeploy.cc.errors
        ├── TokenExpiredError       the user's token expired and no fresh one can be had
        └── StepTimeoutError        staging, starting or a job took longer than its timeout
"""

from __future__ import annotations


class BgDeployError(Exception):
    """Base of every error the engine reports to the user."""


class ContentError(BgDeployError):
    """A problem in what the user gave us. `location` names the file, line and descriptor path."""

    def __init__(self, message: str, *, file: str = "", line: int | None = None, path: str = "") -> None:
        self.message = message
        self.file = file
        self.line = line
        self.path = path
        super().__init__(self.render())

    def render(self) -> str:
        where = self.file
        if where and self.line is not None:
            where = f"{where}:{self.line}"
        if self.path:
            where = f"{where}: {self.path}" if where else self.path
        return f"{where}: {self.message}" if where else self.message


class ConflictError(BgDeployError):
    def __init__(self, message: str, operation_id: str) -> None:
        self.operation_id = operation_id
        super().__init__(message)


class NotFoundError(BgDeployError):
    pass


class InvalidActionError(BgDeployError):
    pass


class OperationAborted(BgDeployError):
    """Raised inside a step when the user aborted the operation meanwhile."""


class InfrastructureError(BgDeployError):
    pass


class CloudControllerError(InfrastructureError):
    def __init__(self, status: int, title: str, detail: str, method: str = "", url: str = "", *,
                 code: int = 0) -> None:
        self.status = status
        self.title = title
        self.detail = detail
        self.code = code
        self.method = method
        self.url = url
        if title:
            text = f"{detail} ({title}, HTTP {status})"
        elif status:
            text = f"HTTP {status}: {detail}"
        else:
            text = f"Cloud Controller request {method} {url} failed: {detail}"
        super().__init__(text)


class TokenExpiredError(InfrastructureError):
    pass


class StepTimeoutError(InfrastructureError):
    pass
