"""MTA metadata (labels/annotations as the deploy service writes them) and version rules."""

from __future__ import annotations

import hashlib
import json

import pytest
from helpers import model

from bgdeploy.errors import ContentError
from bgdeploy.mta import check_version_rule
from bgdeploy.mta.metadata import app_annotations, label_selector, mta_labels, service_annotations

DESC = """\
_schema-version: "3.3"
ID: my.mta
version: 1.2.3
modules:
  - name: web
    type: nodejs
    requires: [{name: db}]
    provides: [{name: web-api, properties: {url: "${default-url}"}}]
resources:
  - name: db
    type: org.cloudfoundry.user-provided-service
"""


def test_labels_and_selector() -> None:
    md5 = hashlib.md5(b"my.mta").hexdigest()
    assert mta_labels("my.mta", "") == {"mta_id": md5}
    assert mta_labels("my.mta", "ns") == {"mta_id": md5, "mta_namespace": hashlib.md5(b"ns").hexdigest()}
    assert label_selector("my.mta", "") == f"mta_id={md5},!mta_namespace"
    assert label_selector("my.mta", "ns") == f"mta_id={md5},mta_namespace={hashlib.md5(b'ns').hexdigest()}"


def test_annotations(ctx) -> None:
    m = model(DESC, ctx)
    app = app_annotations(m, m.app("web"))
    assert app["mta_id"] == "my.mta" and app["mta_version"] == "1.2.3" and "mta_namespace" not in app
    assert json.loads(app["mta_module"]) == {"name": "web"}
    assert json.loads(app["mta_module_provided_dependencies"]) == ["web-api"]
    assert json.loads(app["mta_bound_services"]) == ["db"]
    assert json.loads(service_annotations(m, m.services[0])["mta_resource"]) == {"name": "db"}


@pytest.mark.parametrize(
    ("rule", "deployed", "new", "error"),
    [
        ("SAME_HIGHER", None, "1.0.0", None),
        ("SAME_HIGHER", "1.0.0", "1.0.0", None),
        ("SAME_HIGHER", "1.0.0", "1.0.1", None),
        ("SAME_HIGHER", "1.1.0", "1.0.9", "A higher version"),
        ("HIGHER", "1.0.0", "1.0.0", "The same version"),
        ("HIGHER", "1.0.0", "0.9", "A higher version"),
        ("ALL", "9.0.0", "1.0.0", None),
        ("SAME_HIGHER", "1.0.0", "1.0.0-SNAPSHOT", "A higher version"),
        ("SAME_HIGHER", "1.2", "1.2.0", None),
        ("sometimes", None, "1.0.0", "unknown version rule"),
        ("ALL", None, "not a version", "not a valid MTA version"),
    ],
)
def test_version_rules(rule: str, deployed: str | None, new: str, error: str | None) -> None:
    if error is None:
        check_version_rule(rule, deployed, new)
    else:
        with pytest.raises(ContentError, match=error):
            check_version_rule(rule, deployed, new)


def test_processed_after_cycles(ctx) -> None:
    text = (
        '_schema-version: "3.3"\nID: x\nversion: 1.0.0\nresources:\n'
        "  - name: a\n    type: org.cloudfoundry.user-provided-service\n    processed-after: [a]\n"
    )
    with pytest.raises(ContentError, match='Resource "a" is required by itself') as info:
        model(text, ctx)
    assert info.value.path == "resources[0].processed-after"
    mutual = text.replace("[a]", "[b]") + "  - name: b\n    type: org.cloudfoundry.user-provided-service\n"
    mutual += "    processed-after: [a]\n"
    with pytest.raises(ContentError, match="both depend on each other"):
        model(mutual, ctx)
