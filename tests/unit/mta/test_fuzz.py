"""Fuzzing the readers with a bounded budget: whatever the input, the result is a model or a ContentError."""

from __future__ import annotations

import contextlib
import io
import zipfile
from pathlib import Path

from helpers import DESCRIPTOR, MANIFEST
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bgdeploy.errors import ContentError
from bgdeploy.mta import load_descriptor, load_extension, open_archive, resolve
from bgdeploy.mta.manifest import parse_manifest
from bgdeploy.mta.model import PlatformContext

CTX = PlatformContext(org="o", space="s", user="u", default_domain="d.example", api_url="https://api.example", seed="x")
FAST = settings(max_examples=200, deadline=500, suppress_health_check=[HealthCheck.too_slow])

scalars = st.one_of(st.none(), st.booleans(), st.integers(-5, 5), st.text(max_size=12))
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8,
)
names = st.sampled_from(["web", "db", "x", "${org}", "~{db/a}", "", "a b"])
keys = st.sampled_from(
    ["memory", "routes", "host", "idle-routes", "instances", "no-route", "config", "service", "A", "app-name"]
)


@st.composite
def descriptors(draw) -> str:
    import yaml

    doc = {
        "_schema-version": draw(st.sampled_from(["2", "3.1", "3.3", 3, "4", None])),
        "ID": draw(names),
        "version": draw(st.sampled_from(["1.0.0", "x", None])),
        "parameters": draw(st.dictionaries(keys, values, max_size=3)),
        "modules": [
            {
                "name": draw(names),
                "type": draw(st.sampled_from(["nodejs", "staticfile", "unknown", None])),
                "parameters": draw(st.dictionaries(keys, values, max_size=3)),
                "properties": draw(st.dictionaries(keys, values, max_size=3)),
                "requires": draw(st.lists(st.fixed_dictionaries({"name": names}), max_size=2)),
            }
            for _ in range(draw(st.integers(0, 2)))
        ],
        "resources": [
            {
                "name": draw(names),
                "type": draw(
                    st.sampled_from(
                        ["org.cloudfoundry.managed-service", "org.cloudfoundry.user-provided-service", None]
                    )
                ),
                "parameters": draw(st.dictionaries(keys, values, max_size=3)),
            }
            for _ in range(draw(st.integers(0, 2)))
        ],
    }
    return yaml.safe_dump(doc)


@FAST
@given(descriptors(), st.sampled_from(["live", "idle"]))
def test_structured_descriptors_resolve_or_fail_cleanly(text: str, phase: str) -> None:
    try:
        resolve(load_descriptor(text, "mtad.yaml"), [], CTX, phase)  # type: ignore[arg-type]
    except ContentError as exc:
        assert exc.message


@FAST
@given(st.text(max_size=400))
def test_arbitrary_text_never_crashes_the_loaders(text: str) -> None:
    for loader in (load_descriptor, load_extension):
        with contextlib.suppress(ContentError):
            loader(text, "f.yaml")


@FAST
@given(st.binary(max_size=300))
def test_arbitrary_manifest_bytes(data: bytes) -> None:
    with contextlib.suppress(ContentError):
        parse_manifest(data)


def _archive_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("META-INF/MANIFEST.MF", MANIFEST)
        z.writestr("META-INF/mtad.yaml", DESCRIPTOR)
        z.writestr("web.zip", b"PK\x05\x06" + b"\0" * 18)
    return buffer.getvalue()


VALID = _archive_bytes()


@settings(
    max_examples=150, deadline=1000, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
)
@given(st.lists(st.tuples(st.integers(0, len(VALID) - 1), st.integers(0, 255)), min_size=1, max_size=6))
def test_corrupted_archives_fail_cleanly(tmp_path: Path, flips: list[tuple[int, int]]) -> None:
    data = bytearray(VALID)
    for index, byte in flips:
        data[index] = byte
    path = tmp_path / "fuzz.mtar"
    path.write_bytes(bytes(data))
    try:
        with open_archive(str(path)) as archive:
            resolve(archive.descriptor, [], CTX, "live", archive=archive)
            if archive.module_content("web") is not None:
                archive.write_module_bits("web", io.BytesIO())
    except ContentError:
        pass
