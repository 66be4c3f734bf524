"""UAA tokens and CC's strict answers: unknown fields, bad types, duplicates, unknown guids, roles."""

from __future__ import annotations

import base64
import json
import time

import requests

from ccsim.launcher import SimHandle

from .client import CC, error_of


def claims(token: str) -> dict:
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def oauth(sim: SimHandle, **form: str) -> requests.Response:
    return requests.post(sim.api_url + "/oauth/token", data=form, auth=("cf", ""), timeout=10)


def test_root_info_and_login_documents(sim: SimHandle) -> None:
    root = requests.get(sim.api_url + "/", timeout=10).json()["links"]
    assert root["login"]["href"] == sim.api_url and root["uaa"]["href"] == sim.api_url
    assert root["cloud_controller_v3"]["meta"]["version"] == "3.195.0"
    assert "apps" in requests.get(sim.api_url + "/v3", timeout=10).json()["links"]
    assert requests.get(sim.api_url + "/v3/info", timeout=10).status_code == 200
    prompts = requests.get(sim.api_url + "/login", timeout=10).json()["prompts"]
    assert set(prompts) == {"username", "password"}


def test_password_and_refresh_grants(sim: SimHandle) -> None:
    first = oauth(sim, grant_type="password", username="admin", password="admin-password").json()
    assert first["token_type"] == "bearer" and first["refresh_token"]
    c = claims(first["access_token"])
    assert c["user_name"] == "admin" and c["origin"] == "uaa" and isinstance(c["user_id"], str)
    assert c["exp"] > time.time() + 500
    assert "-" not in first["access_token"].split(".")[1] and "_" not in first["access_token"].split(".")[1]
    refreshed = oauth(sim, grant_type="refresh_token", refresh_token=first["refresh_token"]).json()
    assert claims(refreshed["access_token"])["user_id"] == c["user_id"]
    bad = oauth(sim, grant_type="password", username="admin", password="nope")
    assert bad.status_code == 401 and bad.json()["error"] == "unauthorized"
    assert oauth(sim, grant_type="refresh_token", refresh_token="forged").json()["error"] == "invalid_token"


def test_expired_forged_and_missing_tokens(sim: SimHandle) -> None:
    sim.config(token_lifetime_s=1)
    token = sim.token()
    headers = {"Authorization": f"bearer {token}"}
    assert requests.get(sim.api_url + "/v3/apps", headers=headers, timeout=10).status_code == 200
    time.sleep(2.05)
    expired = requests.get(sim.api_url + "/v3/apps", headers=headers, timeout=10)
    assert expired.status_code == 401 and error_of(expired) == {
        "code": 1000, "title": "CF-InvalidAuthToken", "detail": "Invalid Auth Token"}
    head, payload, sig = sim.token().split(".")
    forged = f"{head}.{payload}.{sig[:-2]}AA"
    resp = requests.get(sim.api_url + "/v3/apps", headers={"Authorization": f"bearer {forged}"}, timeout=10)
    assert error_of(resp)["title"] == "CF-InvalidAuthToken"
    resp = requests.get(sim.api_url + "/v3/apps", timeout=10)
    assert resp.status_code == 401 and error_of(resp)["title"] == "CF-NotAuthenticated"


def test_unknown_fields_and_bad_types(cc: CC) -> None:
    space = {"space": {"data": {"guid": cc.space_guid()}}}
    resp = cc.post("/v3/apps", {"name": "x", "foo": 1, "bar": 2, "relationships": space})
    assert resp.status_code == 422 and error_of(resp) == {
        "code": 10008, "title": "CF-UnprocessableEntity", "detail": "Unknown field(s): 'foo', 'bar'"}
    resp = cc.post("/v3/apps", {"name": 5, "relationships": space})
    assert error_of(resp)["detail"] == "Name must be a string"
    resp = cc.post("/v3/apps", {"relationships": space})
    assert error_of(resp)["detail"] == "Name can't be blank"
    resp = cc.post("/v3/apps", {"name": "x"})
    assert resp.status_code == 422 and "Relationships" in error_of(resp)["detail"]
    app = cc.create_app("typed")
    resp = cc.post(f"/v3/processes/{app['guid']}/actions/scale", {"instances": "3"})
    assert resp.status_code == 422 and error_of(resp)["detail"] == "Instances is not a number"
    resp = cc.patch(f"/v3/apps/{app['guid']}", {"metadata": {"labels": {"bad key!": "v"}}})
    assert resp.status_code == 422 and "contains invalid characters" in error_of(resp)["detail"]
    resp = cc.session.post(cc.url + "/v3/apps", data="{not json", headers={"Content-Type": "application/json"})
    assert resp.status_code == 400 and error_of(resp)["title"] == "CF-MessageParseError"


