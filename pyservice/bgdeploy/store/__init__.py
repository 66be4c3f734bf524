"""Persistent state: operations (with their step cursor and step data), their events, uploaded files.
SQLite for the local engine, PostgreSQL for a shared one; both behind `Store` (store.py)."""

from bgdeploy.store.connect import DatabaseUnavailable
from bgdeploy.store.records import ACTIVE_STATES, FINAL_STATES, EventRecord, FileRecord, OperationRecord
from bgdeploy.store.store import Store, open_store

__all__ = ["ACTIVE_STATES", "FINAL_STATES", "DatabaseUnavailable", "EventRecord", "FileRecord", "OperationRecord",
           "Store", "open_store"]
