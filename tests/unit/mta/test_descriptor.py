"""Descriptor loading: schema checks with file, line and path; YAML limits (size, alias bombs)."""

from __future__ import annotations

import time

import pytest

from bgdeploy.errors import ContentError
from bgdeploy.mta import load_descriptor, load_extension

GOOD = """\
_schema-version: "3.3"
ID: demo
version: 1.0.0
modules:
  - name: web
    type: nodejs
    requires:
      - name: db
resources:
  - name: db
    type: org.cloudfoundry.managed-service
"""


def test_loads_modules_and_resources() -> None:
    d = load_descriptor(GOOD, "mtad.yaml")
    assert (d.id, d.version, d.major) == ("demo", "1.0.0", 3)
    assert d.modules[0].requires[0].name == "db" and d.resources[0].type == "org.cloudfoundry.managed-service"


def test_version_text_is_kept_verbatim() -> None:
    d = load_descriptor(GOOD.replace("1.0.0", "1.10").replace('"3.3"', "3.1"), "mtad.yaml")
    assert d.version == "1.10" and d.schema_version == "3.1"


@pytest.mark.parametrize(
    ("text", "message", "path", "line"),
    [
        (
            GOOD.replace("      - name: db\n", "      - name: 42 x\n"),
            "not a valid name",
            "modules[0].requires[0].name",
            8,
        ),
        (GOOD.replace("    type: nodejs\n", ""), "is required", "modules[0].type", None),
        (
            GOOD.replace("    requires:\n      - name: db\n", "    requires: db\n"),
            "must be a list",
            "modules[0].requires",
            7,
        ),
        (GOOD.replace('"3.3"', '"1.0"'), "unsupported schema version", "_schema-version", 1),
        (GOOD.replace("ID: demo\n", ""), "is required", "ID", None),
        (
            GOOD.replace('"3.3"', "2") + "    processed-after: [x]\n",
            "requires schema version 3",
            "resources[0].processed-after",
            12,
        ),
        (GOOD + "  - name: db\n    type: x\n", 'resource "db" is defined more than once', "resources[1].name", 12),
        ("- just\n- a list\n", "must be a map", "", None),
    ],
)
def test_schema_errors_name_file_line_and_path(text: str, message: str, path: str, line: int | None) -> None:
    with pytest.raises(ContentError) as info:
        load_descriptor(text, "mtad.yaml")
    err = info.value
    assert message in err.message and err.path == path and err.file == "mtad.yaml"
    if line is not None:
        assert err.line == line


def test_yaml_syntax_error_has_line() -> None:
    with pytest.raises(ContentError) as info:
        load_descriptor(GOOD + "  - name: [unclosed\n", "mtad.yaml")
    assert info.value.file == "mtad.yaml" and info.value.line and "invalid YAML" in info.value.message


def test_duplicate_keys_are_rejected() -> None:
    with pytest.raises(ContentError, match='duplicate key "ID"'):
        load_descriptor(GOOD + "ID: again\n", "mtad.yaml")


def test_size_limit() -> None:
    with pytest.raises(ContentError, match="larger than"):
        load_descriptor(GOOD + "#" * (1024 * 1024), "mtad.yaml")


def test_alias_bomb_is_rejected_fast() -> None:
    bomb = 'a: &a ["x","x","x","x","x","x","x","x","x"]\n'
    for i in range(1, 10):
        prev = chr(ord("a") + i - 1)
        cur = chr(ord("a") + i)
        bomb += f"{cur}: &{cur} [" + ",".join([f"*{prev}"] * 9) + "]\n"
    started = time.perf_counter()
    with pytest.raises(ContentError, match="expands to more than"):
        load_descriptor(bomb, "mtad.yaml")
    assert time.perf_counter() - started < 1


def test_recursive_alias_is_rejected() -> None:
    with pytest.raises(ContentError):
        load_descriptor("a: &a [*a]\n", "mtad.yaml")


def test_yaml_anchors_and_merge_keys_work() -> None:
    text = GOOD + "parameters:\n  base: &base {memory: 1G}\n  copy:\n    <<: *base\n    disk: 2G\n"
    assert load_descriptor(text, "mtad.yaml").parameters["copy"] == {"memory": "1G", "disk": "2G"}


def test_extension_requires_extends() -> None:
    with pytest.raises(ContentError) as info:
        load_extension('_schema-version: "3.1"\nID: ext\n', "a.mtaext")
    assert info.value.path == "extends" and info.value.file == "a.mtaext"


def test_ten_module_descriptor_parses_every_module_with_its_requires() -> None:
    modules = "".join(
        f"  - name: m{i}\n    type: nodejs\n    parameters: {{memory: 256M}}\n    properties: {{A: {i}}}\n"
        "    requires: [{name: db}]\n"
        for i in range(10)
    )
    text = '_schema-version: "3.3"\nID: demo\nversion: 1.0.0\nmodules:\n' + modules
    text += "resources:\n  - name: db\n    type: org.cloudfoundry.user-provided-service\n"
    descriptor = load_descriptor(text, "mtad.yaml")  # its speed is make bench's business, not a test's
    assert [m.name for m in descriptor.modules] == [f"m{i}" for i in range(10)]
    assert all([r.name for r in m.requires] == ["db"] for m in descriptor.modules)
