import time
from pathlib import Path

from bgdeploy.store import EventRecord, OperationRecord, open_store


def op(op_id: str, state: str = "RUNNING") -> OperationRecord:
    return OperationRecord(id=op_id, process_type="BLUE_GREEN_DEPLOY", state=state, space_guid="s", org_guid="o",
                           org_name="o", space_name="s", api_endpoint="x", skip_ssl=False, started_by="u",
                           started_at=time.time(), mta_id="m", data={"detect": {"apps": [1]}})


def test_operation_round_trip_and_lock(tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path / 'state.db'}")
    assert store.insert_if_unlocked(op("1")) is None
    holder = store.insert_if_unlocked(op("2"))
    assert holder is not None and holder.id == "1"
    first = store.get_operation("1")
    assert first is not None and first.data == {"detect": {"apps": [1]}}
    first.state, first.locked = "ABORTED", False
    store.save_operation(first)
    assert store.insert_if_unlocked(op("2")) is None


def test_events_are_numbered_per_operation(tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path / 'state.db'}")
    for text in ("a", "b"):
        store.append_event(EventRecord("1", 0, time.time(), "INFO", text))
    assert [e.seq for e in store.events("1")] == [1, 2]
    assert [e.text for e in store.events("1", after_seq=1)] == ["b"]


def test_state_survives_reopen(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'state.db'}"
    open_store(url).insert_operation(op("7", "ACTION_REQUIRED"))
    again = open_store(url).get_operation("7")
    assert again is not None and again.state == "ACTION_REQUIRED"


def test_postgresql_store_shares_state_between_engines() -> None:
    from pgserver import postgres

    with postgres() as url:
        one, two = open_store(url), open_store(url)  # two engines, one database
        assert one.insert_if_unlocked(op("1")) is None
        holder = two.insert_if_unlocked(op("2"))
        assert holder is not None and holder.id == "1"
        one.append_event(EventRecord("1", 0, time.time(), "INFO", "hello"))
        assert [e.text for e in two.events("1")] == ["hello"]
        one.close()
        two.close()


def test_the_lock_holds_when_two_writers_race(tmp_path: Path) -> None:
    """Two engines on one database both found no holder before either inserted: the database's unique index
    refuses the second insert, and the loser gets the holder instead of a second lock."""
    url = f"sqlite:///{tmp_path / 'state.db'}"
    first, second = open_store(url), open_store(url)
    real = second.backend._conn  # type: ignore[union-attr]

    class Cursor:
        def __init__(self) -> None:
            self.cur = real.cursor()

        def execute(self, sql: str, args: tuple = ()) -> object:
            if sql.startswith("INSERT INTO operations "):
                assert first.insert_if_unlocked(op("1")) is None  # the other engine wins the race here
            return self.cur.execute(sql, args)

        def __getattr__(self, name: str) -> object:
            return getattr(self.cur, name)

    class Connection:
        def cursor(self) -> Cursor:
            return Cursor()

        def __getattr__(self, name: str) -> object:
            return getattr(real, name)

    second.backend._conn = Connection()  # type: ignore[union-attr]
    holder = second.insert_if_unlocked(op("2"))
    assert holder is not None and holder.id == "1"
    second.backend._conn = real  # type: ignore[union-attr]
    assert second.get_operation("2") is None
    assert [o.id for o in first.list_operations("s")] == ["1"]
