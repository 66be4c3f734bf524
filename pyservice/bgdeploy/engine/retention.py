"""Periodic clean-up: operations idle in ACTION_REQUIRED or ERROR for longer than the TTL are aborted
(the official service's default is 5 days), and uploads older than their TTL that no active operation
uses are deleted, as are the chunks of uploads that never completed."""

from __future__ import annotations

import logging
import threading

from bgdeploy import messages as msg
from bgdeploy.engine.api import Engine

log = logging.getLogger(__name__)
STRAY_CHUNK_AGE_S = 3600.0


def sweep(engine: Engine) -> None:
    store, settings = engine.store, engine.settings
    for op_id in store.abort_idle(settings.idle_ttl_s, engine.clock.now()):
        engine.bus.emit(op_id, f"Aborted after {settings.idle_ttl_s / 3600:g} idle hours", level="WARN")
        engine.bus.emit(op_id, msg.PROCESS_ABORTED, level="WARN")
        op = store.get_operation(op_id)
        if op is not None:
            engine.ended(op)
    in_use = store.files_in_use()
    for rec in store.files_older_than(settings.file_ttl_s):
        if rec.id not in in_use:
            store.delete_file(rec)
    for file_id in store.stray_chunks(min(STRAY_CHUNK_AGE_S, settings.file_ttl_s)):
        store.delete_chunks(file_id)


class Sweeper:
    def __init__(self, engine: Engine, every_s: float = 60.0) -> None:
        self.engine = engine
        self.every_s = every_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="retention", daemon=True)

    def start(self) -> Sweeper:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()

    def _loop(self) -> None:
        while True:
            try:
                sweep(self.engine)
            except Exception as exc:
                log.warning("retention sweep failed: %s", exc)
            if self._stop.wait(self.every_s):
                return
