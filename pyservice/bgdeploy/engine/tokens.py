"""The user's token for one operation: held in memory only, refreshed through an attached cf CLI.

The shim hands a token with every call. While a shim watches the operation the engine can ask it for a
fresh one (Event.token_request → WatchRequest.token). With nobody attached and the token near expiry,
the step fails with TokenExpiredError, and the user resumes with `-a retry` (which brings a new token).
"""

from __future__ import annotations

import base64
import json
import threading
import time

from bgdeploy.errors import TokenExpiredError

MARGIN_S = 60.0


def token_expiry(token: str) -> float | None:
    """The `exp` claim of a 'bearer <jwt>' token, without verifying it (CC does that)."""
    try:
        payload = token.split(" ", 1)[-1].split(".")[1]
        payload += "=" * (-len(payload) % 4)
        exp = json.loads(base64.urlsafe_b64decode(payload)).get("exp")
        return float(exp) if exp is not None else None
    except (IndexError, ValueError, TypeError):
        return None


class TokenSource:
    def __init__(self, expired_message: str, wait_s: float = 30.0) -> None:
        self._cond = threading.Condition()
        self._token = ""
        self._exp: float | None = None
        self._watchers = 0
        self._wanted = False
        self._wait_s = wait_s
        self._expired_message = expired_message

    # -- fed by calls from the shim ---------------------------------------------------------------

    def update(self, token: str) -> None:
        if not token:
            return
        with self._cond:
            self._token = token
            self._exp = token_expiry(token)
            self._wanted = False
            self._cond.notify_all()

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
        with self._cond:
            self._token, self._exp = "", None

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
