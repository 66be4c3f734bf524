"""Writing an upload to disk next to receiving it.

The disk write and the digest both release the GIL, so while one chunk goes to disk in the writer's thread
the next one is received and hashed. At most `depth` chunks wait for the disk: the engine's memory stays flat
however large the file is.

A large upload is written around the page cache where the system allows it (Linux O_DIRECT, from an aligned
buffer of its own): it is read back once, much later, to push its modules, and filling hundreds of MiB of
fresh page cache costs more CPU than the whole receive path (measured: 2 to 4 times dd's direct write rate
on the project's VM). Where O_DIRECT is refused (tmpfs, other systems, an odd block size), writes are plain.
"""

from __future__ import annotations

import errno
import mmap
import os
import queue
import threading
from types import TracebackType

try:
    import fcntl
except ImportError:  # Windows: plain writes
    fcntl = None  # type: ignore[assignment]

Chunk = bytes | memoryview
ALIGN = 4096  # O_DIRECT wants buffer, length and offset aligned to the device's block (512 or 4096)
DIRECT_BUFFER = 4 << 20
O_DIRECT: int = getattr(os, "O_DIRECT", 0)


def write_all(fd: int, chunk: Chunk) -> None:
    view = memoryview(chunk)
    while view:
        view = view[os.write(fd, view):]


def _set_direct(fd: int, on: bool) -> bool:
    if fcntl is None or not O_DIRECT:
        return False
    try:
        flags = fcntl.fcntl(fd, fcntl.F_GETFL)
        fcntl.fcntl(fd, fcntl.F_SETFL, (flags | O_DIRECT) if on else (flags & ~O_DIRECT))
    except OSError:
        return False
    return True


class DirectSink:
    """Writes through an aligned buffer with O_DIRECT; the unaligned tail, and everything after a refusal,
    goes through the page cache."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.direct = _set_direct(fd, True)
        self._buffer = mmap.mmap(-1, DIRECT_BUFFER) if self.direct else None  # page-aligned
        self._filled = 0

    def write(self, chunk: Chunk) -> None:
        if self._buffer is None:
            write_all(self.fd, chunk)
            return
        view = memoryview(chunk)
        while view:
            take = min(len(view), DIRECT_BUFFER - self._filled)
            self._buffer[self._filled:self._filled + take] = view[:take]
            self._filled += take
            view = view[take:]
            if self._filled == DIRECT_BUFFER:
                self._flush(DIRECT_BUFFER)

    def _flush(self, length: int) -> None:
        assert self._buffer is not None
        with memoryview(self._buffer) as whole:
            written = 0
            if self.direct:
                try:
                    written = os.write(self.fd, whole[:length])
                except OSError as exc:
                    if exc.errno != errno.EINVAL:
                        raise
                    # refused after all (a device block larger than ALIGN); a refused write leaves the
                    # file's offset unchanged, so the same bytes go through the page cache from here on
                if written < length:
                    self._plain()
            write_all(self.fd, whole[written:length])
        if self._filled > length:
            self._buffer.move(0, length, self._filled - length)
        self._filled -= length

    def _plain(self) -> None:
        self.direct = False
        _set_direct(self.fd, False)

    def close(self) -> None:
        if self._buffer is None:
            return
        aligned = self._filled - self._filled % ALIGN
        if aligned and self.direct:
            self._flush(aligned)
        self._plain()
        if self._filled:
            write_all(self.fd, self._buffer[:self._filled])
            self._filled = 0
        self._buffer.close()
        self._buffer = None


class BackgroundWriter:
    """`with BackgroundWriter(fd) as out: out.write(chunk)`; leaving the block waits for every write and
    raises the first write error, if the block itself did not raise. direct: see DirectSink."""

    def __init__(self, fd: int, depth: int = 4, *, direct: bool = False) -> None:
        self._fd, self._direct = fd, direct
        self._pending: queue.Queue[Chunk | None] = queue.Queue(maxsize=depth)
        self._error: OSError | None = None
        self._thread = threading.Thread(target=self._run, daemon=True, name="upload-writer")

    def __enter__(self) -> BackgroundWriter:
        self._thread.start()
        return self

    def _run(self) -> None:
        sink: DirectSink | None = None
        try:
            sink = DirectSink(self._fd) if self._direct else None
        except OSError as exc:
            self._error = exc
        while (chunk := self._pending.get()) is not None:
            if self._error is None:  # after a failed write, only drain what is queued
                try:
                    sink.write(chunk) if sink else write_all(self._fd, chunk)
                except OSError as exc:
                    self._error = exc
        if sink and self._error is None:
            try:
                sink.close()
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
