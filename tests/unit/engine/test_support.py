"""Every field of the resolved model is used by a step or warned about: a new field must be classified."""

from __future__ import annotations

import dataclasses

from bgdeploy.engine import support
from bgdeploy.mta.model import AppSpec, ContentRef, DeploymentModel, ServiceSpec


def test_every_app_and_service_field_is_used_or_warned() -> None:
    app_fields = {f.name for f in dataclasses.fields(AppSpec)}
    assert app_fields == support.USED_APP_FIELDS | set(support.WARNED_APP_FIELDS)
    assert not support.USED_APP_FIELDS & set(support.WARNED_APP_FIELDS)
    service_fields = {f.name for f in dataclasses.fields(ServiceSpec)}
    assert service_fields == support.USED_SERVICE_FIELDS | set(support.WARNED_SERVICE_FIELDS)


def test_settings_without_effect_are_warned() -> None:
    app = AppSpec(module="web", name="web", content=ContentRef("web/", True), keep_existing_env=True,
                  features={"ssh": True}, restart_on={"vcap-application": False, "vcap-services": True,
                                                      "user-provided": True})
    svc = ServiceSpec(resource="db", name="db", kind="managed", skip_updates=["plan"], fail_on={"tags": False})
    model = DeploymentModel("m", "1", "3", "", [app], [svc], [["web"]], [["db"]])
    texts = support.unsupported(model)
    assert any('"keep-existing: env"' in t for t in texts)
    assert any("app features (ssh)" in t for t in texts)
    assert any('"restart-on-env-change"' in t for t in texts)
    assert not any("service" in t for t in texts)  # skip/fail aspects take effect now
    plain = DeploymentModel("m", "1", "3", "", [AppSpec(module="web", name="web", content=None)],
                            [ServiceSpec(resource="db", name="db", kind="managed")], [["web"]], [["db"]])
    assert support.unsupported(plain) == []
