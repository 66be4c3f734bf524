"""The corpus's service examples (../shared/mta-examples), deployed through the real cf CLI as their READMEs
describe, with the results they document asserted: keep-existing-bindings, skip-service-updates,
fail-on-service-update and service-key-renewal. Their apps are static files; the simulator's built-in
responder answers for them."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

from e2e.cfcli import ROOT
from e2e.test_commands import table_row

CORPUS = ROOT.parent / "shared" / "mta-examples"


def copy(example: str, tmp_path: Path) -> Path:
    src = tmp_path / example
    shutil.copytree(CORPUS / example, src, ignore=shutil.ignore_patterns("*.adoc", "mta.yaml"))
    return src


def edit(src: Path, old: str, new: str) -> None:
    text = (src / "mtad.yaml").read_text()
    assert old in text, old
    (src / "mtad.yaml").write_text(text.replace(old, new))


def services_row(cf, name: str) -> list[str]:
    """`cf services`: name, offering, plan, bound apps, ... of one service."""
    return table_row(cf("services", check=True).out, name)


def bound_apps(sim, service: str) -> set[str]:
    state = sim.state()
    guid = next(s["guid"] for s in state["service_instances"] if s["name"] == service)
    names = {a["guid"]: a["name"] for a in state["apps"]}
    return {names[b["app_guid"]] for b in state["service_credential_bindings"]
            if b["type"] == "app" and b["service_instance_guid"] == guid}


def test_keep_existing_bindings(sim, cf, tmp_path: Path) -> None:
    src = copy("keep-existing-bindings", tmp_path)
    # Initial deployment: two apps and one service instance, no binding between them.
    res = cf("deploy", str(src), "-f")
    assert res.code == 0, res.text
    assert bound_apps(sim, "dummy-service") == set()
    # Manually bind the service instance to both apps.
    for app in ("cf-app-keeping-bindings", "cf-app-resetting-bindings"):
        cf("bind-service", app, "dummy-service", check=True)
    assert bound_apps(sim, "dummy-service") == {"cf-app-keeping-bindings", "cf-app-resetting-bindings"}
    # Re-deploy: the keeping app has its binding preserved, the other one lost it.
    res = cf("deploy", str(src), "-f")
    assert res.code == 0, res.text
    assert 'Unbinding service instance "dummy-service" from application "cf-app-resetting-bindings"...' in res.out
    assert bound_apps(sim, "dummy-service") == {"cf-app-keeping-bindings"}
    assert "cf-app-keeping-bindings" in " ".join(services_row(cf, "dummy-service"))
    # Blue-green: the binding made by hand moves on with the new colour of the keeping module only.
    cf("bind-service", "cf-app-resetting-bindings", "dummy-service", check=True)
    res = cf("bg-deploy", str(src), "-f", "--no-confirm")
    assert res.code == 0, res.text
    assert bound_apps(sim, "dummy-service") == {"cf-app-keeping-bindings-green"}


def test_skip_service_updates(sim, cf, tmp_path: Path) -> None:
    src = copy("skip-service-updates", tmp_path)
    service = "my-logging-service-instance-name"
    res = cf("deploy", str(src), "-f")
    assert res.code == 0, res.text
    assert services_row(cf, service)[1:4] == ["application-logs", "lite", "my-mta-managed-app-module"]
    # Change the service plan: application-logs does not support it, the deployment fails.
    edit(src, 'service-plan: "lite"', 'service-plan: "standard"')
    res = cf("deploy", str(src), "-f")
    assert res.code != 0
    assert f'Could not update plan of service "{service}" : The service does not support changing plans.' \
        in res.out, res.out
    # Skip updates of the plan and the parameters: the deployment goes on, saying so.
    edit(src, "      parameters: false\n      plan: false\n      tags: false",
         "      parameters: true\n      plan: true")
    res = cf("deploy", str(src), "-f")
    assert res.code == 0, res.text
    assert f'Service plan for service "{service}" will not be updated, as the option for skipping service plan ' \
           "updates is enabled." in res.out
    assert services_row(cf, service)[1:4] == ["application-logs", "lite", "my-mta-managed-app-module"]


def test_fail_on_service_update(sim, cf, tmp_path: Path) -> None:
    src = copy("fail-on-service-update", tmp_path)
    service = "example-service-instance"
    res = cf("deploy", str(src), "-f")
    assert res.code == 0, res.text
    assert services_row(cf, service)[1:3] == ["application-logs", "lite"]  # "a service with plan 'lite'"
    # fail-on-service-update: {plan: true}: the refused plan change fails the deployment ...
    edit(src, 'service-plan: "lite"', 'service-plan: "standard"')
    res = cf("deploy", str(src), "-f")
    assert res.code != 0 and f'Could not update plan of service "{service}"' in res.out, res.out
    # ... and with plan: false it is only warned about.
    edit(src, "        plan: true", "        plan: false")
    res = cf("deploy", str(src), "-f")
    assert res.code == 0, res.text
    assert f'Service instance: "{service}" plan update failed, ignoring failure...' in res.out
    # parameters: true: a failed broker operation (asynchronous) fails it too ...
    edit(src, 'service-plan: "standard"', 'service-plan: "lite"')
    edit(src, "key: value", "key: value2")
    sim.faults(broker_failures=[service])
    res = cf("deploy", str(src), "-f")
    assert res.code != 0
    assert f'Error updating service "{service}" from offering "application-logs" and plan "lite": ' in res.out
    # ... while without the parameter (the default) the broker's failure is a warning.
    edit(src, "        parameters: true\n", "")
    res = cf("deploy", str(src), "-f")
    assert res.code == 0, res.text
    assert f'Updating service "{service}" failed: ' in res.out, res.out


def test_service_key_renewal(sim, cf, tmp_path: Path) -> None:
    src = copy("service-key-renewal", tmp_path)
    shutil.copy(CORPUS / "skip-service-updates" / "appBits.zip", src / "appBits.zip")  # the example's mtar holds one
    service = "postgre-test-service"
    res = cf("deploy", str(src), "-f")
    assert res.code == 0, res.text
    first = created_key(res.out, service)
    assert keys_of(cf, service) == [first]
    assert app_env(sim, "my-app")["keycredentials"] == key_credentials(cf, service, first)

    # A redeploy of the same MTA: a key with the new timestamp is created, then the old one deleted.
    res = cf("deploy", str(src), "-f")
    assert res.code == 0, res.text
    second = created_key(res.out, service)
    assert second != first
    lines = res.out.splitlines()
    deleted = f'Deleting service key "{first}" for service instance "{service}"...'
    assert lines.index(deleted) > lines.index(f'Creating service key "{second}" for service instance "{service}"...')
    assert keys_of(cf, service) == [second]
    assert app_env(sim, "my-app")["keycredentials"] == key_credentials(cf, service, second)


def created_key(out: str, service: str) -> str:
    match = re.search(rf'Creating service key "(rotating-key-1-\d{{14}})" for service instance "{service}"\.\.\.', out)
    assert match, out
    return match.group(1)


def keys_of(cf, service: str) -> list[str]:
    out = cf("service-keys", service, check=True).out
    return sorted(re.findall(r"^(rotating-key-1-\d{14})\b", out, re.M))


def key_credentials(cf, service: str, key: str) -> dict:
    out = cf("service-key", service, key, check=True).out
    return json.loads(out[out.index("{"):])["credentials"]  # cf v8 prints the key's details


def app_env(sim, app: str) -> dict:
    env = next(a for a in sim.state()["apps"] if a["name"] == app)["environment_variables"]
    return {k: json.loads(v) if k == "keycredentials" else v for k, v in env.items()}
