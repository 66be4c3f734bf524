"""Partial deploys (`-m`, `-r`): what is selected, what is skipped, and what the model says about the rest."""

from __future__ import annotations

import pytest
from helpers import model

from bgdeploy.errors import ContentError

DESCRIPTOR = """\
_schema-version: "3.1"
ID: shop
version: 1.0.0
modules:
  - name: web
    type: staticfile
  - name: skipped
    type: staticfile
    parameters:
      skip-deploy: true
  - name: api
    type: nodejs
    requires:
      - name: db
resources:
  - name: db
    type: org.cloudfoundry.managed-service
    parameters: {service: postgres, service-plan: small}
  - name: cache
    type: org.cloudfoundry.managed-service
    parameters: {service: redis, service-plan: small}
"""
EXTENSION = """\
_schema-version: "3.1"
ID: shop-ext
extends: shop
modules:
  - name: skipped
    parameters:
      skip-deploy: false
"""


@pytest.mark.parametrize("phase", ["live", "idle"])
def test_descriptor_modules_lists_every_module_selected_or_not(ctx, phase: str) -> None:
    partial = model(DESCRIPTOR, ctx, phase, selected_modules=["api"], selected_resources=["db"])
    assert [a.module for a in partial.apps] == ["api"]
    assert [s.resource for s in partial.services] == ["db"]
    assert partial.descriptor_modules == ["web", "skipped", "api"]
    full = model(DESCRIPTOR, ctx, phase)
    assert [a.module for a in full.apps] == ["web", "api"] and full.skipped_modules == ["skipped"]
    assert full.descriptor_modules == ["web", "skipped", "api"]


def test_descriptor_modules_are_those_after_extensions(ctx) -> None:
    extended = model(DESCRIPTOR, ctx, exts=(EXTENSION,), selected_modules=["skipped"])
    assert [a.module for a in extended.apps] == ["skipped"] and extended.skipped_modules == []
    assert extended.descriptor_modules == ["web", "skipped", "api"]


@pytest.mark.parametrize(
    ("selection", "message"),
    [
        ({"selected_modules": ["nope"]}, 'module "nope" was selected but the descriptor has no such module'),
        ({"selected_resources": ["nope"]}, 'resource "nope" was selected but the descriptor has no such resource'),
    ],
)
def test_selecting_an_unknown_element_is_an_error(ctx, selection: dict, message: str) -> None:
    with pytest.raises(ContentError, match=message):
        model(DESCRIPTOR, ctx, **selection)
