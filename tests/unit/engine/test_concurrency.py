"""Side-by-side CC work: every item runs, results keep the items' order, the first error wins."""

from __future__ import annotations

import threading

import pytest

from bgdeploy.engine.concurrency import both, map_all


def test_both_runs_its_two_lookups_at_the_same_time() -> None:
    meet = threading.Barrier(2, timeout=5)  # one after the other, the first would wait here in vain

    def lookup(value: str) -> str:
        meet.wait()
        return value

    assert both(lambda: lookup("routes"), lambda: lookup("instances")) == ("routes", "instances")


def test_both_raises_what_either_raised() -> None:
    def broken() -> str:
        raise ValueError("no such route")

    with pytest.raises(ValueError, match="no such route"):
        both(lambda: "fine", broken)
    with pytest.raises(ValueError, match="no such route"):
        both(broken, lambda: "fine")


def test_map_all_keeps_the_order_and_raises_the_first_error_after_all_ran() -> None:
    ran: list[int] = []

    def work(n: int) -> int:
        ran.append(n)
        if n in (2, 3):
            raise RuntimeError(f"item {n}")
        return n * 10

    assert map_all(lambda n: n * 10, [3, 1, 2], 4) == [30, 10, 20]
    with pytest.raises(RuntimeError, match="item 2"):
        map_all(work, [1, 2, 3, 4], 4)
    assert sorted(ran) == [1, 2, 3, 4]
