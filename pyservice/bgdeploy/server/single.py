"""One engine per state directory: the first to start holds `serve.lock` for its whole life; a second one
(two shims that both found the engine slow to answer) exits before it touches the socket, the store or the
operations. The operating system drops the lock when the holder dies, so a crash leaves nothing stale."""

from __future__ import annotations

import os
from pathlib import Path
from typing import IO

ALREADY_SERVED = 3  # exit status of an engine that found another one serving its state directory


def hold(state_dir: Path) -> IO[bytes] | None:
    """The open, locked lock file (keep it open), or None when another engine holds it."""
    handle = open(state_dir / "serve.lock", "a+b")  # noqa: SIM115 - held open for the process's life
    try:
        _lock(handle)
    except OSError:
        handle.close()
        return None
    handle.seek(0)
    handle.truncate()
    handle.write(str(os.getpid()).encode())
    handle.flush()
    return handle


def _lock(handle: IO[bytes]) -> None:
    try:
        import fcntl
    except ImportError:  # Windows
        import msvcrt

        handle.seek(0)
        msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
        return
    fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
