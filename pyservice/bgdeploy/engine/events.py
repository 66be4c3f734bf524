"""Progress events: persisted in the store (the operation's log) and pushed to live watchers at once."""

from __future__ import annotations

import logging
import threading
import time
from collections import defaultdict

from bgdeploy.store import EventRecord, Store

log = logging.getLogger(__name__)


class EventBus:
    def __init__(self, store: Store) -> None:
        self._store = store
        self._conds: dict[str, threading.Condition] = defaultdict(threading.Condition)
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
            cond.notify_all()

    def wait(self, op_id: str, timeout: float) -> None:
        cond = self._cond(op_id)
        with cond:
            cond.wait(timeout)


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
