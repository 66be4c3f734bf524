"""The user's token for one operation: held in memory only, refreshed through an attached cf CLI.

The shim hands a token with every call. While a shim watches the operation the engine can ask it for a
fresh one (Event.token_request → WatchRequest.token). With nobody attached and the token near expiry,
the step fails with TokenExpiredError, and the user resumes with `-a retry` (which brings a new token).

An operation runs on the token of one user, its actor: whoever started it, or acted on it last. A
watcher's token is taken only if it is the actor's (`offer`); an action hands the operation over to the
user who asked (`hand_over`). An operation taken over from a dead engine instance has no token yet: its
first CC request waits (`adopt_wait_s`) for the actor's shim to reattach and bring one.
"""

from __future__ import annotations

import base64
import json
import threading
import time
from typing import Any

from bgdeploy.errors import TokenExpiredError

MARGIN_S = 60.0


def claims(token: str) -> dict[str, Any]:
    """The claims of a 'bearer <jwt>' token, not verified: Cloud Controller verifies the token itself,
    and only what CC accepted is trusted (server.authz)."""
    try:
        payload = token.split(" ", 1)[-1].split(".")[1]
        payload += "=" * (-len(payload) % 4)
        found = json.loads(base64.urlsafe_b64decode(payload))
        return found if isinstance(found, dict) else {}
    except (IndexError, ValueError, TypeError):
        return {}


def token_expiry(token: str) -> float | None:
    """The `exp` claim of a 'bearer <jwt>' token."""
    exp = claims(token).get("exp")
    try:
        return float(exp) if exp is not None else None
    except (TypeError, ValueError):
        return None


def token_user(token: str) -> str:
    """The user id (`user_id`, else `sub`) a token was issued to."""
    found = claims(token)
    return str(found.get("user_id") or found.get("sub") or "")


class TokenSource:
    def __init__(self, expired_message: str, wait_s: float = 30.0, *, actor: str = "",
                 adopt_wait_s: float = 0.0) -> None:
        self._cond = threading.Condition()
        self._token = ""
        self._exp: float | None = None
        self._actor = actor
        self._watchers = 0
        self._wanted = False
        self._wait_s = wait_s
        self._adopt_wait_s = adopt_wait_s
        self._expired_message = expired_message

    # -- fed by calls from the shim ---------------------------------------------------------------

    @property
    def actor(self) -> str:
        with self._cond:
            return self._actor

    def offer(self, token: str) -> bool:
        """A token from a watcher or a later call: taken only if it is the actor's own."""
        if not token:
            return False
        with self._cond:
            if self._actor and token_user(token) != self._actor:
                return False
            self._set(token)
            return True

    def hand_over(self, token: str) -> None:
        """An action (resume, retry): the operation goes on as the user who asked, on their token only."""
        with self._cond:
            self._actor = token_user(token)
            self._token, self._exp = "", None
            if token:
                self._set(token)

    update = offer  # the name the shim's refresh path has always used

    def _set(self, token: str) -> None:
        self._token = token
        self._exp = token_expiry(token)
        self._wanted = False
        self._cond.notify_all()

    def holds(self) -> bool:
        with self._cond:
            return bool(self._token)

    @property
    def watchers(self) -> int:
        with self._cond:
            return self._watchers

    def expect_token(self, wait_s: float, message: str) -> None:
        """No token yet (taken over): the first request waits `wait_s` for one, then fails with `message`."""
        with self._cond:
            self._adopt_wait_s = wait_s if not self._token else 0.0
            self._expired_message = message

    def attach(self) -> None:
        with self._cond:
            self._watchers += 1

    def detach(self) -> None:
        with self._cond:
            self._watchers -= 1
            self._cond.notify_all()

    def wanted(self) -> bool:
        """True when a watcher should ask its shim for a token now."""
        with self._cond:
            return self._wanted

    def wait_until_wanted(self, timeout: float) -> bool:
        with self._cond:
            self._cond.wait_for(lambda: self._wanted, timeout)
            return self._wanted

    def forget(self) -> None:
        """Drop the token (the operation paused, ended, failed or was aborted); nothing waits for one."""
        with self._cond:
            self._token, self._exp = "", None
            self._adopt_wait_s = 0.0
            self._cond.notify_all()

    # -- used by the CC client --------------------------------------------------------------------

    def token(self) -> str:
        with self._cond:
            if self._token and (self._exp is None or self._exp - time.time() > MARGIN_S):
                return self._token
        return self._fresh()

    def refresh(self) -> str:
        return self._fresh()

    def _fresh(self) -> str:
        with self._cond:
            if not self._token and self._adopt_wait_s > 0:
                # Taken over from a dead instance: the actor's shim reconnects and brings a token.
                self._cond.wait_for(lambda: bool(self._token) or self._adopt_wait_s <= 0, self._adopt_wait_s)
                self._adopt_wait_s = 0.0
                if self._token:
                    return self._token
            if self._watchers <= 0:
                raise TokenExpiredError(self._expired_message)
            old = self._token
            self._wanted = True
            self._cond.notify_all()
            self._cond.wait_for(lambda: self._token != old or self._watchers <= 0, self._wait_s)
            if self._token == old or not self._token:
                self._wanted = False
                raise TokenExpiredError(self._expired_message)
            return self._token


class StaticToken:
    """The token of one synchronous call (queries, pre-flight checks): no refresh is possible."""

    def __init__(self, token: str) -> None:
        self._token = token

    def token(self) -> str:
        return self._token

    def refresh(self) -> str:
        return self._token
