"""Service catalog, managed instances through jobs, user-provided instances, credential bindings."""

from __future__ import annotations

from ccsim.launcher import SimHandle

from .client import CC, error_of


def plan_guid(cc: CC, offering: str, plan: str) -> str:
    resp = cc.get(f"/v3/service_plans?names={plan}&service_offering_names={offering}&include=service_offering")
    body = resp.json()
    assert body["included"]["service_offerings"][0]["name"] == offering
    return str(body["resources"][0]["guid"])


def create_managed(cc: CC, name: str, offering: str = "postgresql", plan: str = "small") -> str:
    resp = cc.post("/v3/service_instances", {"type": "managed", "name": name, "parameters": {"size": 1},
                                             "relationships": {"space": {"data": {"guid": cc.space_guid()}},
                                                               "service_plan": {"data": {"guid": plan_guid(
                                                                   cc, offering, plan)}}}})
    assert resp.status_code == 202 and resp.text == "", resp.text
    return resp.headers["Location"]


def test_catalog_is_seeded(cc: CC) -> None:
    offerings = {o["name"] for o in cc.get("/v3/service_offerings").json()["resources"]}
    assert {"postgresql", "redis", "xsuaa", "objectstore"} <= offerings
    plans = cc.get("/v3/service_plans?service_offering_names=postgresql").json()["resources"]
    assert {p["name"] for p in plans} == {"small", "large"}


def test_managed_instance_lifecycle_through_jobs(sim: SimHandle, cc: CC) -> None:
    sim.config(broker_s=1.0)  # the broker is still at work while the next requests look (on a loaded machine too)
    location = create_managed(cc, "db")
    si = cc.get("/v3/service_instances?names=db").json()["resources"][0]
    assert si["last_operation"]["type"] == "create" and si["last_operation"]["state"] in ("initial", "in progress")
    assert cc.get(location.replace(cc.url, "")).json()["state"] == "POLLING"
    resp = cc.patch(f"/v3/service_instances/{si['guid']}", {"tags": ["x"]})
    assert resp.status_code == 409 and error_of(resp) == {
        "code": 60016, "title": "CF-AsyncServiceInstanceOperationInProgress",
        "detail": "An operation for service instance db is in progress."}
    job = cc.wait_job(location)
    assert job["state"] == "COMPLETE" and job["operation"] == "service_instance.create"
    si = cc.get(f"/v3/service_instances/{si['guid']}").json()
    assert si["last_operation"]["state"] == "succeeded"
    assert cc.get(f"/v3/service_instances/{si['guid']}/parameters").json() == {"size": 1}
    assert cc.patch(f"/v3/service_instances/{si['guid']}", {"tags": ["fast"]}).status_code == 200
    update = cc.patch(f"/v3/service_instances/{si['guid']}", {"parameters": {"size": 2}})
    assert update.status_code == 202 and cc.wait_job(update.headers["Location"])["state"] == "COMPLETE"
    resp = cc.post("/v3/service_instances", {"type": "managed", "name": "db", "relationships": {
        "space": {"data": {"guid": cc.space_guid()}}, "service_plan": {"data": {"guid": si["relationships"][
            "service_plan"]["data"]["guid"]}}}})
    assert error_of(resp)["detail"] == "The service instance name is taken: db."
    delete = cc.delete(f"/v3/service_instances/{si['guid']}")
    assert delete.status_code == 202 and cc.wait_job(delete.headers["Location"])["state"] == "COMPLETE"
    assert cc.get(f"/v3/service_instances/{si['guid']}").status_code == 404


def test_a_plan_change_is_refused_when_the_offering_does_not_allow_it(cc: CC) -> None:
    location = create_managed(cc, "logs", "application-logs", "lite")
    assert cc.wait_job(location)["state"] == "COMPLETE"
    si = cc.get("/v3/service_instances?names=logs").json()["resources"][0]
    lite = si["relationships"]["service_plan"]["data"]["guid"]
    resp = cc.patch(f"/v3/service_instances/{si['guid']}", {"tags": ["t"], "relationships": {
        "service_plan": {"data": {"guid": plan_guid(cc, "application-logs", "standard")}}}})
    assert resp.status_code == 400 and error_of(resp) == {"code": 110004, "title": "CF-ServicePlanNotUpdateable",
                                                          "detail": "The service does not support changing plans."}
    after = cc.get(f"/v3/service_instances/{si['guid']}").json()
    assert after["relationships"]["service_plan"]["data"]["guid"] == lite and after["tags"] == []
    same = cc.patch(f"/v3/service_instances/{si['guid']}",
                    {"relationships": {"service_plan": {"data": {"guid": lite}}}})
    assert same.status_code == 400  # as CC: any plan in the request, even the one it has


