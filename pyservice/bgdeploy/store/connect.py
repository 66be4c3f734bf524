"""How the store reaches its database: one SQLite connection (local engine), or a pool of PostgreSQL
connections that reconnects after the server went away (shared engine)."""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from bgdeploy.errors import InfrastructureError

log = logging.getLogger(__name__)


class DatabaseUnavailable(InfrastructureError):
    """The database could not be reached for longer than the store waits."""


@dataclass(frozen=True)
class Dialect:
    placeholder: str
    now: str  # SQL for the database's clock in epoch seconds: leases use one clock for every instance
    blob: str
    postgres: bool


SQLITE = Dialect("?", "((julianday('now') - 2440587.5) * 86400.0)", "BLOB", False)
POSTGRES = Dialect("%s", "EXTRACT(EPOCH FROM clock_timestamp())::double precision", "BYTEA", True)


class SqliteBackend:
    """One connection behind a lock: SQLite serialises writers anyway, and one engine owns the file."""

    dialect = SQLITE

    def __init__(self, path: str) -> None:
        self._lock = threading.RLock()
        self._conn = sqlite3.connect(path, check_same_thread=False, timeout=30)
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=NORMAL")

    @contextmanager
    def connection(self) -> Iterator[Any]:
        with self._lock:
            yield self._conn

    def ping(self) -> bool:
        return True

    def close(self) -> None:
        with self._lock:
            self._conn.close()


class PostgresBackend:
    """A psycopg_pool pool: connections are checked before use, and broken ones replaced."""

    dialect = POSTGRES

    def __init__(self, url: str, *, max_size: int = 16, connect_timeout_s: int = 3) -> None:
        from psycopg_pool import ConnectionPool

        self._pool = ConnectionPool(url, min_size=1, max_size=max_size, open=True, timeout=5.0,
                                    check=ConnectionPool.check_connection, reconnect_timeout=24 * 3600.0,
                                    kwargs={"connect_timeout": connect_timeout_s}, name="bgdeploy")

    @contextmanager
    def connection(self) -> Iterator[Any]:
        with self._pool.connection() as conn:
            yield conn

    def ping(self) -> bool:
        try:
            with self._pool.connection(timeout=2.0) as conn:
                conn.execute("SELECT 1")
            return True
        except Exception:
            return False

    def close(self) -> None:
        self._pool.close()


def transient(exc: BaseException) -> bool:
    """True for errors that say the database is (for now) out of reach, not that a statement is wrong."""
    try:
        import psycopg
        from psycopg_pool import PoolTimeout
    except ImportError:  # pragma: no cover - psycopg is a dependency
        return False
    if isinstance(exc, PoolTimeout):
        return True
    return isinstance(exc, psycopg.OperationalError) and not isinstance(exc, psycopg.errors.QueryCanceled)


def retrying(attempt: Callable[[], Any], outage_s: float) -> Any:
    """Run `attempt` (one whole transaction) again while the database is unreachable, up to `outage_s`."""
    deadline = time.monotonic() + outage_s
    pause = 0.2
    while True:
        try:
            return attempt()
        except Exception as exc:
            if not transient(exc):
                raise
            if time.monotonic() >= deadline:
                raise DatabaseUnavailable(f"The engine's database is unreachable: {exc}") from None
            log.warning("database unreachable (%s); trying again", type(exc).__name__)
            time.sleep(pause)
            pause = min(pause * 2, 2.0)


def backend_for(url: str) -> SqliteBackend | PostgresBackend:
    if url.startswith("sqlite:///"):
        path = url[len("sqlite:///") - 1 :] if url.startswith("sqlite:////") else url[len("sqlite:///"):]
        return SqliteBackend(path)
    if url.startswith(("postgresql://", "postgres://")):
        return PostgresBackend(url)
    raise ValueError("Unsupported database URL: use sqlite:///PATH or postgresql://...")
