"""Bad input gets one clear line naming the file and field, a non-zero exit, no traceback, and
changes nothing in Cloud Foundry."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from e2e.conftest import SAMPLE_V1

MUTATING = {"POST", "PATCH", "PUT", "DELETE"}


def with_descriptor(src: Path, dst: Path, edit) -> Path:  # type: ignore[no-untyped-def]
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "META-INF/mtad.yaml":
                data = edit(data.decode()).encode()
            zout.writestr(item, data)
    return dst


def broken_zip(tmp: Path) -> tuple[Path, list[str]]:
    path = tmp / "broken.mtar"
    path.write_bytes(b"PK\x03\x04 this is not really a zip archive" * 10)
    return path, ["broken.mtar"]


def wrong_type(tmp: Path) -> tuple[Path, list[str]]:
    path = with_descriptor(SAMPLE_V1, tmp / "wrong-type.mtar",
                           lambda d: d.replace("instances: 2", "instances: many"))
    return path, ["mtad.yaml", "modules[0].parameters.instances"]


def missing_name(tmp: Path) -> tuple[Path, list[str]]:
    path = with_descriptor(SAMPLE_V1, tmp / "missing-name.mtar",
                           lambda d: d.replace("  - name: api\n    type: python", "  - type: python"))
    return path, ["mtad.yaml", "modules[1]", "name"]


def bad_yaml(tmp: Path) -> tuple[Path, list[str]]:
    path = with_descriptor(SAMPLE_V1, tmp / "bad-yaml.mtar", lambda d: d.replace("modules:", "modules: [", 1))
    return path, ["mtad.yaml"]


@pytest.mark.parametrize("make", [broken_zip, wrong_type, missing_name, bad_yaml])
def test_bad_archive_fails_with_one_clear_line_and_changes_nothing(sim, cf, tmp_path: Path, make) -> None:  # type: ignore[no-untyped-def]
    archive, expected = make(tmp_path)
    before = len(sim.requests())
    res = cf("bg-deploy", str(archive))
    assert res.code != 0
    assert "Traceback" not in res.text
    failed = res.out.split("FAILED\n", 1)[-1].strip().splitlines()
    assert len(failed) == 1, res.text
    for word in expected:
        assert word in failed[0], res.text
    changes = [r for r in sim.requests()[before:] if r["method"] in MUTATING and r["path"].startswith("/v3/")]
    assert changes == []
    assert sim.state()["apps"] == []


def test_unknown_module_in_extension_names_the_extension(sim, cf, tmp_path: Path) -> None:
    ext = tmp_path / "prod.mtaext"
    ext.write_text("_schema-version: '3.1'\nID: bg.sample.prod\nextends: bg.sample\n"
                   "modules:\n  - name: nope\n    parameters:\n      instances: 3\n")
    before = len(sim.requests())
    res = cf("bg-deploy", str(SAMPLE_V1), "-e", str(ext))
    assert res.code != 0
    assert "prod.mtaext" in res.out and "nope" in res.out, res.text
    assert "Traceback" not in res.text
    assert not [r for r in sim.requests()[before:] if r["method"] in MUTATING and r["path"].startswith("/v3/")]
