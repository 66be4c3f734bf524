"""Deploying from a directory (`cf bg-deploy ./`): pack mtad.yaml and the module paths into an archive.

Like the official plugin: the descriptor is `mtad.yaml` (or `META-INF/mtad.yaml`) in the directory; each
module `path` (a file or a directory) becomes an archive entry named in MANIFEST.MF; a resource's `path` or
`config-path` JSON file becomes an `MTA-Resource` entry, and a `requires` entry's `path` an `MTA-Requires`
entry. Paths must stay inside the directory.
"""

from __future__ import annotations

import os
import shutil
import zipfile
from pathlib import Path

from bgdeploy.errors import ContentError

from .archive import DESCRIPTOR_PATH
from .loader import load_descriptor
from .manifest import MANIFEST_PATH
from .yamlload import child_path

_CHUNK = 1024 * 1024


def find_descriptor(directory: Path) -> Path:
    for candidate in (directory / "mtad.yaml", directory / "META-INF" / "mtad.yaml"):
        if candidate.is_file():
            return candidate
    raise ContentError(f'no mtad.yaml or META-INF/mtad.yaml in "{directory}"')


def _inside(directory: Path, relative: str, file_name: str, path: str) -> Path:
    target = (directory / relative).resolve()
    root = directory.resolve()
    if os.path.isabs(relative) or (target != root and root not in target.parents):
        raise ContentError(f'"{relative}" is outside the deployed directory', file=file_name, path=path)
    if not target.exists():
        raise ContentError(f'"{relative}" does not exist in "{directory}"', file=file_name, path=path)
    return target


def _entry_name(directory: Path, target: Path) -> str:
    return target.relative_to(directory.resolve()).as_posix()


def _header(key: str, value: str) -> str:
    """A manifest header wrapped at 72 bytes, as JAR readers expect."""
    line = f"{key}: {value}".encode()
    chunks = [line[:72]]
    rest = line[72:]
    while rest:
        chunks.append(b" " + rest[:71])
        rest = rest[71:]
    return "\r\n".join(c.decode("utf-8", "replace") for c in chunks) + "\r\n"


def build_archive_from_directory(directory: str, out_path: str) -> None:
    root = Path(directory)
    descriptor_file = find_descriptor(root)
    text = descriptor_file.read_text(encoding="utf-8-sig")
    file_name = descriptor_file.name
    descriptor = load_descriptor(text, file_name)

    sections: dict[str, dict[str, list[str]]] = {}  # entry -> header -> values
    files: dict[str, Path] = {}

    def add(target: Path, header: str, value: str, content_type: str | None) -> None:
        entry = _entry_name(root, target) + ("/" if target.is_dir() else "")
        section = sections.setdefault(entry, {})
        section.setdefault(header, []).append(value)
        if content_type:
            section["Content-Type"] = [content_type]
        if target.is_dir():
            for child in sorted(target.rglob("*")):
                if child.is_file():
                    child_target = child.resolve()
                    if root.resolve() not in child_target.parents:
                        raise ContentError(f'"{child}" links outside the deployed directory', file=file_name)
                    files[child.relative_to(root).as_posix()] = child
        else:
            files[entry] = target

    for module in descriptor.modules:
        if module.path:
            where = child_path(module.where, "path")
            target = _inside(root, module.path, file_name, where)
            add(target, "MTA-Module", module.name, "text/directory" if target.is_dir() else "application/zip")
        for req in module.requires:
            config_file = req.parameters.get("path")
            if isinstance(config_file, str) and (root / config_file).suffix == ".json":
                where = child_path(child_path(req.where, "parameters"), "path")
                add(
                    _inside(root, config_file, file_name, where),
                    "MTA-Requires",
                    f"{module.name}/{req.name}",
                    "application/json",
                )
    for resource in descriptor.resources:
        for key in ("path", "config-path"):
            config_file = resource.parameters.get(key)
            if isinstance(config_file, str):
                where = child_path(child_path(resource.where, "parameters"), key)
                add(_inside(root, config_file, file_name, where), "MTA-Resource", resource.name, "application/json")

    manifest = "Manifest-Version: 1.0\r\nCreated-By: cf bg-deploy\r\n\r\n"
    for entry, headers in sections.items():
        manifest += _header("Name", entry)
        for key, values in headers.items():
            manifest += _header(key, ", ".join(dict.fromkeys(values)))
        manifest += "\r\n"

    with zipfile.ZipFile(out_path, "w", compression=zipfile.ZIP_DEFLATED) as out:
        out.writestr(MANIFEST_PATH, manifest)
        out.writestr(DESCRIPTOR_PATH, text)
        for name, source in sorted(files.items()):
            if name in (MANIFEST_PATH, DESCRIPTOR_PATH):
                continue
            with source.open("rb") as src, out.open(name, "w", force_zip64=True) as dst:
                shutil.copyfileobj(src, dst, _CHUNK)
