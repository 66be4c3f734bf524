"""Reading an MTA archive (.mtar): a zip with META-INF/MANIFEST.MF, META-INF/mtad.yaml and module content.

Every entry is checked when the archive is opened, before anything is decompressed: paths must stay inside
the archive (no absolute paths, drive letters or `..`), declared sizes must fit the limits, and the
compression ratio of large entries must be plausible (zip bombs). Module content is never read whole into
memory: `write_module_bits` streams a zip entry, or zips a directory prefix on the fly, into a file object.
"""

from __future__ import annotations

import json
import os
import shutil
import struct
import zipfile
import zlib
from types import TracebackType
from typing import IO, Any

from bgdeploy.errors import ContentError

from .descriptor import Descriptor
from .limits import (
    MAX_ARCHIVE_BYTES,
    MAX_COMPRESSION_RATIO,
    MAX_DESCRIPTOR_BYTES,
    MAX_ENTRIES,
    MAX_MODULE_BYTES,
    MAX_RESOURCE_FILE_BYTES,
    RATIO_MIN_BYTES,
)
from .loader import load_descriptor
from .manifest import MANIFEST_PATH, Manifest, parse_manifest
from .model import ContentRef

DESCRIPTOR_PATH = "META-INF/mtad.yaml"
# What zipfile raises on damaged input (it is not limited to BadZipFile).
_ZIP_ERRORS = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    NotImplementedError,
    ValueError,
    EOFError,
    OSError,
    struct.error,
    UnicodeDecodeError,
    OverflowError,
    zlib.error,
)
_CHUNK = 1024 * 1024


def check_entry_name(name: str) -> str | None:
    """Why `name` is not a safe archive path, or None."""
    normalized = name.replace("\\", "/")
    if normalized.startswith("/") or (len(normalized) > 1 and normalized[1] == ":"):
        return "is an absolute path"
    if any(part == ".." for part in normalized.split("/")):
        return 'leaves the archive ("..")'
    if "\0" in normalized:
        return "contains a NUL character"
    return None


