"""A large MTA archive for the upload figure (P5): one module whose bits carry an incompressible payload.

The module is the sample's app (tests/sample/app_server.py) packed as a zip entry, with `payload.bin`
(random bytes) next to it; both zips store rather than deflate, as random data does not shrink, so the
archive is about `payload_mib` MiB and building it costs little more than writing it.
"""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

SAMPLE = Path(__file__).resolve().parent.parent / "sample"
_BLOCK = 4 << 20
MODULE = "big"


def descriptor(version: str) -> str:
    return "\n".join([
        '_schema-version: "3.3"',
        "ID: bg.upload",
        f'version: "{version}"',
        "modules:",
        f"  - name: {MODULE}",
        "    type: python",
        f"    path: {MODULE}.zip",
        "    parameters:",
        "      memory: 64M",
        "      instances: 1",
        "      command: python3 server.py",
        "      no-route: true",
        "    properties:",
        f"      MODULE: {MODULE}",
        f'      MTA_VERSION: "{version}"',
    ]) + "\n"


MANIFEST = f"Manifest-Version: 1.0\n\nName: {MODULE}.zip\nMTA-Module: {MODULE}\nContent-Type: application/zip\n\n"


def _write_payload(out: zipfile.ZipFile, name: str, size: int) -> None:
    info = zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_STORED
    info.file_size = size
    with out.open(info, "w", force_zip64=True) as dst:
        left = size
        while left:
            block = os.urandom(min(_BLOCK, left))
            dst.write(block)
            left -= len(block)


def build(out: Path, payload_mib: int, version: str = "1.0.0") -> Path:
    """Write the archive to `out` (the module's zip goes to a file next to it first, then is removed)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    module_zip = out.with_name(f".{out.name}.{MODULE}.zip")
    try:
        with zipfile.ZipFile(module_zip, "w", zipfile.ZIP_STORED) as z:
            z.writestr("server.py", (SAMPLE / "app_server.py").read_text())
            z.writestr("Procfile", "web: python3 server.py\n")
            _write_payload(z, "payload.bin", payload_mib << 20)
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
            z.writestr("META-INF/MANIFEST.MF", MANIFEST)
            z.writestr("META-INF/mtad.yaml", descriptor(version))
            z.write(module_zip, f"{MODULE}.zip", compress_type=zipfile.ZIP_STORED)
    finally:
        module_zip.unlink(missing_ok=True)
    return out
