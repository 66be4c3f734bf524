"""`${...}` placeholders and `~{...}` references: lookup chain, nesting, indexing, escaping, errors."""

from __future__ import annotations

import pytest
from helpers import model

from bgdeploy.errors import ContentError
from bgdeploy.mta.placeholders import Scope, UnresolvedPlaceholder, resolve

BASE = """\
_schema-version: "3.3"
ID: demo
version: 1.0.0
parameters: {greeting: hello, list: [a, b]}
modules:
  - name: api
    type: nodejs
    parameters: {memory: 256M, word: "${greeting}-api"}
    properties:
      WORD: ${word}
      NESTED: ${default-url}/x
      INDEXED: ${list/1}
      LIST: ${list}
      ESCAPED: \\${not-a-placeholder} and \\~{nor-a-reference}
      ORG: ${org}/${space}/${user}
      INNER: ${${inner-name}}
      inner-name: word
    provides:
      - name: api-url
        properties: {url: "${default-url}", user: "${generated-user}"}
  - name: ui
    type: staticfile
    requires:
      - name: api-url
        group: destinations
        properties: {url: "~{url}", name: api}
      - name: config
    properties:
      API: ~{api-url/url}
      SECRET: ~{config/secret}
      WHOLE: ~{config/deep}
resources:
  - name: config
    properties: {secret: s3cret, deep: {k: [1, 2]}}
"""


def test_placeholder_forms(ctx) -> None:
    env = model(BASE.replace("      INNER: ${${inner-name}}\n      inner-name: word\n", ""), ctx).app("api").env
    assert env["WORD"] == "hello-api"
    assert env["NESTED"] == "https://myorg-dev-api.cfapps.example.com/x"
    assert env["INDEXED"] == "b" and env["LIST"] == '["a","b"]'
    assert env["ESCAPED"] == "${not-a-placeholder} and ~{nor-a-reference}"
    assert env["ORG"] == "myorg/dev/someone@example.com"


def test_nested_placeholder_in_placeholder() -> None:
    scope = Scope([{"inner-name": "word", "word": "x"}])
    assert resolve("${${inner-name}}", scope) == "x"


def test_references_and_groups(ctx) -> None:
    m = model(BASE.replace("      INNER: ${${inner-name}}\n      inner-name: word\n", ""), ctx, phase="idle")
    ui = m.app("ui")
    assert ui.env["API"] == "https://myorg-dev-api-idle.cfapps.example.com"
    assert ui.env["SECRET"] == "s3cret" and ui.env["WHOLE"] == '{"k":[1,2]}'
    assert ui.env["destinations"] == '[{"name":"api","url":"https://myorg-dev-api-idle.cfapps.example.com"}]'
    assert m.waves == [["api"], ["ui"]]


@pytest.mark.parametrize(
    ("change", "message", "path"),
    [
        (("WORD: ${word}", "WORD: ${missing}"), 'cannot resolve "${missing}"', "modules[0].properties.WORD"),
        (
            ("API: ~{api-url/url}", "API: ~{other/url}"),
            '"other" is not listed in "requires"',
            "modules[1].properties.API",
        ),
        (
            ("SECRET: ~{config/secret}", "SECRET: ~{config/nope}"),
            '"config" has no property "nope"',
            "modules[1].properties.SECRET",
        ),
        (("WORD: ${word}", "WORD: ${a}\n      a: 1"), 'cannot resolve "${a}"', "modules[0].properties.WORD"),
        (("WORD: ${word}", "WORD: ${list/9}"), '"9" does not exist', "modules[0].properties.WORD"),
    ],
)
def test_errors_name_the_path(ctx, change: tuple[str, str], message: str, path: str) -> None:
    text = BASE.replace("      INNER: ${${inner-name}}\n      inner-name: word\n", "").replace(*change)
    with pytest.raises(ContentError) as info:
        model(text, ctx)
    assert message in info.value.message and info.value.path == path and info.value.line is not None


def test_placeholder_cycle_is_an_error() -> None:
    with pytest.raises(UnresolvedPlaceholder):
        resolve("${a}", Scope([{"a": "${b}", "b": "${a}"}]))


def test_read_only_parameter_cannot_be_set(ctx) -> None:
    with pytest.raises(ContentError) as info:
        model(BASE.replace("memory: 256M,", "default-host: mine, memory: 256M,"), ctx)
    assert "read-only" in info.value.message and info.value.path == "modules[0].parameters.default-host"


def test_generated_values_are_stable_across_phases(ctx) -> None:
    text = BASE.replace("      INNER: ${${inner-name}}\n      inner-name: word\n", "")
    live = model(text, ctx).app("api")
    idle = model(text, ctx, phase="idle").app("api")
    assert live.env["WORD"] == idle.env["WORD"]
    live_user = model(text + "    parameters: {u: '${generated-user}'}\n", ctx).services
    assert live_user == model(text + "    parameters: {u: '${generated-user}'}\n", ctx).services


def test_list_requires_tolerates_unresolvable(ctx) -> None:
    text = (
        BASE.replace("      INNER: ${${inner-name}}\n      inner-name: word\n", "")
        .replace("group: destinations", "list: apis")
        .replace('url: "~{url}"', 'url: "~{nope}"')
    )
    assert model(text, ctx).app("ui").env["apis"] == '[{"name":"api"}]'
