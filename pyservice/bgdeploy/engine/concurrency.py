"""Run independent Cloud Controller work side by side (apps of one wave, routes of one switch)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from bgdeploy.engine.step import StepContext

T = TypeVar("T")
R = TypeVar("R")
A = TypeVar("A")
B = TypeVar("B")


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


def advance_together(ctx: StepContext, advances: list[Callable[[], float | None]], workers: int) -> float | None:
    """Advance every work item side by side as far as it goes; save; raise the first error (after all
    finished); else the earliest time one of them wants to be looked at again (None: all done)."""
    results = map_settled(lambda advance: advance(), advances, workers)
    ctx.save()
    error = next((e for _, e in results if e is not None), None)
    if error is not None:
        raise error
    ctx.check_aborted()
    waits = [r for r, _ in results if r is not None]
    return min(waits) if waits else None


def both(first: Callable[[], A], second: Callable[[], B]) -> tuple[A, B]:
    """Two independent lookups side by side: one round trip instead of two."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        later = pool.submit(second)
        a = first()
    return a, later.result()
