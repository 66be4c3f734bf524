"""Deploying a directory through the real cf CLI: the plugin builds the archive on the user's machine and
packs nothing from outside the directory. A path or symlink that leads out, or an MTA ID that is no file
name, fails with one line naming mtad.yaml and the field, before anything reaches the engine or Cloud
Foundry; symlinks that stay inside are followed and the apps serve what they point to."""

from __future__ import annotations

import shutil
import sqlite3
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from e2e.conftest import SAMPLE_V1
from e2e.traffic import get, wait_answering

MUTATING = {"POST", "PATCH", "PUT", "DELETE"}
WEB = "web-space.apps.sim.test"
API = "org-space-api.apps.sim.test"


def mta_directory(dest: Path) -> Path:
    """The sample MTA as a directory: mtad.yaml at the top, web.zip and api/ next to it."""
    with zipfile.ZipFile(SAMPLE_V1) as z:
        z.extractall(dest)
    shutil.move(dest / "META-INF" / "mtad.yaml", dest / "mtad.yaml")
    shutil.rmtree(dest / "META-INF")
    return dest


def edit_descriptor(src: Path, old: str, new: str) -> None:
    text = (src / "mtad.yaml").read_text()
    assert old in text
    (src / "mtad.yaml").write_text(text.replace(old, new, 1))


def module_path_up(src: Path, cf) -> str:  # type: ignore[no-untyped-def]
    outside = src.parent / "outside"
    outside.mkdir()
    (outside / "server.py").write_text("print('not part of the MTA')\n")
    edit_descriptor(src, "path: api/", "path: ../outside")
    return 'mtad.yaml: modules[1].path: "../outside" is outside the deployed directory'


def module_path_absolute(src: Path, cf) -> str:  # type: ignore[no-untyped-def]
    config = cf.home / ".cf" / "config.json"  # the user's cf config, token included
    assert config.is_file()
    edit_descriptor(src, "path: web.zip", f"path: {config}")
    return f'mtad.yaml: modules[0].path: "{config}" is an absolute path; paths are relative to the deployed directory'


def symlink_out(src: Path, cf) -> str:  # type: ignore[no-untyped-def]
    config = cf.home / ".cf" / "config.json"
    (src / "api" / "config.json").symlink_to(config)
    return (f'mtad.yaml: modules[1].path: "api/config.json" is a symlink to "{config}", '
            "outside the deployed directory")


def bad_id(src: Path, cf) -> str:  # type: ignore[no-untyped-def]
    edit_descriptor(src, "ID: bg.sample", "ID: ../evil")
    return ('mtad.yaml: ID: "../evil" cannot name the archive file <ID>.mtar: an MTA ID has letters, digits, '
            '"_", "-" and "." only, does not start with "." and has at most 128 characters')


def files_besides_cf_home(root: Path, cf) -> list[Path]:  # type: ignore[no-untyped-def]
    return sorted(p for p in root.rglob("*") if not p.is_relative_to(cf.home))


def engine_files(cf) -> int:  # type: ignore[no-untyped-def]
    """How many files the engine has received (it keeps them in its state database)."""
    db = cf.state_dir / "state.db"
    if not db.exists():
        return 0
    with sqlite3.connect(db) as conn:
        (count,) = conn.execute("SELECT count(*) FROM files").fetchone()
    return count


@pytest.mark.parametrize("make", [module_path_up, module_path_absolute, symlink_out, bad_id])
def test_directory_leaving_itself_fails_in_one_line_and_changes_nothing(
    sim, cf, tmp_path: Path, make: Callable[..., str]
) -> None:
    src = mta_directory(tmp_path / "src")
    expected = make(src, cf)
    before_files = files_besides_cf_home(tmp_path, cf)
    before = len(sim.requests())

    res = cf("bg-deploy", str(src), "-f")

    assert res.code == 1, res.text
    assert "Traceback" not in res.text and "panic" not in res.text
    failed = res.out.split("FAILED\n", 1)[-1].strip().splitlines()
    assert failed == [expected], res.text
    changes = [r for r in sim.requests()[before:] if r["method"] in MUTATING and r["path"].startswith("/v3/")]
    assert changes == []
    assert sim.state()["apps"] == []
    assert engine_files(cf) == 0 and cf.engine_pids() == []  # nothing was uploaded; no engine was needed
    assert files_besides_cf_home(tmp_path, cf) == before_files  # no archive, in the directory or next to it


def test_symlinks_inside_the_directory_are_followed(sim, cf, tmp_path: Path) -> None:
    src = mta_directory(tmp_path / "src")
    # A build layout: the module paths are links into build/ and dist/, and a file of the api module
    # links to a shared copy.
    (src / "build").mkdir()
    shutil.move(src / "api", src / "build" / "api")
    (src / "api").symlink_to("build/api")
    (src / "shared").mkdir()
    shutil.move(src / "build" / "api" / "server.py", src / "shared" / "server.py")
    (src / "build" / "api" / "server.py").symlink_to("../../shared/server.py")
    (src / "dist").mkdir()
    shutil.move(src / "web.zip", src / "dist" / "web.zip")
    (src / "web.zip").symlink_to(src / "dist" / "web.zip")  # absolute, and inside

    res = cf("bg-deploy", str(src), "-f")

    assert res.code == 0, res.text
    assert "Process finished." in res.out, res.out
    wait_answering(sim.router_url, [WEB])  # a first deploy does not wait for the routers
    assert get(sim.router_url, WEB) == (200, "web 1.0.0 web-blue")
    assert get(sim.router_url, API) == (200, "api 1.0.0 api-blue")  # served by the linked server.py
    with zipfile.ZipFile(src / "bg.sample.mtar") as z:
        assert "build/api/server.py" in z.namelist() and "dist/web.zip" in z.namelist()
