"""The simulator's data: resource tables keyed by guid, plus the clock that runs timed transitions.

All tables are guarded by one re-entrant lock (`Simulator.lock`); handlers and timed callbacks run
with it held, so every request sees a consistent state.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

from .errors import not_found

Resource = dict[str, Any]
log = logging.getLogger("ccsim")

KINDS = (
    "organizations", "spaces", "users", "roles", "domains", "stacks", "apps", "packages", "builds",
    "droplets", "processes", "routes", "service_brokers", "service_offerings", "service_plans",
    "service_instances", "service_credential_bindings", "jobs", "tasks", "space_quotas",
)


def now_iso(at: float | None = None) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(at if at is not None else time.time()))


def new_guid() -> str:
    return str(uuid.uuid4())


class Store:
    def __init__(self) -> None:
        self.tables: dict[str, dict[str, Resource]] = {k: {} for k in KINDS}
        self._seq = itertools.count(1)

    def add(self, kind: str, resource: Resource) -> Resource:
        resource.setdefault("guid", new_guid())
        stamp = now_iso()
        resource.setdefault("created_at", stamp)
        resource.setdefault("updated_at", stamp)
        resource["_seq"] = next(self._seq)
        self.tables[kind][resource["guid"]] = resource
        return resource

    def get(self, kind: str, guid: str, missing: str) -> Resource:
        """The resource or CC's 404 ("<missing> not found")."""
        resource = self.tables[kind].get(guid)
        if resource is None:
            raise not_found(missing)
        return resource

    def find(self, kind: str, guid: str | None) -> Resource | None:
        return self.tables[kind].get(guid) if guid else None

    def remove(self, kind: str, guid: str) -> Resource | None:
        return self.tables[kind].pop(guid, None)

    def all(self, kind: str) -> list[Resource]:
        return list(self.tables[kind].values())

    def where(self, kind: str, **fields: Any) -> list[Resource]:
        return [r for r in self.tables[kind].values() if all(r.get(k) == v for k, v in fields.items())]

    @staticmethod
    def touch(resource: Resource) -> None:
        resource["updated_at"] = now_iso()


class Clock:
    """Runs callbacks after a delay on one thread, with the simulator lock held."""

    def __init__(self, lock: threading.RLock) -> None:
        self._lock = lock
        self._cond = threading.Condition()
        self._heap: list[tuple[float, int, Callable[[], None]]] = []
        self._ids = itertools.count()
        self._stopped = False
        self._thread = threading.Thread(target=self._run, name="ccsim-clock", daemon=True)
        self._thread.start()

    def call_later(self, delay: float, fn: Callable[[], None]) -> None:
        with self._cond:
            heapq.heappush(self._heap, (time.monotonic() + max(0.0, delay), next(self._ids), fn))
            self._cond.notify()

    def stop(self) -> None:
        with self._cond:
            self._stopped = True
            self._cond.notify()

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._stopped and (not self._heap or self._heap[0][0] > time.monotonic()):
                    timeout = self._heap[0][0] - time.monotonic() if self._heap else None
                    self._cond.wait(timeout)
                if self._stopped:
                    return
                _, _, fn = heapq.heappop(self._heap)
            try:
                with self._lock:
                    fn()
            except Exception:
                log.exception("timed callback failed")