class MtaArchive:
    """An opened archive; use as a context manager (`with open_archive(path) as archive:`)."""

    def __init__(self, path: str, name: str | None = None) -> None:
        self.path = path
        self.file_name = name or os.path.basename(path)  # what messages call it (the user's file name)
        try:
            self._zip = zipfile.ZipFile(path)
        except FileNotFoundError:
            raise ContentError("does not exist", file=self.file_name) from None
        except _ZIP_ERRORS as exc:
            raise ContentError(f"is not a valid MTA archive (zip): {exc}", file=self.file_name) from None
        try:
            self._infos = self._check_entries()
            self.manifest = self._read_manifest()
            self.descriptor_text = self._read_text(DESCRIPTOR_PATH, MAX_DESCRIPTOR_BYTES)
            self._modules, self._resources, self._requires = self._index_manifest()
            self._descriptor: Descriptor | None = None
        except BaseException:
            self._zip.close()
            raise

    # -- opening checks --------------------------------------------------------------------------------------
    def _check_entries(self) -> dict[str, zipfile.ZipInfo]:
        infos = self._zip.infolist()
        if len(infos) > MAX_ENTRIES:
            raise ContentError(f"has more than {MAX_ENTRIES} entries", file=self.file_name)
        archive_size = os.path.getsize(self.path)
        total = 0
        by_name: dict[str, zipfile.ZipInfo] = {}
        for info in infos:
            problem = check_entry_name(info.filename)
            if problem:
                raise ContentError(f'entry "{info.filename}" {problem}', file=self.file_name)
            if info.flag_bits & 0x1:
                raise ContentError(f'entry "{info.filename}" is encrypted', file=self.file_name)
            if info.file_size > MAX_MODULE_BYTES:
                raise ContentError(
                    f'entry "{info.filename}" is larger than {MAX_MODULE_BYTES // 1024**2} MB', file=self.file_name
                )
            if info.compress_size > archive_size:
                raise ContentError(
                    f'entry "{info.filename}" declares more bytes than the file has', file=self.file_name
                )
            if info.file_size > RATIO_MIN_BYTES and (
                info.compress_size == 0 or info.file_size / info.compress_size > MAX_COMPRESSION_RATIO
            ):
                raise ContentError(
                    f'entry "{info.filename}" is compressed more than {MAX_COMPRESSION_RATIO}:1 (zip bomb?)',
                    file=self.file_name,
                )
            total += info.file_size
            if total > MAX_ARCHIVE_BYTES:
                raise ContentError(f"unpacks to more than {MAX_ARCHIVE_BYTES // 1024**3} GB", file=self.file_name)
            by_name[info.filename.replace("\\", "/")] = info
        return by_name

    def _read_bytes(self, name: str, limit: int) -> bytes:
        info = self._infos.get(name)
        if info is None:
            raise ContentError(f"{name} is missing", file=self.file_name)
        if info.file_size > limit:
            raise ContentError(f"{name} is larger than {limit // 1024} KB", file=self.file_name)
        try:
            with self._zip.open(info) as handle:
                data = handle.read(limit + 1)
        except _ZIP_ERRORS as exc:
            raise ContentError(f"{name} cannot be read: {exc}", file=self.file_name) from None
        if len(data) > limit:
            raise ContentError(f"{name} is larger than {limit // 1024} KB", file=self.file_name)
        return data

    def _read_text(self, name: str, limit: int) -> str:
        data = self._read_bytes(name, limit)
        try:
            return data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise ContentError(f"{name} is not UTF-8 text (byte {exc.start})", file=self.file_name) from None

    def _read_manifest(self) -> Manifest:
        data = self._read_bytes(MANIFEST_PATH, MAX_DESCRIPTOR_BYTES)
        return parse_manifest(data, f"{self.file_name}: {MANIFEST_PATH}")

    def _index_manifest(self) -> tuple[dict[str, ContentRef], dict[str, str], dict[str, str]]:
        modules: dict[str, ContentRef] = {}
        resources: dict[str, str] = {}
        requires: dict[str, str] = {}
        where = f"{self.file_name}: {MANIFEST_PATH}"
        for section in self.manifest.sections:
            name = section.name.replace("\\", "/")
            problem = check_entry_name(name)
            if problem:
                raise ContentError(f'entry "{section.name}" {problem}', file=where, line=section.line)
            is_dir = name.endswith("/")
            exists = any(n.startswith(name) for n in self._infos) if is_dir else name in self._infos
            if not exists:
                raise ContentError(
                    f'names "{section.name}", which is not in the archive', file=where, line=section.line
                )
            is_json = (section.get("Content-Type") or "").lower().startswith("application/json")
            for module in section.names("MTA-Module"):
                modules[module] = ContentRef(entry=name, is_directory=is_dir)
            for resource in section.names("MTA-Resource"):
                if is_json:
                    resources[resource] = name
            for requirement in section.names("MTA-Requires"):
                if is_json:
                    requires[requirement] = name
        return modules, resources, requires

    # -- public API ------------------------------------------------------------------------------------------
    @property
    def descriptor(self) -> Descriptor:
        if self._descriptor is None:
            self._descriptor = load_descriptor(self.descriptor_text, f"{self.file_name}: {DESCRIPTOR_PATH}")
        return self._descriptor

    @property
    def mta_id(self) -> str:
        return self.descriptor.id

    @property
    def version(self) -> str:
        return self.descriptor.version

    def module_content(self, module: str) -> ContentRef | None:
        return self._modules.get(module)

    def resource_config(self, resource: str) -> dict | None:
        entry = self._resources.get(resource)
        return None if entry is None else self._json(entry)

    def requires_config(self, module: str, requirement: str) -> dict | None:
        entry = self._requires.get(f"{module}/{requirement}")
        return None if entry is None else self._json(entry)

    def _json(self, entry: str) -> dict[str, Any]:
        text = self._read_text(entry, MAX_RESOURCE_FILE_BYTES)
        try:
            value = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ContentError(f"{entry} is not valid JSON: {exc.msg}", file=self.file_name, line=exc.lineno) from None
        if not isinstance(value, dict):
            raise ContentError(f"{entry} must hold a JSON object", file=self.file_name)
        return value

    def write_module_bits(self, module: str, fileobj: IO[bytes]) -> None:
        """Write a zip of the module's content to `fileobj` (streamed; nothing is held in memory whole)."""
        ref = self._modules.get(module)
        if ref is None:
            raise ContentError(f'module "{module}" has no content in the archive', file=self.file_name)
        try:
            if ref.is_directory:
                self._zip_directory(ref.entry, fileobj)
            elif self._is_zip(ref.entry):
                with self._zip.open(self._infos[ref.entry]) as source:
                    shutil.copyfileobj(source, fileobj, _CHUNK)
            else:
                self._zip_files([(ref.entry, os.path.basename(ref.entry))], fileobj)
        except _ZIP_ERRORS as exc:
            if isinstance(exc, OSError) and not isinstance(exc, zipfile.BadZipFile) and exc.errno is not None:
                raise  # writing to the caller's file failed: not a content problem
            raise ContentError(f'content of module "{module}" cannot be read: {exc}', file=self.file_name) from None

    def _is_zip(self, entry: str) -> bool:
        with self._zip.open(self._infos[entry]) as handle:
            return handle.read(4) in (b"PK\x03\x04", b"PK\x05\x06")

    def _zip_directory(self, prefix: str, fileobj: IO[bytes]) -> None:
        members = [
            (name, name[len(prefix) :])
            for name, info in self._infos.items()
            if name.startswith(prefix) and not info.is_dir() and name != prefix
        ]
        self._zip_files(members, fileobj)

    def _zip_files(self, members: list[tuple[str, str]], fileobj: IO[bytes]) -> None:
        with zipfile.ZipFile(fileobj, "w", compression=zipfile.ZIP_DEFLATED) as out:
            for source_name, target_name in members:
                source_info = self._infos[source_name]
                target = zipfile.ZipInfo(target_name, date_time=source_info.date_time)
                target.external_attr = source_info.external_attr
                target.compress_type = zipfile.ZIP_DEFLATED
                target.file_size = source_info.file_size  # lets zipfile pick zip64 up front for big files
                with self._zip.open(source_info) as src, out.open(target, "w", force_zip64=True) as dst:
                    shutil.copyfileobj(src, dst, _CHUNK)

    def close(self) -> None:
        self._zip.close()

    def __enter__(self) -> MtaArchive:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


def open_archive(path: str, name: str | None = None) -> MtaArchive:
    return MtaArchive(path, name)
