"""Progress events: persisted in the store (the operation's log) and pushed to live watchers at once."""

from __future__ import annotations

import logging
import threading
import time
from collections import defaultdict

from bgdeploy.store import EventRecord, Store

log = logging.getLogger(__name__)


class EventBus:
    """Watchers wait for a change of an operation's generation (bumped after every event and state
    change), so a change between a watcher's read and its wait is never missed: it is pushed at once."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._conds: dict[str, threading.Condition] = defaultdict(threading.Condition)
        self._generations: dict[str, int] = defaultdict(int)
        self._lock = threading.Lock()

    def _cond(self, op_id: str) -> threading.Condition:
        with self._lock:
            return self._conds[op_id]

    def emit(self, op_id: str, text: str, *, level: str = "INFO", phase: str = "", app: str = "",
             route: str = "", module: str = "") -> None:
        ev = EventRecord(op_id, 0, time.time(), level, text, phase, app, route, module)
        self._store.append_event(ev)
        log.info("[%s] %s", op_id, text)
        self.notify(op_id)

    def notify(self, op_id: str) -> None:
        cond = self._cond(op_id)
        with cond:
            self._generations[op_id] += 1
            cond.notify_all()

    def generation(self, op_id: str) -> int:
        """Read this before reading the store; then `wait(op_id, timeout, seen=...)` returns at once if
        anything happened in between."""
        cond = self._cond(op_id)
        with cond:
            return self._generations[op_id]

    def wait(self, op_id: str, timeout: float, *, seen: int | None = None) -> None:
        cond = self._cond(op_id)
        with cond:
            if seen is None:
                cond.wait(timeout)
            else:
                cond.wait_for(lambda: self._generations[op_id] != seen, timeout)


class ProgressLog:
    """What a step tells the user (info/warn) and the operation's log only (debug)."""

    def __init__(self, bus: EventBus, op_id: str) -> None:
        self._bus = bus
        self._op_id = op_id

    def info(self, text: str, **about: str) -> None:
        self._bus.emit(self._op_id, text, **about)

    def warn(self, text: str, **about: str) -> None:
        self._bus.emit(self._op_id, text, level="WARN", **about)

    def error(self, text: str, **about: str) -> None:
        self._bus.emit(self._op_id, text, level="ERROR", **about)

    def debug(self, text: str, **about: str) -> None:
        self._bus.emit(self._op_id, text, level="DEBUG", **about)
