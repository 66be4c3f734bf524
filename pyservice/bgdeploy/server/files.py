"""Uploaded files (archives, extension descriptors), stored by content: in the state directory for a
local engine, in the database (chunks, store/blobs.py) for a shared one, so every instance can deploy
what any instance received."""

from __future__ import annotations

import hashlib
import os
import secrets
import tempfile
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

from bgdeploy.errors import ContentError
from bgdeploy.server.spool import BackgroundWriter, Chunk
from bgdeploy.store import FileRecord, Store
from bgdeploy.store.blobs import CHUNK_BYTES

MAX_ARCHIVE_BYTES = 4 << 30
MAX_EXTENSION_BYTES = 1 << 20
TMP_PREFIX = ".upload-"  # a file being received; renamed to its id once complete and checked
DIRECT_MIN_BYTES = 8 << 20  # smaller files go through the page cache (see server/spool.py)


class FileStore:
    def __init__(self, store: Store, state_dir: str, *, in_database: bool | None = None) -> None:
        self.store = store
        self.in_database = store.shared if in_database is None else in_database
        self.dir = Path(state_dir) / "files"
        self.dir.mkdir(parents=True, exist_ok=True, mode=0o700)

    def remove_partial_uploads(self) -> int:
        """Deletes what uploads cut off by a crash left (TMP_PREFIX files); only at start, when this engine
        holds the state directory, so no upload is running."""
        partial = list(self.dir.glob(TMP_PREFIX + "*"))
        for path in partial:
            path.unlink(missing_ok=True)
        return len(partial)

    def find(self, sha256: str, kind: str, space_guid: str) -> FileRecord | None:
        rec = self.store.find_file(sha256, kind, space_guid)
        if rec is None or (rec.path and not Path(rec.path).exists()):
            return None
        return rec

    def save(self, chunks: Iterable[Chunk], *, file_name: str, kind: str, size: int, sha256: str | None,
             space_guid: str) -> tuple[FileRecord, bool]:
        """Stores the chunks; sha256, when given, is checked at the end, and computed when not."""
        expected = sha256.lower() if sha256 else None
        limit = MAX_EXTENSION_BYTES if kind == "EXTENSION_DESCRIPTOR" else MAX_ARCHIVE_BYTES
        if size > limit:
            raise ContentError(f"file is larger than {limit} bytes", file=file_name)
        file_id = secrets.token_hex(8)
        rec = FileRecord(file_id, expected or "", kind, size, os.path.basename(file_name), space_guid, time.time(), "")
        checked = self._checked(chunks, rec, expected)
        if self.in_database:
            return self._save_in_database(checked, rec)
        return self._save_in_directory(checked, rec)

    def _checked(self, chunks: Iterable[Chunk], rec: FileRecord, expected: str | None) -> Iterator[Chunk]:
        """The chunks as they come, failing on more than announced and, at the end, on a wrong digest;
        rec.sha256 is the digest of what came."""
        digest = hashlib.sha256()
        received = 0
        for chunk in chunks:
            received += len(chunk)
            if received > rec.size:
                raise ContentError(f"upload is larger than the announced {rec.size} bytes", file=rec.file_name)
            digest.update(chunk)
            yield chunk
        if received != rec.size or (expected is not None and digest.hexdigest() != expected):
            raise ContentError(f"upload is incomplete or corrupt ({received} of {rec.size} bytes, digest mismatch)",
                               file=rec.file_name)
        rec.sha256 = digest.hexdigest()

    def _save_in_directory(self, chunks: Iterable[Chunk], rec: FileRecord) -> tuple[FileRecord, bool]:
        fd, tmp = tempfile.mkstemp(dir=self.dir, prefix=TMP_PREFIX)
        try:
            try:
                with BackgroundWriter(fd, direct=rec.size >= DIRECT_MIN_BYTES) as out:
                    for chunk in chunks:
                        out.write(chunk)
            finally:
                os.close(fd)
            existing = self.find(rec.sha256, rec.kind, rec.space_guid)
            if existing is not None:
                return existing, True
            path = self.dir / rec.id
            os.replace(tmp, path)
            rec.path = str(path)
            self.store.insert_file(rec)
            return rec, False
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)

    def _save_in_database(self, chunks: Iterable[Chunk], rec: FileRecord) -> tuple[FileRecord, bool]:
        """Chunks first, the file row last: an upload that breaks off leaves only chunks without a row,
        which retention removes. Content the store already has (digest known up front) is not written."""
        known = bool(rec.sha256)  # else it is known once the chunks are through (_checked)
        existing = self.find(rec.sha256, rec.kind, rec.space_guid) if known else None
        seq, row = 0, bytearray()
        try:
            for chunk in chunks:
                view = memoryview(chunk) if existing is None else memoryview(b"")
                while view:  # rows of exactly CHUNK_BYTES, whatever size the client's chunks have
                    take = CHUNK_BYTES - len(row)
                    row += view[:take]
                    view = view[take:]
                    if len(row) == CHUNK_BYTES:
                        self.store.add_chunk(rec.id, seq, bytes(row))
                        row.clear()
                        seq += 1
            if existing is not None:
                return existing, True
            if not known and (existing := self.find(rec.sha256, rec.kind, rec.space_guid)) is not None:
                self.store.delete_chunks(rec.id)  # a second copy, found only now that its digest is known
                return existing, True
            if row or seq == 0:
                self.store.add_chunk(rec.id, seq, bytes(row))
            self.store.insert_file(rec)
            return rec, False
        except BaseException:
            self.store.delete_chunks(rec.id)
            raise
