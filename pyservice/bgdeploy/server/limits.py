"""Per-user bounds on what a shared engine gives one caller: concurrent uploads, open streams (Watch,
GetOperationLog, Upload hold an RPC thread each), and how long an upload may send nothing."""

from __future__ import annotations

import queue
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import grpc

from bgdeploy.errors import BgDeployError


class StreamIdle(BgDeployError):
    grpc_code = grpc.StatusCode.DEADLINE_EXCEEDED


class StreamLimits:
    def __init__(self, *, per_user: int = 8, uploads_per_user: int = 2, total: int = 48,
                 idle_s: float = 120.0) -> None:
        self.per_user, self.uploads_per_user, self.total, self.idle_s = per_user, uploads_per_user, total, idle_s
        self._lock = threading.Lock()
        self._streams: Counter[str] = Counter()
        self._uploads: Counter[str] = Counter()

    @contextmanager
    def open(self, user: str, method: str, context: grpc.ServicerContext) -> Iterator[None]:
        upload = method == "Upload"
        with self._lock:
            refused = ""
            if sum(self._streams.values()) >= self.total:
                refused = "The deploy engine has too many open streams; try again in a moment"
            elif self._streams[user] >= self.per_user:
                refused = f"You have {self._streams[user]} open streams on this engine (at most {self.per_user})"
            elif upload and self._uploads[user] >= self.uploads_per_user:
                refused = f"You have {self._uploads[user]} uploads running (at most {self.uploads_per_user})"
            if not refused:
                self._streams[user] += 1
                self._uploads[user] += int(upload)
        if refused:
            context.abort(grpc.StatusCode.RESOURCE_EXHAUSTED, refused)
        try:
            yield
        finally:
            with self._lock:
                self._streams[user] -= 1
                self._uploads[user] -= int(upload)
                self._streams += Counter()  # drops users at zero
                self._uploads += Counter()

    def idle_limited(self, messages: Iterator[Any], context: grpc.ServicerContext) -> Iterator[Any]:
        """The client's messages, failing the call when none arrives for `idle_s`."""
        box: queue.Queue[tuple[str, Any]] = queue.Queue(maxsize=4)

        def pump() -> None:
            try:
                for m in messages:
                    box.put(("item", m))
                box.put(("end", None))
            except Exception as exc:  # the call ended or the client went away
                box.put(("error", exc))

        threading.Thread(target=pump, daemon=True, name="stream-reader").start()
        while True:
            try:
                kind, value = box.get(timeout=self.idle_s)
            except queue.Empty:
                raise StreamIdle(f"The client sent nothing for {self.idle_s:g} s; the stream was closed") from None
            if kind == "item":
                yield value
            elif kind == "end":
                return
            else:
                raise value
