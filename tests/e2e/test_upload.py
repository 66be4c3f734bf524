"""A large-ish archive (64 MiB, incompressible) through the real cf CLI: the local engine takes the open file
from the plugin (server/handover.py) and stores exactly the user's bytes; a second deploy of the same file
finds them without reading it again, and a file changed in place is read again."""

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
    log = (cf.state_dir / "engine.log").read_text()
    assert f"big.mtar: {archive.stat().st_size} bytes read from the file the plugin handed over" in log
    stored = [p for p in (cf.state_dir / "files").iterdir() if not p.name.startswith(".")]
    assert len(stored) == 1
    assert (stored[0].stat().st_size, sha256_of(stored[0])) == (archive.stat().st_size, sha256_of(archive))
    again = cf("deploy", str(archive), "-f", "--keep-files", timeout=600)
    assert again.code == 0, again.text
    assert "Previously uploaded file big.mtar with same digest detected, new upload will be skipped." in again.out


def test_an_archive_rewritten_in_place_is_read_again(sim, cf: Cf, tmp_path: Path) -> None:
    archive = build(tmp_path / "big.mtar", 1)
    assert cf("deploy", str(archive), "-f", "--keep-files", timeout=600).code == 0
    first = sha256_of(archive)
    other = build(tmp_path / "other.mtar", 1).read_bytes()  # another random payload of the same size
    with archive.open("r+b") as f:  # same path, inode and size
        f.write(other)
    assert sha256_of(archive) != first and archive.stat().st_size == len(other)
    again = cf("deploy", str(archive), "-f", "--keep-files", timeout=600)
    assert again.code == 0, again.text
    assert "Previously uploaded" not in again.out and "Uploading 1 files..." in again.out
    stored = {sha256_of(p) for p in (cf.state_dir / "files").iterdir() if not p.name.startswith(".")}
    assert stored == {first, sha256_of(archive)}
