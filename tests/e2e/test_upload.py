"""A large-ish archive (64 MiB, incompressible) through the real cf CLI: the engine stores exactly the
user's bytes, and a second deploy of the same file finds them by the digest the plugin computed."""

from __future__ import annotations

import hashlib
from pathlib import Path

from bench.bigmtar import build

from .cfcli import Cf


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while block := f.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def test_a_64_mib_archive_is_stored_whole_and_found_again_by_its_digest(sim, cf: Cf, tmp_path: Path) -> None:
    archive = build(tmp_path / "big.mtar", 64)
    res = cf("deploy", str(archive), "-f", "--keep-files", timeout=600)
    assert res.code == 0 and "Process finished." in res.out, res.text
    stored = [p for p in (cf.state_dir / "files").iterdir() if not p.name.startswith(".")]
    assert len(stored) == 1
    assert (stored[0].stat().st_size, sha256_of(stored[0])) == (archive.stat().st_size, sha256_of(archive))
    again = cf("deploy", str(archive), "-f", "--keep-files", timeout=600)
    assert again.code == 0, again.text
    assert "Previously uploaded file big.mtar with same digest detected, new upload will be skipped." in again.out
