"""A hold for kill-point sweeps: the API stops right after the k-th mutating request.

Mutating requests are POST/PUT/PATCH/DELETE to /v3 that the simulator processes (not /_sim, not UAA,
not the ones an injected fault answers without processing); they are counted all the time, so a
fault-free run tells a sweep its total T (`mutating_requests`, since start or `/_sim/reset`).

`POST /_sim/hold {"after_mutating": k, "mode": "after_response" | "before_response"}` arms the hold
for the k-th mutating request from now on:
- after_response: request k is processed and answered; then the hold has triggered.
- before_response: request k is processed; its answer is held back until release (then sent; a
  client that died meanwhile just loses it); the hold has triggered.
In both modes every API request that arrives after request k (any method, not /_sim, not UAA) waits
until release. A waiting request whose client disconnects is dropped unprocessed, as gorouter
cancels a request whose client went away before the backend got it.
`GET /_sim/hold`: the state; `POST /_sim/hold/release`: release everything and disarm.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable
from typing import Any

from .errors import unprocessable

MUTATING = frozenset({"POST", "PUT", "PATCH", "DELETE"})
MODES = ("after_response", "before_response")
UAA_PATHS = ("/login", "/oauth/")
WAIT_POLL_S = 0.05  # how often a waiting request checks whether its client is still there


def holdable(path: str) -> bool:
    """Whether a request to `path` is held back when the hold has been reached (CC API, not UAA)."""
    return not path.startswith(UAA_PATHS) and not path.startswith("/_sim/")


@dataclasses.dataclass
class Ticket:
    """A request's admission: `trigger` marks request k itself."""
    trigger: bool = False


class Hold:
    def __init__(self) -> None:
        self._cond = threading.Condition()
        self.mutating = 0  # mutating requests processed since start or reset
        self.waiting = 0  # requests waiting for release right now
        self._generation = 0  # bumped by every release: what waiting requests and a held answer wait for
        self._clear()

    def _clear(self) -> None:
        self.after_mutating: int | None = None  # armed: the trigger is mutating request armed_at + k
        self.mode = MODES[0]
        self.armed_at = 0
        self.reached = False  # request k has been admitted: later requests wait
        self.triggered = False  # request k answered (after_response) or its answer held (before_response)
        self.held: dict[str, Any] | None = None
        self.dropped = 0  # waiting requests dropped because their client went away
        self._generation += 1

    # ------------------------------------------------------------ control API
    def arm(self, body: dict[str, Any]) -> dict[str, Any]:
        unknown = [k for k in body if k not in ("after_mutating", "mode")]
        if unknown:
            raise unprocessable("Unknown field(s): '" + "', '".join(unknown) + "'")
        k = body.get("after_mutating")
        if not isinstance(k, int) or isinstance(k, bool) or k < 1:
            raise unprocessable("after_mutating must be an integer >= 1")
        mode = body.get("mode", MODES[0])
        if mode not in MODES:
            raise unprocessable("mode must be 'after_response' or 'before_response'")
        with self._cond:
            if self.reached:
                raise unprocessable("the hold has been reached; release it first")
            self.after_mutating, self.mode, self.armed_at = k, mode, self.mutating
            return self._state()

    def release(self) -> dict[str, Any]:
        with self._cond:
            state = self._state()
            self._clear()
            self._cond.notify_all()
            return state

    def reset(self) -> None:
        with self._cond:
            self._clear()
            self.mutating = 0
            self._cond.notify_all()

    def state(self) -> dict[str, Any]:
        with self._cond:
            return self._state()

    def _state(self) -> dict[str, Any]:
        return {"armed": self.after_mutating is not None, "after_mutating": self.after_mutating, "mode": self.mode,
                "armed_at": self.armed_at, "mutating_requests": self.mutating, "reached": self.reached,
                "triggered": self.triggered, "held": self.held, "waiting": self.waiting, "dropped": self.dropped}

    # ------------------------------------------------------------ API server
    def admit(self, method: str, path: str, processed: bool, client_gone: Callable[[], bool]) -> Ticket | None:
        """Wait while the hold is reached; count the request if it is a processed mutating one.
        None: the client went away while waiting, so the request is dropped."""
        if not holdable(path):
            return Ticket()
        with self._cond:
            if self.reached:
                generation = self._generation
                self.waiting += 1
                try:
                    while generation == self._generation:
                        if client_gone():
                            self.dropped += 1
                            return None
                        self._cond.wait(WAIT_POLL_S)
                finally:
                    self.waiting -= 1
            if not (processed and method in MUTATING and path.startswith("/v3")):
                return Ticket()
            self.mutating += 1
            trigger = self.after_mutating is not None and self.mutating == self.armed_at + self.after_mutating
            if trigger:
                self.reached = True
            return Ticket(trigger)

    def before_answer(self, ticket: Ticket, method: str, path: str, status: int) -> None:
        """Request k has been processed: note it; in before_response mode wait for release."""
        if not ticket.trigger:
            return
        with self._cond:
            self.held = {"method": method, "path": path, "status": status}
            if self.mode != "before_response":
                return
            self.triggered = True
            generation = self._generation
            while generation == self._generation:
                self._cond.wait()

    def after_answer(self, ticket: Ticket) -> None:
        """Request k has been answered (after_response mode): the hold has triggered."""
        if ticket.trigger:
            with self._cond:
                if self.reached and self.mode == "after_response":
                    self.triggered = True
