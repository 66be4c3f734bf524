"""One thread per running operation. Joins happen outside any engine lock."""

from __future__ import annotations

import threading
from collections.abc import Callable


class Workers:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._threads: dict[str, threading.Thread] = {}

    def launch(self, op_id: str, run: Callable[[], None], *, previous_timeout_s: float = 10.0) -> None:
        """Run `run` on a new thread for the operation (after its previous thread, if any, ended)."""
        with self._lock:
            previous = self._threads.get(op_id)
        if previous is not None and previous is not threading.current_thread():
            previous.join(previous_timeout_s)
        thread = threading.Thread(target=run, name=f"op-{op_id}", daemon=True)
        with self._lock:
            self._threads[op_id] = thread
        thread.start()

    def join(self, op_id: str, timeout_s: float) -> bool:
        """Wait for the operation's thread to end; True when it has (or there was none)."""
        with self._lock:
            thread = self._threads.get(op_id)
        if thread is None or thread is threading.current_thread():
            return True
        thread.join(timeout_s)
        return not thread.is_alive()

    def alive(self, op_id: str) -> bool:
        with self._lock:
            thread = self._threads.get(op_id)
        return thread is not None and thread.is_alive()

    def busy(self) -> bool:
        with self._lock:
            return any(t.is_alive() for t in self._threads.values())
