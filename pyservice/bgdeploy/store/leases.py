"""Who runs an operation: a lease (owner, expires_at on the database's clock) renewed by a heartbeat.

An instance that dies stops renewing; once its leases expire another instance claims the RUNNING
operations (`claim_orphans`, with FOR UPDATE SKIP LOCKED on PostgreSQL so two claimers never pick the
same row). An abort is a flag in the row (`abort_requested`) that the owner reads with its heartbeat.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bgdeploy.store.base import Queries
from bgdeploy.store.records import ABORTED, ACTIVE_STATES, RUNNING


class LeaseQueries:
    def claim(self: Queries, op_id: str, owner: str, lease_s: float) -> bool:
        """Own a RUNNING operation whose lease is free, expired or already ours."""
        return self._execute(
            "UPDATE operations SET owner = ?, lease_expires = NOW() + ? WHERE id = ? AND state = ? "
            "AND abort_requested = 0 AND (owner = '' OR owner = ? OR lease_expires < NOW())",
            (owner, lease_s, op_id, RUNNING, owner)) == 1

    def renew(self: Queries, owner: str, op_ids: Sequence[str], lease_s: float) -> dict[str, bool]:
        """Extend our leases; returns {op id: abort requested} for those we still own (missing: lost)."""
        if not op_ids:
            return {}
        marks = ", ".join("?" for _ in op_ids)

        def work(cur: Any) -> dict[str, bool]:
            cur.execute(self.sql(f"UPDATE operations SET lease_expires = NOW() + ? WHERE owner = ? "
                                 f"AND id IN ({marks})"), (lease_s, owner, *op_ids))
            cur.execute(self.sql(f"SELECT id, abort_requested FROM operations WHERE owner = ? AND id IN ({marks})"),
                        (owner, *op_ids))
            return {row[0]: bool(row[1]) for row in cur.fetchall()}

        return self._do(work)

    def release(self: Queries, op_id: str, owner: str) -> None:
        self._execute("UPDATE operations SET owner = '', lease_expires = 0 WHERE id = ? AND owner = ?",
                      (op_id, owner))

    def lease_live(self: Queries, op_id: str) -> bool:
        """Some instance owns the operation and its lease has not expired."""
        rows = self._query("SELECT 1 FROM operations WHERE id = ? AND owner <> '' AND lease_expires >= NOW()",
                           (op_id,))
        return bool(rows)

    def claim_orphans(self: Queries, owner: str, lease_s: float, limit: int = 8,
                      running_here: Sequence[str] = ()) -> list[str]:
        """RUNNING operations nobody holds (their instance died, or our own runner gave up during a long
        database outage): claim up to `limit` of them. Never those our runners still run."""
        skip = f" AND id NOT IN ({', '.join('?' for _ in running_here)})" if running_here else ""
        select = ("SELECT id FROM operations WHERE state = ? AND abort_requested = 0 "
                  f"AND (owner = '' OR lease_expires < NOW()){skip} ORDER BY started_at LIMIT ?")
        args = (RUNNING, *running_here, limit)
        if self.dialect.postgres:
            rows = self._query(f"UPDATE operations SET owner = ?, lease_expires = NOW() + ? "
                               f"WHERE id IN ({select} FOR UPDATE SKIP LOCKED) RETURNING id",
                               (owner, lease_s, *args))
            return [r[0] for r in rows]
        claimed = []
        for (op_id,) in self._query(select, args):
            if self.claim(op_id, owner, lease_s):
                claimed.append(op_id)
        return claimed

    def request_abort(self: Queries, op_id: str) -> bool:
        marks = ", ".join("?" for _ in ACTIVE_STATES)
        return self._execute(f"UPDATE operations SET abort_requested = 1 WHERE id = ? AND state IN ({marks})",
                             (op_id, *ACTIVE_STATES)) == 1

    def finish_abort(self: Queries, op_id: str, ended_at: float) -> bool:
        """Record ABORTED and release the MTA lock and the lease (only from an active state)."""
        marks = ", ".join("?" for _ in ACTIVE_STATES)
        return self._execute(
            f"UPDATE operations SET state = ?, locked = 0, ended_at = ?, owner = '', lease_expires = 0, "
            f"abort_requested = 0, version = version + 1, updated_at = NOW() WHERE id = ? AND state IN ({marks})",
            (ABORTED, ended_at, op_id, *ACTIVE_STATES)) == 1

    def pending_aborts(self: Queries) -> list[str]:
        """Aborts asked for whose owner is gone: nobody else will finish them."""
        rows = self._query("SELECT id FROM operations WHERE abort_requested = 1 "
                           "AND (owner = '' OR lease_expires < NOW())")
        return [r[0] for r in rows]
