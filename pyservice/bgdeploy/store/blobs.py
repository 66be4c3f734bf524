"""File contents in the database (chunks of at most 1 MiB), so every engine instance can read an upload
that another one received. The local engine keeps files in its state directory instead."""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Iterator
from typing import Any

from bgdeploy.store.base import Queries
from bgdeploy.store.records import FileRecord

CHUNK_BYTES = 1 << 20


class BlobQueries:
    def add_chunk(self: Queries, file_id: str, seq: int, data: bytes) -> None:
        self._execute("INSERT INTO file_chunks (file_id, seq, data, created_at) VALUES (?, ?, ?, NOW())",
                      (file_id, seq, data))

    def chunks(self: Queries, file_id: str) -> Iterator[bytes]:
        """The content, one chunk per query: a 4 GiB archive never sits in memory."""
        seq = 0
        while True:
            rows = self._query("SELECT data FROM file_chunks WHERE file_id = ? AND seq = ?", (file_id, seq))
            if not rows:
                return
            yield bytes(rows[0][0])
            seq += 1

    def delete_chunks(self: Queries, file_id: str) -> None:
        self._execute("DELETE FROM file_chunks WHERE file_id = ?", (file_id,))

    def delete_file(self: Queries, rec: FileRecord) -> None:
        def work(cur: Any) -> None:
            cur.execute(self.sql("DELETE FROM file_chunks WHERE file_id = ?"), (rec.id,))
            cur.execute(self.sql("DELETE FROM files WHERE id = ?"), (rec.id,))

        self._do(work)
        if rec.path and os.path.exists(rec.path):
            os.unlink(rec.path)

    def local_copy(self: Queries, rec: FileRecord, cache_dir: str) -> str:
        """A path to the file's content on this machine: its own path, or a verified copy from the database
        in `cache_dir` (made once per instance)."""
        if rec.path:
            return rec.path
        os.makedirs(cache_dir, mode=0o700, exist_ok=True)
        path = os.path.join(cache_dir, rec.id)
        if os.path.exists(path) and os.path.getsize(path) == rec.size:
            return path
        digest = hashlib.sha256()
        fd, tmp = tempfile.mkstemp(dir=cache_dir, prefix=".copy-")
        try:
            with os.fdopen(fd, "wb") as out:
                for chunk in self.chunks(rec.id):
                    digest.update(chunk)
                    out.write(chunk)
            if digest.hexdigest() != rec.sha256:
                raise OSError(f"the stored content of {rec.file_name} is incomplete")
            os.replace(tmp, path)
            return path
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
