"""The store: one small SQL schema, spoken to SQLite (local engine) or PostgreSQL (shared engine).

Writes are single statements or short transactions, so a crash loses at most the step in flight,
which is idempotent and simply runs again on retry.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, fields
from typing import Any

from bgdeploy.store.records import ACTIVE_STATES, EventRecord, FileRecord, OperationRecord

SCHEMA_VERSION = 1
SCHEMA = [
    """CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)""",
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
    # The MTA lock, enforced by the database: two engines (or threads) racing to start an operation of the
    # same MTA cannot both insert a locked, active one.
    """CREATE UNIQUE INDEX IF NOT EXISTS operations_lock ON operations (space_guid, mta_id, namespace)
        WHERE locked = 1 AND state IN ('RUNNING', 'ACTION_REQUIRED', 'ERROR')""",
    """CREATE TABLE IF NOT EXISTS events (
        op_id TEXT NOT NULL, seq INTEGER NOT NULL, time DOUBLE PRECISION NOT NULL, level TEXT NOT NULL,
        text TEXT NOT NULL, phase TEXT NOT NULL, app TEXT NOT NULL, route TEXT NOT NULL, module TEXT NOT NULL,
        PRIMARY KEY (op_id, seq))""",
    """CREATE TABLE IF NOT EXISTS files (
        id TEXT PRIMARY KEY, sha256 TEXT NOT NULL, kind TEXT NOT NULL, size BIGINT NOT NULL,
        file_name TEXT NOT NULL, space_guid TEXT NOT NULL, created_at DOUBLE PRECISION NOT NULL,
        path TEXT NOT NULL)""",
    """CREATE INDEX IF NOT EXISTS files_digest ON files (sha256, kind, space_guid)""",
    """CREATE TABLE IF NOT EXISTS operation_models (
        op_id TEXT NOT NULL, phase TEXT NOT NULL, model TEXT NOT NULL, PRIMARY KEY (op_id, phase))""",
]

_OP_FIELDS = [f.name for f in fields(OperationRecord)]


class _LockTaken(Exception):
    """Another writer inserted a locked operation of the same MTA between our check and our insert."""
_JSON_FIELDS = {"ext_ids", "options", "data"}
_BOOL_FIELDS = {"skip_ssl", "locked"}


class Store:
    """Thread-safe access to the engine's tables."""

    def __init__(self, connect: Any, placeholder: str) -> None:
        self._connect = connect
        self._ph = placeholder
        self._lock = threading.RLock()
        self._conn = connect()
        with self._tx() as cur:
            for stmt in SCHEMA:
                cur.execute(stmt)
            cur.execute("SELECT version FROM schema_version")
            if cur.fetchone() is None:
                cur.execute(self._sql("INSERT INTO schema_version (version) VALUES (?)"), (SCHEMA_VERSION,))

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def _sql(self, sql: str) -> str:
        return sql.replace("?", self._ph) if self._ph != "?" else sql

    @contextmanager
    def _tx(self) -> Iterator[Any]:
        with self._lock:
            cur = self._conn.cursor()
            try:
                yield cur
                self._conn.commit()
            except BaseException:
                self._conn.rollback()
                raise
            finally:
                cur.close()

    def _query(self, sql: str, args: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        with self._tx() as cur:
            cur.execute(self._sql(sql), tuple(args))
            return list(cur.fetchall())

    # -- operations -------------------------------------------------------------------------------

    def insert_operation(self, op: OperationRecord) -> None:
        row = _op_row(op)
        cols = ", ".join(_OP_FIELDS)
        marks = ", ".join("?" for _ in _OP_FIELDS)
        with self._tx() as cur:
            cur.execute(self._sql(f"INSERT INTO operations ({cols}) VALUES ({marks})"), row)

    def save_operation(self, op: OperationRecord) -> None:
        sets = ", ".join(f"{f} = ?" for f in _OP_FIELDS if f != "id")
        row = _op_row(op)
        with self._tx() as cur:
            cur.execute(self._sql(f"UPDATE operations SET {sets} WHERE id = ?"), (*row[1:], op.id))

    def get_operation(self, op_id: str) -> OperationRecord | None:
        rows = self._query(f"SELECT {', '.join(_OP_FIELDS)} FROM operations WHERE id = ?", (op_id,))
        return _op_from_row(rows[0]) if rows else None

    def operation_exists(self, op_id: str) -> bool:
        return bool(self._query("SELECT 1 FROM operations WHERE id = ?", (op_id,)))

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

    def insert_if_unlocked(self, op: OperationRecord, models: dict[str, Any] | None = None) -> OperationRecord | None:
        """Atomically: insert `op` (with its resolved models) unless another active operation holds its
        MTA's lock (returned then, and nothing is written).

        The unique index `operations_lock` decides between writers that race; engines sharing one PostgreSQL
        database also serialise on a transaction-scoped advisory lock first, so the loser sees the holder."""
        marks = ", ".join("?" for _ in ACTIVE_STATES)
        try:
            with self._tx() as cur:
                if self._ph == "%s":
                    cur.execute("SELECT pg_advisory_xact_lock(hashtext(%s))",
                                (f"{op.space_guid}/{op.mta_id}/{op.namespace}",))
                cur.execute(
                    self._sql(f"SELECT {', '.join(_OP_FIELDS)} FROM operations WHERE space_guid = ? AND mta_id = ? "
                              f"AND namespace = ? AND locked = 1 AND state IN ({marks}) ORDER BY started_at"),
                    (op.space_guid, op.mta_id, op.namespace, *ACTIVE_STATES),
                )
                row = cur.fetchone()
                if row is not None:
                    return _op_from_row(row)
                cols = ", ".join(_OP_FIELDS)
                try:
                    cur.execute(self._sql(f"INSERT INTO operations ({cols}) "
                                          f"VALUES ({', '.join('?' for _ in _OP_FIELDS)})"), _op_row(op))
                except Exception as exc:  # sqlite3.IntegrityError, psycopg.errors.UniqueViolation
                    if "operations_lock" in str(exc) or "UNIQUE constraint failed: operations.space_guid" in str(exc):
                        raise _LockTaken from exc
                    raise
                for phase, model in (models or {}).items():
                    cur.execute(self._sql("INSERT INTO operation_models (op_id, phase, model) VALUES (?, ?, ?)"),
                                (op.id, phase, json.dumps(model, separators=(",", ":"))))
                return None
        except _LockTaken:
            holder = self.lock_holder(op.space_guid, op.mta_id, op.namespace)
            if holder is None:  # released meanwhile: try again
                return self.insert_if_unlocked(op, models)
            return holder

    def models(self, op_id: str) -> dict[str, Any]:
        rows = self._query("SELECT phase, model FROM operation_models WHERE op_id = ?", (op_id,))
        return {phase: json.loads(model) for phase, model in rows}

    # -- events -----------------------------------------------------------------------------------

    def append_event(self, ev: EventRecord) -> EventRecord:
        with self._tx() as cur:
            cur.execute(self._sql("SELECT COALESCE(MAX(seq), 0) FROM events WHERE op_id = ?"), (ev.op_id,))
            ev.seq = int(cur.fetchone()[0]) + 1
            cur.execute(
                self._sql("INSERT INTO events (op_id, seq, time, level, text, phase, app, route, module) "
                          "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"),
                (ev.op_id, ev.seq, ev.time, ev.level, ev.text, ev.phase, ev.app, ev.route, ev.module),
            )
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
        with self._tx() as cur:
            cur.execute(
                self._sql("INSERT INTO files (id, sha256, kind, size, file_name, space_guid, created_at, path) "
                          "VALUES (?, ?, ?, ?, ?, ?, ?, ?)"),
                tuple(asdict(rec).values()),
            )

    def get_file(self, file_id: str) -> FileRecord | None:
        rows = self._query("SELECT id, sha256, kind, size, file_name, space_guid, created_at, path "
                           "FROM files WHERE id = ?", (file_id,))
        return FileRecord(*rows[0]) if rows else None

    def find_file(self, sha256: str, kind: str, space_guid: str) -> FileRecord | None:
        rows = self._query("SELECT id, sha256, kind, size, file_name, space_guid, created_at, path FROM files "
                           "WHERE sha256 = ? AND kind = ? AND space_guid = ? ORDER BY created_at DESC",
                           (sha256, kind, space_guid))
        return FileRecord(*rows[0]) if rows else None


def _op_row(op: OperationRecord) -> tuple[Any, ...]:
    values = []
    for name in _OP_FIELDS:
        value = getattr(op, name)
        if name in _JSON_FIELDS:
            value = json.dumps(value, sort_keys=True)
        elif name in _BOOL_FIELDS:
            value = int(bool(value))
        values.append(value)
    return tuple(values)


def _op_from_row(row: Sequence[Any]) -> OperationRecord:
    kwargs: dict[str, Any] = {}
    for name, value in zip(_OP_FIELDS, row, strict=True):
        if name in _JSON_FIELDS:
            value = json.loads(value)
        elif name in _BOOL_FIELDS:
            value = bool(value)
        kwargs[name] = value
    return OperationRecord(**kwargs)


def open_store(url: str) -> Store:
    """`sqlite:///path/state.db` or `postgresql://user@host/db`."""
    if url.startswith("sqlite:///"):
        path = url[len("sqlite:///") - 1 :] if url.startswith("sqlite:////") else url[len("sqlite:///"):]

        def connect_sqlite() -> sqlite3.Connection:
            conn = sqlite3.connect(path, check_same_thread=False, timeout=30)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            return conn

        return Store(connect_sqlite, "?")
    if url.startswith(("postgresql://", "postgres://")):
        import psycopg

        def connect_pg() -> Any:
            return psycopg.connect(url)

        return Store(connect_pg, "%s")
    raise ValueError(f"Unsupported database URL {url!r}: use sqlite:///PATH or postgresql://...")


def now() -> float:
    return time.time()
