"""Time, injected: the engine never calls `time.time()` or `time.sleep()` itself.

Deadlines that must survive a restart are wall-clock seconds (`now()`); waiting is `wait(event, s)`, which
returns early when the event is set (an abort). Tests pass a fake clock that jumps instead of sleeping.
"""

from __future__ import annotations

import threading
import time
from typing import Protocol


class Clock(Protocol):
    def now(self) -> float:
        """Wall-clock seconds since the epoch (persisted deadlines, timestamps)."""

    def wait(self, event: threading.Event, seconds: float) -> bool:
        """Wait up to `seconds`, or until `event` is set; True when it was set."""


class SystemClock:
    def now(self) -> float:
        return time.time()

    def wait(self, event: threading.Event, seconds: float) -> bool:
        return event.wait(max(0.0, seconds))


SYSTEM_CLOCK = SystemClock()
