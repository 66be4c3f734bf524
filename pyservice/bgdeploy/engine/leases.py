"""The heartbeat of one engine instance: renew the leases of the operations it runs, notice aborts asked
through other instances (within one beat), and, on a shared database, take over the RUNNING operations
of instances that died (their leases expired) and finish aborts whose owner is gone."""

from __future__ import annotations

import logging
import threading

from bgdeploy import messages as msg
from bgdeploy.engine.api import Engine

log = logging.getLogger(__name__)


class LeaseKeeper:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="leases", daemon=True)

    def start(self) -> LeaseKeeper:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(5.0)

    def _loop(self) -> None:
        while not self._stop.wait(self.engine.settings.heartbeat_s):
            try:
                self.beat()
            except Exception as exc:  # the database is away: try again next beat
                log.warning("lease heartbeat failed: %s", exc)

    def beat(self) -> None:
        engine, store, settings = self.engine, self.engine.store, self.engine.settings
        live = engine.live_operations()
        owned = store.renew(engine.instance, list(live), settings.lease_s)
        for op_id, flag in live.items():
            if op_id not in owned or owned[op_id]:  # lost the lease, or an abort was asked for
                flag.set()
        if not settings.takeover:
            return
        for op_id in store.pending_aborts():
            if store.finish_abort(op_id, engine.clock.now()):
                engine.bus.emit(op_id, msg.PROCESS_ABORTED, level="WARN")
        for op_id in store.claim_orphans(engine.instance, settings.lease_s, running_here=list(live)):
            log.info("taking over operation %s", op_id)
            engine.adopt(op_id)
