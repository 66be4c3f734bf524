"""Services as the official service handles them, through the real cf CLI and bg-deploy: service keys
(created, left with a warning or recreated with --delete-service-keys, deleted by undeploy
--delete-service-keys), existing service keys in the app's env under `env-var-name`, binding parameters
and names, and a service whose type changed (refused in the service's words, recreated with
--delete-services)."""

from __future__ import annotations

import json
from pathlib import Path

from e2e.test_hooks import mta_dir

MTA = """\
_schema-version: "3.3"
ID: services.demo
version: 1.0.0
modules:
  - name: web
    type: python
    path: web
    parameters:
      memory: 64M
      command: python3 server.py
    requires:
      - name: db
        parameters:
          binding-name: primary
          config: {{role: {role}}}
      - name: reader-key
        parameters: {{env-var-name: DB_READER}}
      - name: store
resources:
  - name: db
    type: org.cloudfoundry.managed-service
    parameters:
      service: postgresql
      service-plan: small
      service-keys:
        - name: reader
          config: {{access: {access}}}
{extra_key}
  - name: reader-key
    type: org.cloudfoundry.existing-service-key
    parameters:
      service-name: db
      service-key-name: reader
  - name: store
{store}
"""
UPS = """\
    type: org.cloudfoundry.user-provided-service
    parameters:
      config: {url: "https://store.example"}"""
MANAGED = """\
    type: org.cloudfoundry.managed-service
    parameters:
      service: redis
      service-plan: default"""
PARTNER = MANAGED + "\n      service-broker: partner-broker"


def write(src: Path, *, role: str = "admin", access: str = "read", extra_key: bool = True,
          store: str = UPS) -> None:
    text = MTA.format(role=role, access=access, store=store,
                      extra_key="        - name: old-reader" if extra_key else "")
    (src / "mtad.yaml").write_text(text)


def keys(sim) -> dict[str, dict]:
    return {b["name"]: b for b in sim.state()["service_credential_bindings"] if b["type"] == "key"}


def app(sim, name: str) -> dict:
    return next(a for a in sim.state()["apps"] if a["name"] == name)


def binding(sim, app_name: str, service: str) -> dict:
    state = sim.state()
    si = next(s["guid"] for s in state["service_instances"] if s["name"] == service)
    guid = app(sim, app_name)["guid"]
    return next(b for b in state["service_credential_bindings"]
                if b["app_guid"] == guid and b["service_instance_guid"] == si)


def key_credentials(cf, key: str) -> dict:
    out = cf("service-key", "db", key, check=True).out
    return json.loads(out[out.index("{"):])["credentials"]


def test_keys_key_env_and_binding_parameters_through_blue_green(sim, cf, tmp_path: Path) -> None:
    src = mta_dir(tmp_path, "", ["web"])
    write(src)
    res = cf("bg-deploy", str(src), "-f")
    assert res.code == 0, res.text
    assert set(keys(sim)) == {"reader", "old-reader"}
    assert keys(sim)["reader"]["parameters"] == {"access": "read"}
    assert json.loads(app(sim, "web-blue")["environment_variables"]["DB_READER"]) == key_credentials(cf, "reader")
    db = binding(sim, "web-blue", "db")
    assert (db["name"], db["parameters"]) == ("primary", {"role": "admin"})

    # v2: the key's parameters and the binding's change, old-reader is gone from the descriptor.
    write(src, role="viewer", access="write", extra_key=False)
    res = cf("bg-deploy", str(src), "-f", "--no-confirm")
    assert res.code == 0, res.text
    assert 'Service key "reader" for service "db" will not be updated, as the option for deleting service keys ' \
           "is not specified!" in res.out
    assert 'Deleting service key "old-reader" for service instance "db"...' in res.out
    assert set(keys(sim)) == {"reader"} and keys(sim)["reader"]["parameters"] == {"access": "read"}
    assert binding(sim, "web-green", "db")["parameters"] == {"role": "viewer"}

    # --delete-service-keys: the changed key is deleted and created again; the new colour reads the new one.
    reader = keys(sim)["reader"]["guid"]
    res = cf("bg-deploy", str(src), "-f", "--no-confirm", "--delete-service-keys")
    assert res.code == 0, res.text
    assert 'Deleting service key "reader" for service instance "db"...' in res.out
    assert 'Creating service key "reader" for service instance "db"...' in res.out
    renewed = keys(sim)["reader"]
    assert renewed["guid"] != reader and renewed["parameters"] == {"access": "write"}
    assert json.loads(app(sim, "web-blue")["environment_variables"]["DB_READER"]) == key_credentials(cf, "reader")

    # undeploy --delete-service-keys: the MTA's keys go, its services stay (no --delete-services).
    res = cf("undeploy", "services.demo", "-f", "--delete-service-keys")
    assert res.code == 0, res.text
    assert keys(sim) == {} and {s["name"] for s in sim.state()["service_instances"]} == {"db", "store"}


def test_a_changed_service_type_or_broker_needs_delete_services(sim, cf, tmp_path: Path) -> None:
    src = mta_dir(tmp_path, "", ["web"])
    write(src)
    assert cf("bg-deploy", str(src), "-f").code == 0
    write(src, store=MANAGED)
    res = cf("bg-deploy", str(src), "-f", "--no-confirm")
    assert res.code != 0
    assert ('Service described by MTA resource "store" of type [redis/default] does not match already '
            'existing service "store" of type [user-provided-service] and needs to be recreated. Use command line '
            'option "--delete-services" to enable the deletion of the existing one.') in res.out, res.out
    assert store_of(sim)["type"] == "user-provided"

    res = cf("bg-deploy", str(src), "-f", "--no-confirm", "--delete-services")
    assert res.code == 0, res.text
    store = store_of(sim)
    assert (store["type"], store["offering"], store["plan"]) == ("managed", "redis", "default")
    assert {a["name"] for a in sim.state()["apps"]} == {"web-green"}
    assert binding(sim, "web-green", "store")["service_instance_guid"] == store["guid"]

    # The same offering from another broker (`service-broker`): recreated too, only with --delete-services.
    write(src, store=PARTNER)
    res = cf("bg-deploy", str(src), "-f", "--no-confirm")
    assert res.code != 0 and "of type [redis/default of service broker partner-broker] does not match already " \
        'existing service "store" of type [redis/default of service broker sim-broker]' in res.out, res.out
    res = cf("bg-deploy", str(src), "-f", "--no-confirm", "--delete-services")
    assert res.code == 0, res.text
    assert store_of(sim)["guid"] != store["guid"]
    assert binding(sim, "web-blue", "store")["service_instance_guid"] == store_of(sim)["guid"]


def store_of(sim) -> dict:
    return next(s for s in sim.state()["service_instances"] if s["name"] == "store")
