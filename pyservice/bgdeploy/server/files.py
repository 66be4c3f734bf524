"""Uploaded files (archives, extension descriptors), stored by content in the state directory."""

from __future__ import annotations

import hashlib
import os
import secrets
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path

from bgdeploy.errors import ContentError
from bgdeploy.store import FileRecord, Store

MAX_ARCHIVE_BYTES = 4 << 30
MAX_EXTENSION_BYTES = 1 << 20


class FileStore:
    def __init__(self, store: Store, state_dir: str) -> None:
        self.store = store
        self.dir = Path(state_dir) / "files"
        self.dir.mkdir(parents=True, exist_ok=True, mode=0o700)

    def find(self, sha256: str, kind: str, space_guid: str) -> FileRecord | None:
        rec = self.store.find_file(sha256, kind, space_guid)
        return rec if rec is not None and Path(rec.path).exists() else None

    def save(self, chunks: Iterable[bytes], *, file_name: str, kind: str, size: int, sha256: str,
             space_guid: str) -> tuple[FileRecord, bool]:
        existing = self.find(sha256, kind, space_guid)
        limit = MAX_EXTENSION_BYTES if kind == "EXTENSION_DESCRIPTOR" else MAX_ARCHIVE_BYTES
        if size > limit:
            raise ContentError(f"file is larger than {limit} bytes", file=file_name)
        digest = hashlib.sha256()
        received = 0
        fd, tmp = tempfile.mkstemp(dir=self.dir, prefix=".upload-")
        try:
            with os.fdopen(fd, "wb") as out:
                for chunk in chunks:
                    received += len(chunk)
                    if received > size:
                        raise ContentError(f"upload is larger than the announced {size} bytes", file=file_name)
                    digest.update(chunk)
                    out.write(chunk)
            if received != size or digest.hexdigest() != sha256.lower():
                raise ContentError(f"upload is incomplete or corrupt ({received} of {size} bytes, digest mismatch)",
                                   file=file_name)
            if existing is not None:
                return existing, True
            file_id = secrets.token_hex(8)
            path = self.dir / file_id
            os.replace(tmp, path)
            rec = FileRecord(file_id, sha256.lower(), kind, size, os.path.basename(file_name), space_guid,
                             time.time(), str(path))
            self.store.insert_file(rec)
            return rec, False
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
