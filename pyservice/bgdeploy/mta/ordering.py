"""Deploy order of modules (and parallel waves) and processing batches of resources."""

from __future__ import annotations

from collections.abc import Callable

from bgdeploy.errors import ContentError


def levels(
    names: list[str], deps: dict[str, list[str]], cycle_error: Callable[[list[str]], ContentError]
) -> list[list[str]]:
    """Group `names` into levels: each name after all its deps (deps outside `names` are ignored)."""
    known = set(names)
    pending = {n: [d for d in deps.get(n, []) if d in known and d != n] for n in names}
    done: set[str] = set()
    result = []
    while pending:
        level = [n for n in names if n in pending and all(d in done for d in pending[n])]
        if not level:
            raise cycle_error([n for n in names if n in pending])
        result.append(level)
        done.update(level)
        for n in level:
            del pending[n]
    return result


def requires_order(
    names: list[str],
    deps: dict[str, list[str]],
    hard: set[str],
    cycle_error: Callable[[list[str]], ContentError],
) -> list[str]:
    """Providers before consumers, descriptor order otherwise; a cycle is broken at its one `hard` module."""
    known = set(names)
    pending = {n: {d for d in deps.get(n, []) if d in known and d != n} for n in names}
    order: list[str] = []
    while pending:
        ready = next((n for n in names if n in pending and not pending[n]), None)
        if ready is None:
            stuck = [n for n in names if n in pending]
            hard_ones = [n for n in stuck if n in hard]
            if len(hard_ones) != 1:
                raise cycle_error(stuck)
            ready = hard_ones[0]
        order.append(ready)
        del pending[ready]
        for rest in pending.values():
            rest.discard(ready)
    return order
