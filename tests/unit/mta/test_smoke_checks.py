"""`bg-smoke-tests` in the model: typed with defaults, from an extension descriptor too, and every mistake a
content error that names the entry and key (an unknown key never passes in silence)."""

from __future__ import annotations

import pytest
from helpers import model

from bgdeploy.errors import ContentError
from bgdeploy.mta.model import SmokeCheck

DESCRIPTOR = """\
_schema-version: "3.1"
ID: shop
version: 1.0.0
modules:
  - name: web
    type: staticfile
    parameters:
      bg-smoke-tests:
        - path: /health
          expect-status: 200
          expect-body: '"status":"UP"'
          timeout: 30s
          retries: 5
        - path: /
          timeout: 500ms
        - {}
  - name: api
    type: staticfile
"""


def test_checks_are_typed_with_defaults(ctx) -> None:
    m = model(DESCRIPTOR, ctx, phase="idle")
    assert m.app("web").smoke_tests == [
        SmokeCheck(path="/health", expect_status=200, expect_body='"status":"UP"', timeout_ms=30_000, retries=5),
        SmokeCheck(path="/", timeout_ms=500),
        SmokeCheck(),
    ]
    assert SmokeCheck() == SmokeCheck(path="/", expect_status=200, expect_body=None, timeout_ms=10_000, retries=0)
    assert m.app("api").smoke_tests == []
    assert m.warnings == []


def test_an_extension_descriptor_adds_checks(ctx) -> None:
    ext = """\
    _schema-version: "3.1"
    ID: shop-ext
    extends: shop
    modules:
      - name: api
        parameters:
          bg-smoke-tests:
            - path: /ping
              timeout: 2m
    """
    assert model(DESCRIPTOR, ctx, exts=(ext,)).app("api").smoke_tests == [SmokeCheck(path="/ping", timeout_ms=120_000)]


@pytest.mark.parametrize(("entry", "path", "why"), [
    ("{pth: /health}", "bg-smoke-tests[0].pth", 'unknown key "pth" of a smoke test'),
    ("{path: health}", "bg-smoke-tests[0].path", 'must be a path starting with "/"'),
    ("{expect-status: '200'}", "bg-smoke-tests[0].expect-status", "must be an HTTP status code"),
    ("{expect-status: 700}", "bg-smoke-tests[0].expect-status", "must be an HTTP status code"),
    ("{expect-body: ''}", "bg-smoke-tests[0].expect-body", "must be a non-empty string"),
    ("{timeout: soon}", "bg-smoke-tests[0].timeout", "must be a duration"),
    ("{timeout: 0s}", "bg-smoke-tests[0].timeout", "must be a duration"),
    ("{retries: -1}", "bg-smoke-tests[0].retries", "must be a whole number from 0 to 100"),
    ("/health", "bg-smoke-tests[0]", "must be a map"),
])
def test_mistakes_are_content_errors_naming_the_key(ctx, entry: str, path: str, why: str) -> None:
    descriptor = f"""\
_schema-version: "3.1"
ID: shop
version: 1.0.0
modules:
  - name: web
    type: staticfile
    parameters:
      bg-smoke-tests:
        - {entry}
"""
    with pytest.raises(ContentError) as caught:
        model(descriptor, ctx)
    assert f"modules[0].parameters.{path}" in str(caught.value) and why in str(caught.value)
    assert "mtad.yaml:" in str(caught.value)  # with the line


def test_a_single_map_is_not_a_list(ctx) -> None:
    descriptor = """\
_schema-version: "3.1"
ID: shop
version: 1.0.0
modules:
  - name: web
    type: staticfile
    parameters:
      bg-smoke-tests:
        path: /health
"""
    with pytest.raises(ContentError, match="must be a list of checks"):
        model(descriptor, ctx)
