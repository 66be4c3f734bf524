"""What the engine forgets: files of ended operations, old uploads, operations idle for too long."""

from __future__ import annotations

from bgdeploy.store.base import FILE_COLUMNS, OP_COLUMNS, Queries, op_from_row
from bgdeploy.store.records import ABORTED, ACTION_REQUIRED, ACTIVE_STATES, ERROR, FileRecord


class RetentionQueries:
    def abort_idle(self: Queries, idle_s: float, ended_at: float) -> list[str]:
        """Abort operations that have waited in ACTION_REQUIRED or ERROR for longer than `idle_s`
        (which releases their lock); returns their ids."""
        rows = self._query("SELECT id FROM operations WHERE state IN (?, ?) AND abort_requested = 0 "
                           "AND updated_at < NOW() - ?", (ACTION_REQUIRED, ERROR, idle_s))
        aborted = []
        for (op_id,) in rows:
            changed = self._execute(
                "UPDATE operations SET state = ?, locked = 0, ended_at = ?, owner = '', lease_expires = 0, "
                "version = version + 1, updated_at = NOW() WHERE id = ? AND state IN (?, ?) "
                "AND updated_at < NOW() - ?", (ABORTED, ended_at, op_id, ACTION_REQUIRED, ERROR, idle_s))
            if changed:
                aborted.append(op_id)
        return aborted

    def files_in_use(self: Queries) -> set[str]:
        """Ids of the files that active operations refer to (archive and extension descriptors)."""
        marks = ", ".join("?" for _ in ACTIVE_STATES)
        rows = self._query(f"SELECT {OP_COLUMNS} FROM operations WHERE state IN ({marks})", ACTIVE_STATES)
        used: set[str] = set()
        for row in rows:
            op = op_from_row(row)
            used.update([op.archive_id, *op.ext_ids])
        return used - {""}

    def files_older_than(self: Queries, age_s: float) -> list[FileRecord]:
        rows = self._query(f"SELECT {FILE_COLUMNS} FROM files WHERE created_at < NOW() - ?", (age_s,))
        return [FileRecord(*r) for r in rows]

    def stray_chunks(self: Queries, age_s: float) -> list[str]:
        """Chunks of uploads that never completed (no file row), older than `age_s`."""
        rows = self._query("SELECT DISTINCT file_id FROM file_chunks WHERE created_at < NOW() - ? "
                           "AND file_id NOT IN (SELECT id FROM files)", (age_s,))
        return [r[0] for r in rows]
