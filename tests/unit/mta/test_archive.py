"""Archive reading: manifest sections, streaming module bits, JSON files, and hostile zips."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from helpers import DESCRIPTOR, MANIFEST, build_from_directory, inner_zip, make_mtar

from bgdeploy.errors import ContentError
from bgdeploy.mta import open_archive, resolve
from bgdeploy.mta.manifest import parse_manifest


def test_reads_manifest_descriptor_and_streams_zip_module(tmp_path: Path, ctx) -> None:
    web = inner_zip(tmp_path / "web.zip", {"index.html": b"<h1>hi</h1>"})
    path = make_mtar(
        tmp_path / "a.mtar", {"META-INF/MANIFEST.MF": MANIFEST, "META-INF/mtad.yaml": DESCRIPTOR, "web.zip": web}
    )
    with open_archive(str(path)) as archive:
        assert (archive.mta_id, archive.version, archive.file_name) == ("demo", "1.0.0", "a.mtar")
        ref = archive.module_content("web")
        assert ref is not None and ref.entry == "web.zip" and not ref.is_directory
        out = io.BytesIO()
        archive.write_module_bits("web", out)
        assert out.getvalue() == web
        model = resolve(archive.descriptor, [], ctx, "live", archive=archive)
        assert model.app("web").content == ref


def test_directory_module_is_zipped_on_the_fly(tmp_path: Path) -> None:
    manifest = "Manifest-Version: 1.0\n\nName: web/\nMTA-module: web\nContent-Type: text/directory\n"
    path = make_mtar(
        tmp_path / "d.mtar",
        {"META-INF/MANIFEST.MF": manifest, "META-INF/mtad.yaml": DESCRIPTOR, "web/a.txt": "A", "web/sub/b.txt": "B"},
    )
    with open_archive(str(path)) as archive:
        assert archive.module_content("web").is_directory
        out = io.BytesIO()
        archive.write_module_bits("web", out)
        z = zipfile.ZipFile(out)
        assert sorted(z.namelist()) == ["a.txt", "sub/b.txt"] and z.read("sub/b.txt") == b"B"


def test_resource_and_requires_json_are_merged_under_config(tmp_path: Path, ctx) -> None:
    descriptor = DESCRIPTOR + (
        "    requires: [{name: db, parameters: {config: {b: 2}}}]\nresources:\n"
        "  - name: db\n    type: org.cloudfoundry.managed-service\n"
        "    parameters: {service: s, service-plan: p, config: {override: mine}}\n"
    )
    manifest = MANIFEST + (
        "Name: db.json\nMTA-Resource: db\nContent-Type: application/json\n\n"
        "Name: bind.json\nMTA-Requires: web/db\nContent-Type: application/json\n\n"
    )
    path = make_mtar(
        tmp_path / "j.mtar",
        {
            "META-INF/MANIFEST.MF": manifest,
            "META-INF/mtad.yaml": descriptor,
            "web.zip": inner_zip(tmp_path / "w.zip", {"x": b"y"}),
            "db.json": '{"override": "file", "base": true}',
            "bind.json": '{"a": 1, "b": 1}',
        },
    )
    with open_archive(str(path)) as archive:
        model = resolve(archive.descriptor, [], ctx, "live", archive=archive)
    assert model.services[0].parameters == {"override": "mine", "base": True}
    assert model.app("web").bindings[0].parameters == {"a": 1, "b": 2}


@pytest.mark.parametrize(
    ("entries", "message"),
    [
        ({"META-INF/mtad.yaml": DESCRIPTOR}, "MANIFEST.MF is missing"),
        ({"META-INF/MANIFEST.MF": MANIFEST}, "mtad.yaml is missing"),
        ({"META-INF/MANIFEST.MF": MANIFEST, "META-INF/mtad.yaml": DESCRIPTOR, "../evil": "x"}, "leaves the archive"),
        ({"META-INF/MANIFEST.MF": MANIFEST, "META-INF/mtad.yaml": DESCRIPTOR, "/etc/passwd": "x"}, "absolute path"),
        ({"META-INF/MANIFEST.MF": MANIFEST, "META-INF/mtad.yaml": DESCRIPTOR}, 'names "web.zip", which is not in'),
        ({"META-INF/MANIFEST.MF": "bad header line\n", "META-INF/mtad.yaml": DESCRIPTOR}, "malformed header"),
        ({"META-INF/MANIFEST.MF": "", "META-INF/mtad.yaml": "x" * (1024 * 1024 + 1)}, "larger than"),
    ],
)
def test_bad_archives(tmp_path: Path, entries: dict, message: str) -> None:
    path = make_mtar(tmp_path / "bad.mtar", entries, compression=zipfile.ZIP_STORED)
    with pytest.raises(ContentError, match=message) as info:
        open_archive(str(path))
    assert "bad.mtar" in str(info.value)


def test_not_a_zip(tmp_path: Path) -> None:
    path = tmp_path / "broken.mtar"
    path.write_bytes(b"PK\x03\x04 this is not really a zip")
    with pytest.raises(ContentError, match="not a valid MTA archive"):
        open_archive(str(path))


def test_zip_bomb_is_rejected_before_decompressing(tmp_path: Path) -> None:
    path = tmp_path / "bomb.mtar"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr("META-INF/MANIFEST.MF", MANIFEST)
        z.writestr("META-INF/mtad.yaml", DESCRIPTOR)
        with z.open("web.zip", "w") as handle:
            chunk = b"\0" * (1024 * 1024)
            for _ in range(8):
                handle.write(chunk)
    with pytest.raises(ContentError, match="zip bomb"):
        open_archive(str(path))


def test_lying_declared_size_is_caught(tmp_path: Path) -> None:
    """An entry whose data is longer than its declared size fails its check instead of growing unbounded."""
    path = make_mtar(
        tmp_path / "lie.mtar",
        {"META-INF/MANIFEST.MF": MANIFEST, "META-INF/mtad.yaml": DESCRIPTOR, "web.zip": b"PK\x03\x04" + b"x" * 5000},
    )
    data = bytearray(path.read_bytes())
    # Patch the central directory's uncompressed size of web.zip to a smaller value.
    with zipfile.ZipFile(path) as z:
        info = z.getinfo("web.zip")
    central = data.rfind(b"PK\x01\x02", 0, data.rfind(b"web.zip"))
    data[central + 24 : central + 28] = (100).to_bytes(4, "little")
    path.write_bytes(bytes(data))
    with open_archive(str(path)) as archive, pytest.raises(ContentError):
        archive.write_module_bits("web", io.BytesIO())
    assert info.file_size == 5004


def test_manifest_continuation_lines_and_case() -> None:
    m = parse_manifest(b"Manifest-Version: 1.0\r\n\r\nName: some/very/long/pa\r\n th.zip\r\nmta-module: a, b\r\n")
    assert m.sections[0].name == "some/very/long/path.zip" and m.sections[0].names("MTA-Module") == ["a", "b"]


def test_directory_built_by_the_plugin_reads_back(tmp_path: Path) -> None:
    """What the plugin's builder writes (manifest sections, wrapped long names, followed symlinks) is what the
    engine reads: module content, resource and requires JSON."""
    src = tmp_path / "src"
    long_dir = "módulos/" + "ü" * 40  # the manifest wraps this name at 72 bytes, between characters
    (src / long_dir).mkdir(parents=True)
    (src / long_dir / "index.html").write_text("hi")
    (src / "shared").mkdir()
    (src / "shared" / "app.js").write_text("js")
    (src / long_dir / "app.js").symlink_to("../../shared/app.js")
    (src / "conf").mkdir()
    (src / "conf" / "service.json").write_text('{"plan": "big"}')
    (src / "bind.json").write_text('{"role": "reader"}')
    (src / "mtad.yaml").write_text(
        DESCRIPTOR.replace("path: web.zip", f"path: {long_dir}")
        + "    requires:\n      - name: db\n        parameters:\n          path: bind.json\n"
        + "resources:\n  - name: db\n    type: org.cloudfoundry.managed-service\n"
        + "    parameters:\n      service: pg\n      service-plan: s\n      config-path: conf/service.json\n"
    )
    out = build_from_directory(src, tmp_path / "out.mtar")
    with zipfile.ZipFile(out) as z:
        manifest = z.read("META-INF/MANIFEST.MF")
    assert max(len(line) for line in manifest.split(b"\r\n")) <= 72
    with open_archive(str(out)) as archive:
        assert archive.module_content("web").entry == long_dir + "/"
        buffer = io.BytesIO()
        archive.write_module_bits("web", buffer)
        module = zipfile.ZipFile(buffer)
        assert sorted(module.namelist()) == ["app.js", "index.html"] and module.read("app.js") == b"js"
        assert archive.resource_config("db") == {"plan": "big"}
        assert archive.requires_config("web", "db") == {"role": "reader"}
