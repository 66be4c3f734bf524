"""Where the smoke-tests step and the shims watching the operation meet (in memory, one box per operation).

The step posts a request (the temporary URLs, an attempt number); every Watch stream hands it once to its
shim (`Event.smoke_test_request`) and marks it delivered; the first `ReportSmokeTests` for that attempt
fills the box, later ones are refused. The step polls the box: nothing here waits. After an engine restart
the box is empty and the operation is in ERROR; `-a retry` posts a new attempt.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field


@dataclass(frozen=True)
class SmokeRequest:
    attempt: int
    idle_urls: dict[str, str]  # module -> temporary URL
    live_urls: dict[str, str]  # module -> productive URL
    mta_id: str
    mta_version: str
    timeout_s: int
    commands: int


@dataclass(frozen=True)
class SmokeOutcome:
    command: str
    passed: bool
    exit_code: int = 0
    timed_out: bool = False
    seconds: float = 0.0
    error: str = ""  # it could not run (not found, interrupted, unknown to that shim)

    def why(self) -> str:
        if self.error:
            return self.error
        if self.timed_out:
            return f"it did not finish within its timeout ({self.seconds:.1f} s)"
        return f"exit code {self.exit_code} after {self.seconds:.1f} s"


@dataclass
class SmokeBox:
    _request: SmokeRequest | None = None
    _delivered: bool = False  # a watcher handed the request to its shim
    _report: list[SmokeOutcome] | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def post(self, request: SmokeRequest) -> None:
        with self._lock:
            self._request, self._delivered, self._report = request, False, None

    def withdraw(self) -> None:
        with self._lock:
            self._request, self._delivered, self._report = None, False, None

    def pending(self) -> SmokeRequest | None:
        """The request a watcher should hand to its shim (None once answered)."""
        with self._lock:
            return self._request if self._report is None else None

    def attempt(self) -> int:
        """The attempt the box waits on (0: none, e.g. after an engine restart)."""
        with self._lock:
            return self._request.attempt if self._request is not None else 0

    def mark_delivered(self, attempt: int) -> None:
        with self._lock:
            if self._request is not None and self._request.attempt == attempt:
                self._delivered = True

    def was_delivered(self, attempt: int) -> bool:
        with self._lock:
            return self._delivered and self._request is not None and self._request.attempt == attempt

    def report(self, attempt: int, outcomes: list[SmokeOutcome]) -> bool:
        """True when this report answers the pending request (the first one for its attempt)."""
        with self._lock:
            if self._request is None or self._request.attempt != attempt or self._report is not None:
                return False
            self._report = list(outcomes)
            return True

    def answer(self, attempt: int) -> list[SmokeOutcome] | None:
        with self._lock:
            if self._request is None or self._request.attempt != attempt:
                return None
            return self._report
