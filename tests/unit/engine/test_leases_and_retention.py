"""Leases, conditional writes, file chunks and retention in the store, on SQLite and on PostgreSQL."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from bgdeploy.server.files import FileStore
from bgdeploy.store import Store, open_store
from bgdeploy.store.blobs import CHUNK_BYTES
from bgdeploy.store.records import ABORTED, ACTION_REQUIRED, ERROR, RUNNING

from .test_store import op


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    if request.param == "sqlite":
        s = open_store(f"sqlite:///{tmp_path / 'state.db'}")
        yield s
        s.close()
        return
    from pgserver import postgres

    with postgres() as url:
        s = open_store(url)
        yield s
        s.close()


def test_an_abort_is_never_overwritten_by_the_owner(store: Store) -> None:
    assert store.insert_if_unlocked(op("1"), owner="a", lease_s=30) is None
    running = store.get_operation("1")
    assert running is not None
    running.cursor = 3
    assert store.save_operation(running, owner="a")
    assert not store.save_operation(running, owner="b")  # not the owner
    assert store.request_abort("1")
    running.cursor = 4
    assert not store.save_operation(running, owner="a")  # the abort was asked for: the owner's write is refused
    assert store.finish_abort("1", time.time())
    running.state = ERROR
    assert not store.save_operation(running, owner="a")
    final = store.get_operation("1")
    assert final is not None and final.state == ABORTED and final.cursor == 3 and not final.locked


def test_a_dead_owners_operations_are_claimed_once_its_lease_expired(store: Store) -> None:
    assert store.insert_if_unlocked(op("1"), owner="a", lease_s=0.3) is None
    assert store.claim_orphans("b", 10) == []  # A's lease still runs
    assert store.renew("a", ["1"], 0.3) == {"1": False}
    time.sleep(0.5)
    assert store.claim_orphans("a", 10, running_here=["1"]) == []  # never one our runner still runs
    assert store.claim_orphans("b", 10) == ["1"]
    assert store.claim_orphans("c", 10) == []  # B holds it now
    assert store.renew("a", ["1"], 10) == {}  # A (back from the dead) learns it lost the operation
    assert store.lease_live("1")
    store.release("1", "b")
    assert not store.lease_live("1")


def test_an_action_moves_only_from_the_states_it_expects(store: Store) -> None:
    store.insert_operation(op("1", ACTION_REQUIRED))
    paused = store.get_operation("1")
    assert paused is not None
    paused.state = RUNNING
    assert store.save_operation(paused, owner="b", from_states=(ERROR, ACTION_REQUIRED), claim_lease_s=10)
    assert store.lease_live("1")
    assert not store.save_operation(paused, owner="c", from_states=(ERROR, ACTION_REQUIRED), claim_lease_s=10)


def test_idle_operations_are_aborted_after_the_ttl(store: Store) -> None:
    for op_id, state in (("1", ACTION_REQUIRED), ("2", ERROR), ("3", RUNNING)):
        store.insert_operation(replace(op(op_id, state), mta_id=f"m{op_id}"))  # one active operation per MTA
    assert store.abort_idle(3600, time.time()) == []
    time.sleep(0.3)
    assert sorted(store.abort_idle(0.1, time.time())) == ["1", "2"]
    states = {i: store.get_operation(i).state for i in "123"}  # type: ignore[union-attr]
    assert states == {"1": ABORTED, "2": ABORTED, "3": RUNNING}


def test_uploads_in_the_database_round_trip_and_are_copied_once(store: Store, tmp_path: Path) -> None:
    files = FileStore(store, str(tmp_path / "state"), in_database=True)
    data = bytes(range(256)) * 9000  # > 2 chunks
    digest = hashlib.sha256(data).hexdigest()
    chunks = (data[i : i + 70000] for i in range(0, len(data), 70000))
    rec, reused = files.save(chunks, file_name="a.mtar", kind="ARCHIVE", size=len(data), sha256=digest,
                             space_guid="s")
    assert not reused and rec.path == "" and not list((tmp_path / "state" / "files").iterdir())
    again, reused = files.save(iter([data]), file_name="a.mtar", kind="ARCHIVE", size=len(data), sha256=digest,
                               space_guid="s")
    assert reused and again.id == rec.id
    copy = store.local_copy(rec, str(tmp_path / "cache"))
    assert Path(copy).read_bytes() == data
    with pytest.raises(Exception, match="incomplete or corrupt"):
        files.save(iter([data[:-1]]), file_name="b.mtar", kind="ARCHIVE", size=len(data), sha256=digest,
                   space_guid="other")
    assert store.stray_chunks(0) == []  # a broken upload leaves no chunks behind
    store.delete_file(rec)
    assert store.get_file(rec.id) is None and list(store.chunks(rec.id)) == []


def test_large_views_are_stored_in_rows_of_one_chunk(store: Store, tmp_path: Path) -> None:
    """The plugin's messages arrive as views (server/upload_parts.py) of any size; rows stay CHUNK_BYTES."""
    files = FileStore(store, str(tmp_path / "state"), in_database=True)
    data = bytes(range(256)) * (CHUNK_BYTES // 256) * 5 + b"tail"
    parts = [memoryview(data)[i : i + 5 * CHUNK_BYTES // 2] for i in range(0, len(data), 5 * CHUNK_BYTES // 2)]
    rec, _ = files.save(iter(parts), file_name="a.mtar", kind="ARCHIVE", size=len(data),
                        sha256=hashlib.sha256(data).hexdigest(), space_guid="s")
    rows = list(store.chunks(rec.id))
    assert [len(r) for r in rows] == [CHUNK_BYTES] * 5 + [4] and b"".join(rows) == data


def test_a_version_1_database_gains_the_new_columns(tmp_path: Path) -> None:
    import sqlite3

    path = tmp_path / "old.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE schema_version (version INTEGER NOT NULL)")
    conn.execute("INSERT INTO schema_version VALUES (1)")
    conn.execute("""CREATE TABLE operations (id TEXT PRIMARY KEY, process_type TEXT NOT NULL, state TEXT NOT NULL,
        space_guid TEXT NOT NULL, org_guid TEXT NOT NULL, org_name TEXT NOT NULL, space_name TEXT NOT NULL,
        api_endpoint TEXT NOT NULL, skip_ssl INTEGER NOT NULL, started_by TEXT NOT NULL,
        started_at DOUBLE PRECISION NOT NULL, mta_id TEXT NOT NULL, mta_version TEXT NOT NULL,
        namespace TEXT NOT NULL, ended_at DOUBLE PRECISION, phase TEXT NOT NULL, live_color TEXT NOT NULL,
        idle_color TEXT NOT NULL, error_type TEXT NOT NULL, error_message TEXT NOT NULL,
        archive_id TEXT NOT NULL, archive_name TEXT NOT NULL, ext_ids TEXT NOT NULL, options TEXT NOT NULL,
        cursor INTEGER NOT NULL, data TEXT NOT NULL, locked INTEGER NOT NULL)""")
    conn.execute("INSERT INTO operations VALUES ('7','DEPLOY','ACTION_REQUIRED','s','o','o','s','x',0,'u',1.0,'m',"
                 "'1','',NULL,'','','','','','','','[]','{}',2,'{}',1)")
    conn.commit()
    conn.close()
    store = open_store(f"sqlite:///{path}")
    old = store.get_operation("7")
    assert old is not None and old.cursor == 2 and old.actor == ""
    assert store.save_operation(old, owner="x", from_states=(ACTION_REQUIRED,), claim_lease_s=5)
