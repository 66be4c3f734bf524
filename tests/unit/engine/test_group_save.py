"""Group commit of an operation's saves: every save is covered by a write begun after it was asked for,
side-by-side saves share writes, a save under the state lock still writes, a failed write fails its caller."""

from __future__ import annotations

import threading
import time

import pytest

from bgdeploy.engine.group_save import GroupSave


class Store:
    """Writes a snapshot of `state` under `lock`, slowly enough for saves to queue up behind one."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.state: set[int] = set()
        self.written: list[set[int]] = []
        self.fail_next = False

    def write(self) -> None:
        with self.lock:
            snapshot = set(self.state)
        time.sleep(0.02)
        if self.fail_next:
            self.fail_next = False
            raise OSError("disk full")
        self.written.append(snapshot)


def test_ten_side_by_side_saves_share_writes_and_each_is_covered() -> None:
    store = Store()
    saves = GroupSave(store.write, store.lock)
    start = threading.Barrier(10)
    returned: dict[int, int] = {}

    def app(n: int) -> None:
        start.wait()
        with store.lock:
            store.state.add(n)  # the change, then the save that must cover it
        saves.save()
        returned[n] = len(store.written)

    threads = [threading.Thread(target=app, args=(n,)) for n in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert len(store.written) < 10  # one after the other, it would be ten
    for n, writes_then in returned.items():
        assert any(n in snapshot for snapshot in store.written[:writes_then]), n


def test_a_save_while_holding_the_state_lock_writes_at_once() -> None:
    store = Store()
    saves = GroupSave(store.write, store.lock)
    with store.lock:
        store.state.add(1)
        saves.save()  # would deadlock if it waited for a writer that needs the lock
    assert store.written == [{1}]


def test_a_failed_write_fails_its_caller_and_the_next_save_writes_again() -> None:
    store = Store()
    saves = GroupSave(store.write, store.lock)
    store.fail_next = True
    with pytest.raises(OSError, match="disk full"):
        saves.save()
    store.state.add(2)
    saves.save()
    assert store.written == [{2}]
