"""The store: one small SQL schema, spoken to SQLite (local engine) or PostgreSQL (shared engine).

Every write is one short transaction, run again while the database is out of reach (connect.retrying),
so a crash or an outage loses at most the step in flight, which is idempotent.

Several engine instances may share one PostgreSQL database. Columns that only the database decides
(`owner`, `lease_expires`, `abort_requested`, `version`, `updated_at`) are never part of a full-row
write, and a full-row write only lands while the operation is not aborted (and, for a runner, while its
instance still owns it): an abort can never be overwritten. Leases are in leases.py, file contents in
blobs.py, retention in retention.py.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable, Sequence
from dataclasses import asdict
from typing import Any, TypeVar

from bgdeploy.store.base import FILE_COLUMNS, OP_FIELDS, op_from_row, op_row
from bgdeploy.store.blobs import BlobQueries
from bgdeploy.store.connect import PostgresBackend, SqliteBackend, backend_for, retrying
from bgdeploy.store.leases import LeaseQueries
from bgdeploy.store.records import ACTIVE_STATES, FINAL_STATES, EventRecord, FileRecord, OperationRecord
from bgdeploy.store.retention import RetentionQueries

T = TypeVar("T")
SCHEMA_VERSION = 2
_OP_FIELDS = OP_FIELDS
_FILE_COLUMNS = FILE_COLUMNS
# Added in schema 2 (existing local databases get them on open): (name, SQL type and default).
CONTROL_COLUMNS = [
    ("actor", "TEXT NOT NULL DEFAULT ''"), ("lock_marker", "TEXT NOT NULL DEFAULT ''"),
    ("owner", "TEXT NOT NULL DEFAULT ''"), ("lease_expires", "DOUBLE PRECISION NOT NULL DEFAULT 0"),
    ("abort_requested", "INTEGER NOT NULL DEFAULT 0"), ("version", "INTEGER NOT NULL DEFAULT 0"),
    ("updated_at", "DOUBLE PRECISION NOT NULL DEFAULT 0"),
]


def _schema(blob: str) -> list[str]:
    return [
        """CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)""",
        """CREATE TABLE IF NOT EXISTS engine_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)""",
        """CREATE TABLE IF NOT EXISTS operations (
            id TEXT PRIMARY KEY, process_type TEXT NOT NULL, state TEXT NOT NULL,
            space_guid TEXT NOT NULL, org_guid TEXT NOT NULL, org_name TEXT NOT NULL, space_name TEXT NOT NULL,
            api_endpoint TEXT NOT NULL, skip_ssl INTEGER NOT NULL, started_by TEXT NOT NULL,
            started_at DOUBLE PRECISION NOT NULL, mta_id TEXT NOT NULL, mta_version TEXT NOT NULL,
            namespace TEXT NOT NULL, ended_at DOUBLE PRECISION, phase TEXT NOT NULL, live_color TEXT NOT NULL,
            idle_color TEXT NOT NULL, error_type TEXT NOT NULL, error_message TEXT NOT NULL,
            archive_id TEXT NOT NULL, archive_name TEXT NOT NULL, ext_ids TEXT NOT NULL, options TEXT NOT NULL,
            cursor INTEGER NOT NULL, data TEXT NOT NULL, locked INTEGER NOT NULL)""",
        """CREATE INDEX IF NOT EXISTS operations_mta ON operations (space_guid, mta_id, namespace)""",
        # The MTA lock, enforced by the database: two engines (or threads) racing to start an operation of
        # the same MTA cannot both insert a locked, active one.
        """CREATE UNIQUE INDEX IF NOT EXISTS operations_lock ON operations (space_guid, mta_id, namespace)
            WHERE locked = 1 AND state IN ('RUNNING', 'ACTION_REQUIRED', 'ERROR')""",
        """CREATE INDEX IF NOT EXISTS operations_state ON operations (state)""",
        """CREATE TABLE IF NOT EXISTS events (
            op_id TEXT NOT NULL, seq INTEGER NOT NULL, time DOUBLE PRECISION NOT NULL, level TEXT NOT NULL,
            text TEXT NOT NULL, phase TEXT NOT NULL, app TEXT NOT NULL, route TEXT NOT NULL, module TEXT NOT NULL,
            PRIMARY KEY (op_id, seq))""",
        """CREATE TABLE IF NOT EXISTS files (
            id TEXT PRIMARY KEY, sha256 TEXT NOT NULL, kind TEXT NOT NULL, size BIGINT NOT NULL,
            file_name TEXT NOT NULL, space_guid TEXT NOT NULL, created_at DOUBLE PRECISION NOT NULL,
            path TEXT NOT NULL)""",
        """CREATE INDEX IF NOT EXISTS files_digest ON files (sha256, kind, space_guid)""",
        f"""CREATE TABLE IF NOT EXISTS file_chunks (
            file_id TEXT NOT NULL, seq INTEGER NOT NULL, data {blob} NOT NULL,
            created_at DOUBLE PRECISION NOT NULL, PRIMARY KEY (file_id, seq))""",
        """CREATE TABLE IF NOT EXISTS operation_models (
            op_id TEXT NOT NULL, phase TEXT NOT NULL, model TEXT NOT NULL, PRIMARY KEY (op_id, phase))""",
    ]


class _LockTaken(Exception):
    """Another writer inserted a locked operation of the same MTA between our check and our insert."""


class Store(LeaseQueries, BlobQueries, RetentionQueries):
    """Thread-safe access to the engine's tables."""

    def __init__(self, backend: SqliteBackend | PostgresBackend, *, outage_s: float = 30.0) -> None:
        self.backend = backend
        self.dialect = backend.dialect
        self.outage_s = outage_s
        self.engine_id = self._do(self._create_schema)

    @property
    def shared(self) -> bool:
        """PostgreSQL: other engine instances may use the same database."""
        return self.dialect.postgres

    def close(self) -> None:
        self.backend.close()

    def ping(self) -> bool:
        return self.backend.ping()

    def _create_schema(self, cur: Any) -> str:
        if self.dialect.postgres:  # two instances starting at once must not race on CREATE TABLE
            cur.execute("SELECT pg_advisory_xact_lock(7411)")
        for stmt in _schema(self.dialect.blob):
            cur.execute(stmt)
        present = self._columns(cur, "operations")
        for name, decl in CONTROL_COLUMNS:
            if name not in present:
                cur.execute(f"ALTER TABLE operations ADD COLUMN {name} {decl}")
        cur.execute("SELECT version FROM schema_version")
        row = cur.fetchone()
        if row is None:
            cur.execute(self.sql("INSERT INTO schema_version (version) VALUES (?)"), (SCHEMA_VERSION,))
        elif row[0] < SCHEMA_VERSION:
            cur.execute(self.sql("UPDATE schema_version SET version = ?"), (SCHEMA_VERSION,))
        cur.execute("SELECT value FROM engine_meta WHERE key = 'engine_id'")
        row = cur.fetchone()
        if row is not None:
            return str(row[0])
        engine_id = secrets.token_hex(8)
        cur.execute(self.sql("INSERT INTO engine_meta (key, value) VALUES ('engine_id', ?)"), (engine_id,))
        return engine_id

    def _columns(self, cur: Any, table: str) -> set[str]:
        if self.dialect.postgres:
            cur.execute("SELECT column_name FROM information_schema.columns WHERE table_name = %s", (table,))
            return {r[0] for r in cur.fetchall()}
        cur.execute(f"PRAGMA table_info({table})")
        return {r[1] for r in cur.fetchall()}

    # -- transactions -----------------------------------------------------------------------------

    def sql(self, sql: str) -> str:
        sql = sql.replace("NOW()", self.dialect.now)
        return sql.replace("?", self.dialect.placeholder) if self.dialect.placeholder != "?" else sql

    def _do(self, work: Callable[[Any], T]) -> T:
        """Run `work(cursor)` as one transaction (again, from the start, while the database is away)."""

        def attempt() -> T:
            with self.backend.connection() as conn:
                cur = conn.cursor()
                try:
                    result = work(cur)
                    conn.commit()
                    return result
                except BaseException:
                    conn.rollback()
                    raise
                finally:
                    cur.close()

        return retrying(attempt, self.outage_s)

    def _query(self, sql: str, args: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        def work(cur: Any) -> list[tuple[Any, ...]]:
            cur.execute(self.sql(sql), tuple(args))
            return list(cur.fetchall())

        return self._do(work)

    def _execute(self, sql: str, args: Sequence[Any] = ()) -> int:
        """One statement; returns the number of rows it changed."""

        def work(cur: Any) -> int:
            cur.execute(self.sql(sql), tuple(args))
            return int(cur.rowcount)

        return self._do(work)

    # -- operations -------------------------------------------------------------------------------

    def insert_operation(self, op: OperationRecord) -> None:
        self._do(lambda cur: self._insert_op(cur, op, ""))

    def _insert_op(self, cur: Any, op: OperationRecord, owner: str, lease_s: float = 0.0) -> None:
        cols = ", ".join([*_OP_FIELDS, "owner", "lease_expires", "updated_at"])
        marks = ", ".join("?" for _ in _OP_FIELDS)
        cur.execute(self.sql(f"INSERT INTO operations ({cols}) VALUES ({marks}, ?, NOW() + ?, NOW())"),
                    (*_op_row(op), owner, lease_s))

    def save_operation(self, op: OperationRecord, *, owner: str | None = None,
                       from_states: Sequence[str] | None = None, claim_lease_s: float | None = None) -> bool:
        """Write the whole record unless the operation was aborted or ended meanwhile; with `owner`, only
        while that instance still owns it; with `from_states`, only from one of them (an action), and
        `claim_lease_s` makes `owner` the new owner. False when nothing was written."""
        sets = [f"{f} = ?" for f in _OP_FIELDS if f != "id"]
        args: list[Any] = list(_op_row(op)[1:])
        sets += ["version = version + 1", "updated_at = NOW()"]
        if claim_lease_s is not None:
            sets += ["owner = ?", "lease_expires = NOW() + ?"]
            args += [owner or "", claim_lease_s]
        where = ["id = ?", "abort_requested = 0", f"state NOT IN ({', '.join('?' for _ in FINAL_STATES)})"]
        args += [op.id, *FINAL_STATES]
        if from_states is not None:
            where.append(f"state IN ({', '.join('?' for _ in from_states)})")
            args += list(from_states)
        elif owner is not None:
            where.append("owner = ?")
            args.append(owner)
        return self._execute(f"UPDATE operations SET {', '.join(sets)} WHERE {' AND '.join(where)}", args) == 1

    def get_operation(self, op_id: str) -> OperationRecord | None:
        rows = self._query(f"SELECT {', '.join(_OP_FIELDS)} FROM operations WHERE id = ?", (op_id,))
        return _op_from_row(rows[0]) if rows else None

    def operation_exists(self, op_id: str) -> bool:
        return bool(self._query("SELECT 1 FROM operations WHERE id = ?", (op_id,)))

    def delete_operation(self, op_id: str) -> None:
        def work(cur: Any) -> None:
            for table, column in (("operation_models", "op_id"), ("events", "op_id"), ("operations", "id")):
                cur.execute(self.sql(f"DELETE FROM {table} WHERE {column} = ?"), (op_id,))

        self._do(work)

    def list_operations(self, space_guid: str, *, mta_id: str = "", states: Sequence[str] = (),
                        last: int = 0) -> list[OperationRecord]:
        sql = f"SELECT {', '.join(_OP_FIELDS)} FROM operations WHERE space_guid = ?"
        args: list[Any] = [space_guid]
        if mta_id:
            sql += " AND mta_id = ?"
            args.append(mta_id)
        if states:
            sql += f" AND state IN ({', '.join('?' for _ in states)})"
            args.extend(states)
        sql += " ORDER BY started_at DESC"
        if last:
            sql += f" LIMIT {int(last)}"
        return [_op_from_row(r) for r in self._query(sql, args)]

    def operations_in_state(self, state: str) -> list[OperationRecord]:
        rows = self._query(f"SELECT {', '.join(_OP_FIELDS)} FROM operations WHERE state = ?", (state,))
        return [_op_from_row(r) for r in rows]

    def lock_holder(self, space_guid: str, mta_id: str, namespace: str) -> OperationRecord | None:
        """The active operation that holds the lock of this MTA in this space, if any."""
        marks = ", ".join("?" for _ in ACTIVE_STATES)
        rows = self._query(
            f"SELECT {', '.join(_OP_FIELDS)} FROM operations WHERE space_guid = ? AND mta_id = ? "
            f"AND namespace = ? AND locked = 1 AND state IN ({marks}) ORDER BY started_at",
            (space_guid, mta_id, namespace, *ACTIVE_STATES),
        )
        return _op_from_row(rows[0]) if rows else None

    def insert_if_unlocked(self, op: OperationRecord, models: dict[str, Any] | None = None, *,
                           owner: str = "", lease_s: float = 0.0) -> OperationRecord | None:
        """Atomically: insert `op` (with its resolved models, owned by `owner`) unless another active
        operation holds its MTA's lock (returned then, and nothing is written).

        The unique index `operations_lock` decides between writers that race; engines sharing one PostgreSQL
        database also serialise on a transaction-scoped advisory lock first, so the loser sees the holder."""
        marks = ", ".join("?" for _ in ACTIVE_STATES)

        def work(cur: Any) -> OperationRecord | None:
            if self.dialect.postgres:
                cur.execute("SELECT pg_advisory_xact_lock(hashtext(%s))",
                            (f"{op.space_guid}/{op.mta_id}/{op.namespace}",))
            cur.execute(
                self.sql(f"SELECT {', '.join(_OP_FIELDS)} FROM operations WHERE space_guid = ? AND mta_id = ? "
                         f"AND namespace = ? AND locked = 1 AND state IN ({marks}) ORDER BY started_at"),
                (op.space_guid, op.mta_id, op.namespace, *ACTIVE_STATES),
            )
            row = cur.fetchone()
            if row is not None:
                return _op_from_row(row)
            try:
                self._insert_op(cur, op, owner, lease_s)
            except Exception as exc:  # sqlite3.IntegrityError, psycopg.errors.UniqueViolation
                if "operations_lock" in str(exc) or "UNIQUE constraint failed: operations.space_guid" in str(exc):
                    raise _LockTaken from exc
                raise
            for phase, model in (models or {}).items():
                cur.execute(self.sql("INSERT INTO operation_models (op_id, phase, model) VALUES (?, ?, ?)"),
                            (op.id, phase, json.dumps(model, separators=(",", ":"))))
            return None

        try:
            return self._do(work)
        except _LockTaken:
            holder = self.lock_holder(op.space_guid, op.mta_id, op.namespace)
            if holder is None:  # released meanwhile: try again
                return self.insert_if_unlocked(op, models, owner=owner, lease_s=lease_s)
            return holder

    def models(self, op_id: str) -> dict[str, Any]:
        rows = self._query("SELECT phase, model FROM operation_models WHERE op_id = ?", (op_id,))
        return {phase: json.loads(model) for phase, model in rows}

    # -- events -----------------------------------------------------------------------------------

    def append_event(self, ev: EventRecord) -> EventRecord:
        def work(cur: Any) -> None:
            if self.dialect.postgres:  # instances may log to one operation at once (an abort through another)
                cur.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (f"events/{ev.op_id}",))
            cur.execute(self.sql("SELECT COALESCE(MAX(seq), 0) FROM events WHERE op_id = ?"), (ev.op_id,))
            ev.seq = int(cur.fetchone()[0]) + 1
            cur.execute(
                self.sql("INSERT INTO events (op_id, seq, time, level, text, phase, app, route, module) "
                         "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"),
                (ev.op_id, ev.seq, ev.time, ev.level, ev.text, ev.phase, ev.app, ev.route, ev.module),
            )

        self._do(work)
        return ev

    def events(self, op_id: str, after_seq: int = 0) -> list[EventRecord]:
        rows = self._query(
            "SELECT op_id, seq, time, level, text, phase, app, route, module FROM events "
            "WHERE op_id = ? AND seq > ? ORDER BY seq", (op_id, after_seq),
        )
        return [EventRecord(*r) for r in rows]

    def last_seq(self, op_id: str) -> int:
        rows = self._query("SELECT COALESCE(MAX(seq), 0) FROM events WHERE op_id = ?", (op_id,))
        return int(rows[0][0])

    # -- files ------------------------------------------------------------------------------------

    def insert_file(self, rec: FileRecord) -> None:
        self._execute(f"INSERT INTO files ({_FILE_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                      tuple(asdict(rec).values()))

    def get_file(self, file_id: str) -> FileRecord | None:
        rows = self._query(f"SELECT {_FILE_COLUMNS} FROM files WHERE id = ?", (file_id,))
        return FileRecord(*rows[0]) if rows else None

    def find_file(self, sha256: str, kind: str, space_guid: str) -> FileRecord | None:
        rows = self._query(f"SELECT {_FILE_COLUMNS} FROM files WHERE sha256 = ? AND kind = ? AND space_guid = ? "
                           "ORDER BY created_at DESC", (sha256, kind, space_guid))
        return FileRecord(*rows[0]) if rows else None


_op_row, _op_from_row = op_row, op_from_row


def open_store(url: str, *, outage_s: float = 30.0) -> Store:
    """`sqlite:///path/state.db` or `postgresql://user@host/db`."""
    return Store(backend_for(url), outage_s=outage_s)
