"""Small builders used by several test modules."""

from __future__ import annotations

import subprocess
import textwrap
import zipfile
from pathlib import Path

from bgdeploy.mta import load_descriptor, load_extension, resolve
from bgdeploy.mta.model import DeploymentModel, PlatformContext

# The plugin's archive builder (plugin-shim/internal/archive), the only one: `make build` puts it here.
MTAR_BUILD = Path(__file__).resolve().parents[3] / ".tools" / "bin" / "mtar-build"


def model(
    yaml_text: str, ctx: PlatformContext, phase: str = "live", exts: tuple[str, ...] = (), **kw
) -> DeploymentModel:
    d = load_descriptor(textwrap.dedent(yaml_text), "mtad.yaml")
    extensions = [load_extension(textwrap.dedent(e), f"ext{i}.mtaext") for i, e in enumerate(exts)]
    return resolve(d, extensions, ctx, phase, **kw)  # type: ignore[arg-type]


MANIFEST = "Manifest-Version: 1.0\n\nName: web.zip\nMTA-Module: web\nContent-Type: application/zip\n\n"
DESCRIPTOR = """\
_schema-version: "3.1"
ID: demo
version: 1.0.0
modules:
  - name: web
    type: staticfile
    path: web.zip
"""


def inner_zip(path: Path, files: dict[str, bytes]) -> bytes:
    with zipfile.ZipFile(path, "w") as z:
        for name, data in files.items():
            z.writestr(name, data)
    return path.read_bytes()


def make_mtar(path: Path, entries: dict[str, bytes | str], compression: int = zipfile.ZIP_DEFLATED) -> Path:
    with zipfile.ZipFile(path, "w", compression=compression) as z:
        for name, data in entries.items():
            z.writestr(name, data)
    return path


def build_from_directory(directory: Path, out: Path) -> Path:
    """Build out from an MTA directory with the plugin's builder, as `cf bg-deploy DIR` does."""
    if not MTAR_BUILD.is_file():
        raise AssertionError(f"{MTAR_BUILD} is missing: run `make build`")
    proc = subprocess.run([str(MTAR_BUILD), str(directory), str(out)], capture_output=True, text=True, timeout=60)
    if proc.returncode != 0:
        raise AssertionError(f"mtar-build {directory} exited {proc.returncode}: {proc.stderr}")
    return out