def test_duplicates(cc: CC) -> None:
    cc.create_app("twin")
    resp = cc.post("/v3/apps", {"name": "twin", "relationships": {"space": {"data": {"guid": cc.space_guid()}}}})
    assert resp.status_code == 422 and error_of(resp) == {
        "code": 10016, "title": "CF-UniquenessError", "detail": "App with the name 'twin' already exists."}
    cc.create_route("dup")
    body = {"host": "dup", "relationships": {"domain": {"data": {"guid": cc.domain_guid()}},
                                             "space": {"data": {"guid": cc.space_guid()}}}}
    resp = cc.post("/v3/routes", body)
    assert error_of(resp)["detail"] == "Route already exists with host 'dup' for domain 'apps.sim.test'."
    cc.create_route("dup", "/p")
    resp = cc.post("/v3/routes", {**body, "path": "/p"})
    assert error_of(resp)["detail"] == "Route already exists with host 'dup' and path '/p' for domain 'apps.sim.test'."


def test_unknown_guids_and_paths(cc: CC) -> None:
    for path, detail in (("/v3/apps/nope", "App not found"), ("/v3/processes/nope", "Process not found"),
                         ("/v3/routes/nope", "Route not found"), ("/v3/droplets/nope", "Droplet not found"),
                         ("/v3/packages/nope", "Package not found"), ("/v3/builds/nope", "Build not found"),
                         ("/v3/service_instances/nope", "Service instance not found"),
                         ("/v3/jobs/nope", "Job not found")):
        resp = cc.get(path)
        assert resp.status_code == 404 and error_of(resp) == {
            "code": 10010, "title": "CF-ResourceNotFound", "detail": detail}, path
    app = cc.create_app("nodrop")
    assert error_of(cc.get(f"/v3/apps/{app['guid']}/droplets/current"))["detail"] == "Droplet not found"
    resp = cc.get("/v3/nothing-here")
    assert resp.status_code == 404 and error_of(resp)["title"] == "CF-NotFound"


def test_query_parameter_validation(cc: CC) -> None:
    resp = cc.get("/v3/apps?foo=bar")
    assert resp.status_code == 400 and error_of(resp)["title"] == "CF-BadQueryParameter"
    assert error_of(resp)["detail"].startswith("The query parameter is invalid: Unknown query parameter(s): 'foo'.")
    for query in ("per_page=0", "per_page=5001", "page=0", "order_by=color", "label_selector=a%20in%20b"):
        resp = cc.get(f"/v3/apps?{query}")
        assert resp.status_code == 400 and error_of(resp)["code"] == 10005, query


def test_operations_in_wrong_state(sim: SimHandle, cc: CC) -> None:
    app = cc.create_app("state")
    resp = cc.post(f"/v3/apps/{app['guid']}/actions/start")
    assert error_of(resp)["detail"] == "Assign a droplet before starting this app."
    pkg = cc.post("/v3/packages", {"type": "bits", "relationships": {"app": {"data": {"guid": app["guid"]}}}}).json()
    resp = cc.post("/v3/builds", {"package": {"guid": pkg["guid"]}})
    assert resp.status_code == 400
    assert error_of(resp)["detail"] == "Bad request: Cannot stage package whose state is not ready."
    sim.config(staging_s=2)
    ready = cc.upload(app["guid"])
    assert cc.post("/v3/builds", {"package": {"guid": ready["guid"]}}).status_code == 201
    resp = cc.post("/v3/builds", {"package": {"guid": ready["guid"]}})
    assert resp.status_code == 422 and error_of(resp)["title"] == "CF-StagingInProgress"
    other = cc.create_app("state2")
    resp = cc.patch(f"/v3/apps/{app['guid']}/relationships/current_droplet", {"data": {"guid": other["guid"]}})
    assert error_of(resp)["detail"] == ("Unable to assign current droplet. Ensure the droplet exists and belongs "
                                        "to this app.")


def test_users_without_roles_or_write_access(sim: SimHandle, cc: CC) -> None:
    app = cc.create_app("private")
    space = cc.space_guid()
    nobody, auditor = CC(sim, "nobody"), CC(sim, "auditor")
    assert nobody.get("/v3/apps").json()["resources"] == []
    assert nobody.get("/v3/organizations").json()["pagination"]["total_results"] == 0
    assert error_of(nobody.get(f"/v3/apps/{app['guid']}"))["detail"] == "App not found"
    resp = nobody.post("/v3/apps", {"name": "n", "relationships": {"space": {"data": {"guid": space}}}})
    assert resp.status_code == 422 and "Invalid space" in error_of(resp)["detail"]
    assert auditor.get(f"/v3/apps/{app['guid']}").status_code == 200
    for resp in (auditor.post(f"/v3/apps/{app['guid']}/actions/stop"),
                 auditor.delete(f"/v3/apps/{app['guid']}"),
                 auditor.post("/v3/apps", {"name": "a", "relationships": {"space": {"data": {"guid": space}}}})):
        assert resp.status_code == 403 and error_of(resp) == {
            "code": 10003, "title": "CF-NotAuthorized",
            "detail": "You are not authorized to perform the requested action"}
