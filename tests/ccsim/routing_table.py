"""Routing tables and the router instances that learn them.

A table is an immutable snapshot of every route with the RUNNING instances of its destinations,
computed once per route/instance change. Each `RouterInstance` (one gorouter behind the load
balancer) installs the snapshots after its own propagation delay, in the order the changes
happened: a snapshot is never installed before an earlier one, so a removal learnt is never undone
by an addition arriving late.
"""

from __future__ import annotations

import itertools
import re
import time
from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:
    from .simulator import Simulator
    from .state import Clock

# gorouter's format of X-Cf-App-Instance: a lower-case app guid, a colon, a decimal instance index
APP_INSTANCE = re.compile(r"^([0-9a-f]{8}-(?:[0-9a-f]{4}-){3}[0-9a-f]{12}):(\d+)$")


class Endpoint(NamedTuple):
    addr: str
    port: int
    app_guid: str
    index: int


class RouteEntry(NamedTuple):
    path: str
    route_guid: str
    endpoints: tuple[Endpoint, ...]


Table = dict[str, list[RouteEntry]]  # lower-case host → entries, longest path first


def compute_table(sim: Simulator) -> Table:
    """The routing table of the current state (simulator lock held)."""
    store = sim.store
    table: Table = {}
    for route in store.all("routes"):
        domain = store.find("domains", route["domain_guid"])
        if domain is None:
            continue
        host = f"{route['host']}.{domain['name']}" if route["host"] else domain["name"]
        endpoints = []
        for dest in route["destinations"]:
            app_guid = dest["app"]["guid"]
            for addr, port, index in sim.runner.running_endpoints(app_guid, dest["app"]["process"]["type"]):
                endpoints.append(Endpoint(addr, port, app_guid, index))
        table.setdefault(host.lower(), []).append(RouteEntry(route["path"], route["guid"], tuple(endpoints)))
    for entries in table.values():
        entries.sort(key=lambda e: len(e.path), reverse=True)
    return table


def lookup(table: Table, host: str, path: str) -> RouteEntry | None:
    """The entry for host (port ignored) and the longest route path that prefixes `path`."""
    entries = table.get(host.split(":")[0].lower())
    if not entries:
        return None
    for entry in entries:
        if not entry.path or path == entry.path or path.startswith((entry.path + "/", entry.path + "?")):
            return entry
    return None


def parse_app_instance(value: str) -> tuple[str, str] | None:
    """(app guid, index as written) of a well-formed X-Cf-App-Instance value, else None."""
    match = APP_INSTANCE.match(value)
    return (match.group(1), match.group(2)) if match else None


def describe_table(table: Table) -> dict[str, Any]:
    return {
        host: [{"path": e.path, "route_guid": e.route_guid,
                "endpoints": [f"{p.addr}:{p.port}" for p in e.endpoints],
                "instances": [f"{p.app_guid}:{p.index}" for p in e.endpoints],
                "apps": sorted({p.app_guid for p in e.endpoints})} for e in entries]
        for host, entries in table.items()
    }


class RouterInstance:
    """One gorouter: the table it has learnt so far and its own round-robin positions."""

    def __init__(self, index: int, table: Table, version: int) -> None:
        self.index = index
        self.table = table
        self.version = version  # the last change this instance has applied
        self.served = 0
        self._applies_at = 0.0  # monotonic time at which the last queued change gets applied
        self._round_robin: dict[str, itertools.count[int]] = {}

    def learn(self, clock: Clock, delay_s: float, table: Table, version: int) -> None:
        """Apply snapshot `version` after `delay_s`, but never before the snapshots queued earlier."""
        now = time.monotonic()
        self._applies_at = max(now + delay_s, self._applies_at)

        def apply() -> None:
            if version > self.version:  # a sync may have installed a newer table already
                self.table, self.version = table, version

        clock.call_later(self._applies_at - now, apply)

    def sync(self, table: Table, version: int) -> None:
        """Install `table` now; changes still travelling become no-ops."""
        self.table, self.version = table, version
        self._applies_at = time.monotonic()

    def next_index(self, entry: RouteEntry) -> int:
        """Round-robin position in the entry's endpoints, kept across table versions like a pool."""
        counter = self._round_robin.setdefault(entry.route_guid, itertools.count())
        return next(counter) % len(entry.endpoints)
