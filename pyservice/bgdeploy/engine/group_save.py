"""Saves asked for side by side share one write (group commit).

The apps of one wave advance on threads, and each saves the plan after every change it records. Done one
after the other, ten apps' saves are ten encodings and ten writes in a row, on the critical path of the
switch. Here a save returns once a write that *began after it was asked for* has finished, so it covers
the caller's change all the same, while the callers that queued up during one write share the next.
"""

from __future__ import annotations

import threading
from collections.abc import Callable


class GroupSave:
    def __init__(self, write: Callable[[], None], lock: threading.RLock) -> None:
        self._write = write  # takes `lock` itself: one snapshot of the state, one write
        self._lock = lock
        self._cond = threading.Condition()
        self._asked = 0  # saves asked for so far
        self._covered = 0  # every save up to this one is in a finished write
        self._writing = False

    def save(self) -> None:
        if self._lock._is_owned():  # type: ignore[attr-defined]
            # the caller holds the state lock, which the writer needs: write here, nothing interleaves
            self._write()
            return
        with self._cond:
            self._asked += 1
            ticket = self._asked
            while self._writing:
                self._cond.wait()
            if self._covered >= ticket:
                return
            self._writing = True
            covers = self._asked
        try:
            self._write()
        except BaseException:
            self._finish(0)  # those waiting write themselves (and see the error themselves)
            raise
        self._finish(covers)

    def _finish(self, covers: int) -> None:
        with self._cond:
            self._writing = False
            self._covered = max(self._covered, covers)
            self._cond.notify_all()
