"""When to look again at asynchronous Cloud Controller work (staging, starting, broker jobs, deletes).

Polls start short and back off, so fast work is seen at once and slow work costs few requests. This is a
poll interval, not an error back-off: failures are retried by the transport or by the user's retry.
"""

from __future__ import annotations

FIRST_S = 0.2
FACTOR = 1.6
MAX_S = 1.0
STARTING_S = 0.6  # no app starts faster: the first look at starting instances comes after this


def next_poll(now: float, polls: int, first_s: float = FIRST_S) -> float:
    """Wall time of the next poll after `polls` polls so far."""
    return now + min(MAX_S, first_s * FACTOR ** polls)


def expired(now: float, since: float, timeout_s: float) -> bool:
    return bool(since) and now - since > timeout_s