def test_broker_failure_fails_the_job(sim: SimHandle, cc: CC) -> None:
    sim.faults(broker_failures=["flaky"])
    job = cc.wait_job(create_managed(cc, "flaky"))
    assert job["state"] == "FAILED" and job["errors"][0]["title"] == "CF-ServiceBrokerRequestRejected"
    si = cc.get("/v3/service_instances?names=flaky").json()["resources"][0]
    assert si["last_operation"]["state"] == "failed"


def test_bindings_and_keys(cc: CC) -> None:
    cc.wait_job(create_managed(cc, "cache", "redis", "default"))
    si = cc.get("/v3/service_instances?names=cache").json()["resources"][0]["guid"]
    app = cc.create_app("binder")
    rels = {"service_instance": {"data": {"guid": si}}, "app": {"data": {"guid": app["guid"]}}}
    resp = cc.post("/v3/service_credential_bindings", {"type": "app", "relationships": rels})
    assert resp.status_code == 202 and cc.wait_job(resp.headers["Location"])["state"] == "COMPLETE"
    again = cc.post("/v3/service_credential_bindings", {"type": "app", "relationships": rels})
    assert again.status_code == 422 and error_of(again)["detail"].startswith(
        "The app is already bound to the service instance")
    listed = cc.get(f"/v3/service_credential_bindings?app_guids={app['guid']}&include=app").json()
    assert listed["included"]["apps"][0]["name"] == "binder"
    binding = listed["resources"][0]
    details = cc.get(f"/v3/service_credential_bindings/{binding['guid']}/details").json()
    assert details["credentials"]["uri"].startswith("redis://")
    env = cc.get(f"/v3/apps/{app['guid']}/env").json()["system_env_json"]["VCAP_SERVICES"]
    assert env["redis"][0]["instance_name"] == "cache" and env["redis"][0]["plan"] == "default"
    key = {"type": "key", "name": "k1", "relationships": {"service_instance": {"data": {"guid": si}}}}
    assert cc.wait_job(cc.post("/v3/service_credential_bindings", key).headers["Location"])["state"] == "COMPLETE"
    dup = cc.post("/v3/service_credential_bindings", key)
    assert "Key binding names must be unique" in error_of(dup)["detail"]
    delete = cc.delete(f"/v3/service_credential_bindings/{binding['guid']}")
    assert delete.status_code == 202 and cc.wait_job(delete.headers["Location"])["state"] == "COMPLETE"
    assert cc.get(f"/v3/service_credential_bindings/{binding['guid']}").status_code == 404


def test_user_provided_instances(cc: CC) -> None:
    space = {"space": {"data": {"guid": cc.space_guid()}}}
    resp = cc.post("/v3/service_instances", {"type": "user-provided", "name": "ups", "credentials": {"k": "v"},
                                             "tags": ["t"], "relationships": space})
    assert resp.status_code == 201 and resp.json()["last_operation"]["state"] == "succeeded"
    guid = resp.json()["guid"]
    assert cc.get(f"/v3/service_instances/{guid}/credentials").json() == {"k": "v"}
    bad = cc.post("/v3/service_instances", {"type": "user-provided", "name": "x", "parameters": {},
                                            "relationships": space})
    assert error_of(bad)["detail"] == "Unknown field(s): 'parameters'"
    key = cc.post("/v3/service_credential_bindings", {"type": "key", "name": "k", "relationships": {
        "service_instance": {"data": {"guid": guid}}}})
    assert key.status_code == 422
    app = cc.create_app("upsapp")
    bind = cc.post("/v3/service_credential_bindings", {"type": "app", "relationships": {
        "service_instance": {"data": {"guid": guid}}, "app": {"data": {"guid": app["guid"]}}}})
    assert bind.status_code == 201
    services = cc.get("/v3/service_instances?order_by=name&fields[service_plan]=guid,name").json()
    assert [s["name"] for s in services["resources"]] == ["ups"]
    assert cc.delete(f"/v3/service_instances/{guid}").status_code == 204
    assert cc.get("/v3/service_credential_bindings").json()["resources"] == []
