"""The --apply-namespace-* flags reach the resolver one by one, as the deploy service reads them: a flag
given wins over the descriptor for its switch only; a switch not given is the descriptor's to decide."""

from __future__ import annotations

from pathlib import Path

from required import require

from bgdeploy import mta
from bgdeploy.engine.options import DeployOptions
from bgdeploy.engine.preflight import platform_context
from bgdeploy.mta.model import DeploymentModel
from bgdeploy.store import OperationRecord

EXAMPLES = Path(__file__).resolve().parents[4] / "shared" / "mta-examples" / "namespace"
require(EXAMPLES, "the conformance corpus")


def resolved(example: str, **flags: str) -> DeploymentModel:
    options = DeployOptions(namespace="foo", **{f"apply_namespace_{k}": v for k, v in flags.items()})
    op = OperationRecord(id="1", process_type="DEPLOY", state="RUNNING", space_guid="s", org_guid="o",
                         org_name="org", space_name="space", api_endpoint="https://api.example.com", skip_ssl=False,
                         started_by="me", started_at=0.0, namespace="foo", options=options.plain())
    path = EXAMPLES / example / "mtad.yaml"
    descriptor = mta.load_descriptor(path.read_text(), "mtad.yaml")
    return mta.resolve(descriptor, [], platform_context(op, "apps.example.com"), "live")


def names(model: DeploymentModel) -> dict[str, object]:
    return {"apps": sorted(a.name for a in model.apps), "services": sorted(s.name for s in model.services),
            "routes": sorted(r.url for a in model.apps for r in a.routes)}


def test_without_flags_the_descriptor_decides_as_the_readme_shows() -> None:
    assert names(resolved("global-parameters")) == {
        "apps": ["foo-hello-router", "hello-backend"], "services": ["foo-my-cf-service"],
        "routes": ["org-space-foo-hello-backend.apps.example.com", "route-without-namespace.apps.example.com"]}


def test_flags_set_to_true_or_false_override_every_descriptor_setting() -> None:
    on = resolved("global-parameters", app_names="true", service_names="true", app_routes="true")
    assert names(on) == {"apps": ["foo-hello-backend", "foo-hello-router"], "services": ["foo-my-cf-service"],
                         "routes": ["foo-route-without-namespace.apps.example.com",
                                    "org-space-foo-hello-backend.apps.example.com"]}
    off = resolved("global-parameters", app_names="false", service_names="false", app_routes="false")
    assert names(off) == {"apps": ["hello-backend", "hello-router"], "services": ["my-cf-service"],
                          "routes": ["org-space-hello-backend.apps.example.com",
                                     "route-without-namespace.apps.example.com"]}


def test_one_flag_overrides_its_own_switch_only() -> None:
    # app names forced off; services and routes stay as the descriptor says (namespace applied).
    model = resolved("global-parameters", app_names="false")
    assert names(model)["apps"] == ["hello-backend", "hello-router"]
    assert names(model)["services"] == ["foo-my-cf-service"]


def test_as_suffix_from_the_flag_or_the_descriptor() -> None:
    # The flag alone: the module's own `apply-namespace: false` still keeps its name (as the deploy service
    # resolves it); with app names forced on as well, the namespace comes last.
    assert names(resolved("module-with-apply-as-suffix-flag", as_suffix="true"))["apps"] == ["hello-backend"]
    both = resolved("module-with-apply-as-suffix-flag", as_suffix="true", app_names="true")
    assert names(both)["apps"] == ["hello-backend-foo"]
    assert names(resolved("module-with-apply-as-suffix-global-parameter", app_names="true"))["apps"] == [
        "hello-backend-foo"]
