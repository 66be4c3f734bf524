"""Progress is pushed: a watcher that read the store just before an event was emitted is woken at once,
not when its wait times out."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from bgdeploy.engine.events import EventBus
from bgdeploy.store import open_store


def test_an_event_between_read_and_wait_wakes_the_watcher_at_once(tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path / 'state.db'}")
    try:
        bus = EventBus(store)
        seen = bus.generation("op")
        bus.emit("op", "Staging application ...")  # after the watcher's read, before its wait
        started = time.monotonic()
        bus.wait("op", 5.0, seen=seen)
        assert time.monotonic() - started < 2.5  # not the 5 s timeout

        seen = bus.generation("op")
        threading.Timer(0.05, lambda: bus.emit("op", "Application staged")).start()
        started = time.monotonic()
        bus.wait("op", 5.0, seen=seen)
        assert 0.03 < time.monotonic() - started < 2.5  # woken by the emit, not the timeout
        assert [e.text for e in store.events("op")] == ["Staging application ...", "Application staged"]
    finally:
        store.close()
