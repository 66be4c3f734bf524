"""Writing an upload to disk next to receiving it.

The disk write and the digest both release the GIL, so while one chunk goes to disk in the writer's thread
the next one is received and hashed. At most `depth` chunks wait for the disk: the engine's memory stays flat
however large the file is.
"""

from __future__ import annotations

import os
import queue
import threading
from types import TracebackType

Chunk = bytes | memoryview


def write_all(fd: int, chunk: Chunk) -> None:
    view = memoryview(chunk)
    while view:
        view = view[os.write(fd, view):]


class BackgroundWriter:
    """`with BackgroundWriter(fd) as out: out.write(chunk)`; leaving the block waits for every write and
    raises the first write error, if the block itself did not raise."""

    def __init__(self, fd: int, depth: int = 4) -> None:
        self._fd = fd
        self._pending: queue.Queue[Chunk | None] = queue.Queue(maxsize=depth)
        self._error: OSError | None = None
        self._thread = threading.Thread(target=self._run, daemon=True, name="upload-writer")

    def __enter__(self) -> BackgroundWriter:
        self._thread.start()
        return self

    def _run(self) -> None:
        while (chunk := self._pending.get()) is not None:
            if self._error is None:  # after a failed write, only drain what is queued
                try:
                    write_all(self._fd, chunk)
                except OSError as exc:
                    self._error = exc

    def write(self, chunk: Chunk) -> None:
        if self._error is not None:
            raise self._error
        self._pending.put(chunk)

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self._pending.put(None)
        self._thread.join()
        if kind is None and self._error is not None:
            raise self._error
