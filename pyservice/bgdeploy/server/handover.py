"""Files handed to a local engine as open descriptors, so an archive's bytes never cross a socket.

The shim connects to the files socket beside the engine's own (`files_socket_path`) and sends, in one
message, a ticket (32 hex digits) with the descriptor of the file it opened (SCM_RIGHTS). The next Upload or
FindFile call names the ticket; the engine then reads the file itself, at disk speed, instead of receiving
it through gRPC: no copies through the socket, no second digest in the shim. gRPC itself cannot carry a
descriptor, hence the side socket.

Only the engine's owner can reach the socket (mode 0600 in the state directory; the peer's uid is checked
where the system tells it), so a descriptor gives the engine nothing its caller could not read already. A
ticket is good for one call, for a minute; descriptors not claimed by then are closed.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import socket
import struct
import threading
import time

log = logging.getLogger(__name__)

TICKET = re.compile(rb"[0-9a-f]{32}")
TTL_S = 60.0
MAX_WAITING = 64  # unclaimed descriptors held at once: a runaway client cannot exhaust the engine's fds
ACCEPTED = b"ok"


def files_socket_path(engine_socket: str) -> str:
    """engine.sock -> engine.files.sock (the shim derives the same name)."""
    base = engine_socket[:-len(".sock")] if engine_socket.endswith(".sock") else engine_socket
    return base + ".files.sock"


def _peer_is_owner(conn: socket.socket) -> bool:
    peercred = getattr(socket, "SO_PEERCRED", None)
    if peercred is None:
        return True  # no peer credentials here (macOS): the socket's mode is the guard
    _pid, uid, _gid = struct.unpack("3i", conn.getsockopt(socket.SOL_SOCKET, peercred, struct.calcsize("3i")))
    return uid == os.getuid()


class HandOver:
    """`HandOver(path).start()`; `take(ticket)` returns a descriptor the caller then owns, or None."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._waiting: dict[str, tuple[int, float]] = {}
        self._lock = threading.Lock()
        self._sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self._closed = False

    def start(self) -> HandOver:
        if os.path.exists(self.path):
            os.unlink(self.path)  # a stale socket from a crashed engine (we hold the state directory)
        old = os.umask(0o177)
        try:
            self._sock.bind(self.path)
        finally:
            os.umask(old)
        self._sock.listen(16)
        threading.Thread(target=self._serve, daemon=True, name="file-handover").start()
        return self

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return  # closed
            with conn:
                try:
                    self._receive(conn)
                except OSError as exc:
                    log.warning("file hand-over failed: %s", exc)

    def _receive(self, conn: socket.socket) -> None:
        conn.settimeout(5)
        msg, fds, _flags, _addr = socket.recv_fds(conn, 64, 1)
        if not _peer_is_owner(conn) or not TICKET.fullmatch(msg) or len(fds) != 1:
            for fd in fds:
                os.close(fd)
            return
        with self._lock:
            self._expire()
            if len(self._waiting) >= MAX_WAITING or self._closed:
                os.close(fds[0])
                return
            self._waiting[msg.decode()] = (fds[0], time.monotonic())
        conn.sendall(ACCEPTED)

    def _expire(self) -> None:
        now = time.monotonic()
        for ticket, (fd, since) in list(self._waiting.items()):
            if now - since > TTL_S:
                del self._waiting[ticket]
                os.close(fd)

    def take(self, ticket: str) -> int | None:
        with self._lock:
            self._expire()
            fd, _ = self._waiting.pop(ticket, (None, 0.0))
            return fd

    def close(self) -> None:
        with self._lock:
            self._closed = True
            for fd, _ in self._waiting.values():
                os.close(fd)
            self._waiting.clear()
        with contextlib.suppress(OSError):
            self._sock.shutdown(socket.SHUT_RDWR)  # wakes the accept() in _serve (close alone does not, on Linux)
        self._sock.close()
        if os.path.exists(self.path):
            os.unlink(self.path)
