"""Run independent Cloud Controller work side by side (apps of one wave, routes of one switch)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")


def map_all(fn: Callable[[T], R], items: Iterable[T], workers: int) -> list[R]:
    """fn on every item concurrently; waits for all, then raises the first error (in item order)."""
    todo = list(items)
    if len(todo) <= 1:
        return [fn(item) for item in todo]
    with ThreadPoolExecutor(max_workers=max(1, min(workers, len(todo)))) as pool:
        futures = [pool.submit(fn, item) for item in todo]
    first = next((e for f in futures if (e := f.exception()) is not None), None)
    if first is not None:
        raise first
    return [f.result() for f in futures]


def map_settled(fn: Callable[[T], R], items: Iterable[T], workers: int) -> list[tuple[R | None, BaseException | None]]:
    """Like map_all, but returns (result, error) per item so a caller can keep what succeeded."""
    todo = list(items)
    with ThreadPoolExecutor(max_workers=max(1, min(workers, len(todo) or 1))) as pool:
        futures = [pool.submit(fn, item) for item in todo]
    return [(None, e) if (e := f.exception()) is not None else (f.result(), None) for f in futures]
