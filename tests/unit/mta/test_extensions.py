"""Extension descriptors: the chain, merge rules, and the v2 / v3 overwrite rules."""

from __future__ import annotations

import pytest
from helpers import model

from bgdeploy.errors import ContentError
from bgdeploy.mta import load_descriptor, load_extension
from bgdeploy.mta.extensions import merge_extensions, order_chain

BASE = """\
_schema-version: "3.3"
ID: app
version: 1.0.0
parameters: {region: eu}
modules:
  - name: web
    type: nodejs
    parameters: {memory: 256M, fixed: keep}
    parameters-metadata: {fixed: {overwritable: false}, nullable: {optional: true}}
    properties: {A: "1", NESTED: {x: 1, y: 2}}
    requires: [{name: db, properties: {url: fixed}}]
resources:
  - name: db
    type: org.cloudfoundry.user-provided-service
    parameters: {config: {user: a, pass: b}}
"""


def ext(body: str, ext_id: str = "app.ext", extends: str = "app", version: str = "3.3") -> str:
    return f'_schema-version: "{version}"\nID: {ext_id}\nextends: {extends}\n' + body


def test_merge_maps_recursively_and_replace_scalars(ctx) -> None:
    m = model(
        BASE,
        ctx,
        exts=(
            ext(
                "parameters: {region: us}\nmodules:\n  - name: web\n    parameters: {memory: 1G}\n"
                "    properties: {NESTED: {y: 3}, B: two}\n    requires: [{name: db, properties: {url: other}}]\n"
                "resources:\n  - name: db\n    parameters: {config: {pass: c}}\n"
            ),
        ),
    )
    web = m.app("web")
    assert web.memory_mb == 1024 and web.env["B"] == "two" and web.env["NESTED"] == '{"x":1,"y":3}'
    assert web.env["url"] == "other"
    assert m.services[0].credentials == {"user": "a", "pass": "c"}


def test_chain_order_does_not_depend_on_command_line_order() -> None:
    d = load_descriptor(BASE, "mtad.yaml")
    a = load_extension(ext("", "a"), "a.mtaext")
    b = load_extension(ext("", "b", extends="a"), "b.mtaext")
    assert [e.id for e in order_chain(d, [b, a])] == ["a", "b"]


@pytest.mark.parametrize(
    ("body", "message", "path"),
    [
        ("modules:\n  - name: nope\n", 'unknown module "nope"', "modules[0].name"),
        ("resources:\n  - name: nope\n", 'unknown resource "nope"', "resources[0].name"),
        (
            "modules:\n  - name: web\n    requires: [{name: x}]\n",
            'unknown required dependency "x"',
            "modules[0].requires[0].name",
        ),
        (
            "modules:\n  - name: web\n    parameters: {fixed: new}\n",
            'the parameter "web#fixed" is not overwritable',
            "modules[0].parameters.fixed",
        ),
        (
            "modules:\n  - name: web\n    parameters: {memory: null}\n",
            'The parameter "web#memory" is not optional and has no value.',
            "modules[0].parameters.memory",
        ),
        (
            "modules:\n  - name: web\n    properties: {NESTED: flat}\n",
            "is a map in the deployment descriptor",
            "modules[0].properties.NESTED",
        ),
    ],
)
def test_merge_errors(ctx, body: str, message: str, path: str) -> None:
    with pytest.raises(ContentError) as info:
        model(BASE, ctx, exts=(ext(body),))
    assert message in info.value.message and info.value.path == path and info.value.file == "ext0.mtaext"
    assert info.value.line is not None


def test_optional_null_clears(ctx) -> None:
    m = model(
        BASE.replace("fixed: keep}", "fixed: keep, nullable: x}"),
        ctx,
        exts=(ext("modules:\n  - name: web\n    parameters: {nullable: null}\n"),),
    )
    assert m.app("web").name == "web"


def test_unknown_parent_and_two_children() -> None:
    d = load_descriptor(BASE, "mtad.yaml")
    with pytest.raises(ContentError, match='extends unknown descriptor "other"'):
        merge_extensions(d, [load_extension(ext("", "x", extends="other"), "x.mtaext")])
    with pytest.raises(ContentError, match="both extend"):
        merge_extensions(d, [load_extension(ext("", "x"), "x.mtaext"), load_extension(ext("", "y"), "y.mtaext")])


def test_v2_extension_may_only_fill_empty_values(ctx) -> None:
    v2 = (
        BASE.replace('"3.3"', "2.1")
        .replace("    parameters-metadata: {fixed: {overwritable: false}, nullable: {optional: true}}\n", "")
        .replace("parameters: {memory: 256M, fixed: keep}", "parameters: {memory: 256M, empty: null}")
    )
    ok = model(
        v2, ctx, exts=(ext("modules:\n  - name: web\n    parameters: {empty: filled, memory: 256M}\n", version="2.1"),)
    )
    assert ok.app("web").memory_mb == 256
    with pytest.raises(ContentError, match="schema 2 extension descriptors may only fill empty values"):
        model(v2, ctx, exts=(ext("modules:\n  - name: web\n    parameters: {memory: 1G}\n", version="2.1"),))


def test_merge_leaves_input_unchanged() -> None:
    d = load_descriptor(BASE, "mtad.yaml")
    merge_extensions(d, [load_extension(ext("parameters: {region: us}\n"), "e.mtaext")])
    assert d.parameters == {"region": "eu"}
