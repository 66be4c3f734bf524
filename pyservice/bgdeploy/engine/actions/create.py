"""Creating a resource exactly once, even when an answer is lost.

A POST is never repeated blindly: after "name taken", or a failure where CC may have processed it (a 502
after the write, a reset, a read timeout), we look for the resource first and adopt it if it is there.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from bgdeploy.cc.errors import NameTaken, Unavailable

T = TypeVar("T")
ATTEMPTS = 4


def create_or_adopt(find: Callable[[], T | None], create: Callable[[], T]) -> T:
    for attempt in range(1, ATTEMPTS + 1):
        try:
            return create()
        except NameTaken:
            found = find()
            if found is not None:
                return found
            raise
        except Unavailable as exc:
            if exc.maybe_applied:
                found = find()
                if found is not None:
                    return found
            if attempt == ATTEMPTS:
                raise
    raise AssertionError("unreachable")
