"""Every field of the resolved model is used by a step or warned about: a new field must be classified."""

from __future__ import annotations

import dataclasses

from bgdeploy.engine import support
from bgdeploy.mta.model import AppSpec, DeploymentModel, ServiceSpec


def test_every_app_and_service_field_is_used_or_warned() -> None:
    app_fields = {f.name for f in dataclasses.fields(AppSpec)}
    assert app_fields == support.USED_APP_FIELDS | set(support.WARNED_APP_FIELDS)
    assert not support.USED_APP_FIELDS & set(support.WARNED_APP_FIELDS)
    service_fields = {f.name for f in dataclasses.fields(ServiceSpec)}
    assert service_fields == support.USED_SERVICE_FIELDS | set(support.WARNED_SERVICE_FIELDS)


def test_settings_that_take_effect_are_not_warned() -> None:
    # They all take effect now (tests/unit/engine/test_app_parameters.py, test_service_updates.py): no warning.
    acting = AppSpec(module="web", name="web", content=None, docker_image="i", keep_existing_env=True,
                     keep_existing_routes=True, keep_existing_bindings=True, features={"ssh": True},
                     restart_on={"vcap-application": False, "vcap-services": True, "user-provided": False})
    svc = ServiceSpec(resource="db", name="db", kind="managed", skip_updates=["plan"], fail_on={"tags": False})
    assert support.unsupported(DeploymentModel("m", "1", "3", "", [acting], [svc], [["web"]], [["db"]])) == []
    plain = DeploymentModel("m", "1", "3", "", [AppSpec(module="web", name="web", content=None)],
                            [ServiceSpec(resource="db", name="db", kind="managed")], [["web"]], [["db"]])
    assert support.unsupported(plain) == []
