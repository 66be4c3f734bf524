"""Run independent Cloud Controller work side by side (apps of one wave, routes of one switch)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")


def run_all(fn: Callable[[T], object], items: Iterable[T], workers: int) -> None:
    """Call fn on every item concurrently; wait for all, then raise the first error (if any)."""
    todo = list(items)
    if not todo:
        return
    if len(todo) == 1:
        fn(todo[0])
        return
    with ThreadPoolExecutor(max_workers=max(1, min(workers, len(todo)))) as pool:
        futures = [pool.submit(fn, item) for item in todo]
    errors = [f.exception() for f in futures]
    first = next((e for e in errors if e is not None), None)
    if first is not None:
        raise first
