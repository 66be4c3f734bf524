"""The users of the authorisation matrix, their roles (`/v3/roles`), what each can see and do, and
UAA's `/userinfo` and expired tokens."""

from __future__ import annotations

import pytest
import requests

from ccsim.launcher import SimHandle

from .client import CC, error_of, wait_for

USERS = ("admin", "nobody", "auditor", "developer", "dev2", "supporter")
FORBIDDEN = {"code": 10003, "title": "CF-NotAuthorized",
             "detail": "You are not authorized to perform the requested action"}


def user_guid(sim: SimHandle, user: str) -> str:
    resp = requests.get(sim.api_url + "/userinfo", headers={"Authorization": f"bearer {sim.token(user)}"}, timeout=10)
    return str(resp.json()["user_id"])


def test_every_user_logs_in_with_user_password(sim: SimHandle) -> None:
    for user in USERS:
        info = requests.get(sim.api_url + "/userinfo", headers={"Authorization": f"bearer {sim.token(user)}"},
                            timeout=10)
        assert info.status_code == 200, user
        body = info.json()
        assert body["user_name"] == user and body["sub"] == body["user_id"] and body["email"] == f"{user}@sim.test"


def test_roles_of_each_user(sim: SimHandle, cc: CC) -> None:
    space, space2 = cc.space_guid(), cc.space_guid("space2")
    org = cc.get("/v3/organizations?names=org").json()["resources"][0]["guid"]
    expected = {
        "admin": {("space_developer", space), ("organization_manager", org), ("organization_user", org)},
        "auditor": {("space_auditor", space), ("organization_user", org)},
        "developer": {("space_developer", space), ("organization_user", org)},
        "dev2": {("space_developer", space2), ("organization_user", org)},
        "supporter": {("space_supporter", space), ("organization_user", org)},
        "nobody": set(),
    }
    for user, roles in expected.items():
        found = cc.get(f"/v3/roles?user_guids={user_guid(sim, user)}&per_page=100").json()["resources"]
        assert {(r["type"], r["relationships"]["space"]["data"]["guid"] if r["relationships"]["space"]["data"]
                 else r["relationships"]["organization"]["data"]["guid"]) for r in found} == roles, user


def test_roles_filters_and_include(sim: SimHandle, cc: CC) -> None:
    space2 = cc.space_guid("space2")
    resp = cc.get(f"/v3/roles?space_guids={space2}&types=space_developer&include=user,space")
    body = resp.json()
    assert resp.status_code == 200 and body["pagination"]["total_results"] == 1
    role = body["resources"][0]
    assert role["links"]["space"]["href"].endswith(f"/v3/spaces/{space2}")
    assert [u["username"] for u in body["included"]["users"]] == ["dev2"]
    assert [s["name"] for s in body["included"]["spaces"]] == ["space2"]
    shown = cc.get(f"/v3/roles/{role['guid']}?include=organization").json()
    assert shown["guid"] == role["guid"] and shown["included"] == {"organizations": []}
    bad = cc.get("/v3/roles?include=app")
    assert bad.status_code == 422 and error_of(bad)["title"] == "CF-UnprocessableEntity"
    assert cc.get("/v3/roles?colour=red").status_code == 422


def test_roles_are_visible_per_space(sim: SimHandle, cc: CC) -> None:
    """dev2 sees org roles of org and space roles of space2 only; nobody sees none."""
    space, space2 = cc.space_guid(), cc.space_guid("space2")
    dev2 = CC(sim, "dev2")
    seen = dev2.get("/v3/roles?per_page=100").json()["resources"]
    spaces = {r["relationships"]["space"]["data"]["guid"] for r in seen if r["relationships"]["space"]["data"]}
    assert spaces == {space2}
    assert any(r["type"] == "organization_manager" for r in seen)
    assert dev2.get(f"/v3/roles?space_guids={space}").json()["resources"] == []
    assert CC(sim, "nobody").get("/v3/roles").json()["resources"] == []


def test_spaces_visible_per_user(sim: SimHandle, cc: CC) -> None:
    space, space2 = cc.space_guid(), cc.space_guid("space2")
    visible = {user: {s["name"] for s in CC(sim, user).get("/v3/spaces").json()["resources"]} for user in USERS}
    assert visible == {"admin": {"space", "space2"}, "nobody": set(), "auditor": {"space"}, "developer": {"space"},
                       "dev2": {"space2"}, "supporter": {"space"}}
    dev2 = CC(sim, "dev2")
    assert dev2.get(f"/v3/spaces/{space2}").status_code == 200
    resp = dev2.get(f"/v3/spaces/{space}")
    assert resp.status_code == 404 and error_of(resp)["detail"] == "Space not found"
    assert dev2.get("/v3/organizations").json()["pagination"]["total_results"] == 1


def test_apps_are_private_to_their_space(sim: SimHandle, cc: CC) -> None:
    app = cc.push("in-space", start=False)
    dev2 = CC(sim, "dev2")
    assert dev2.get("/v3/apps").json()["resources"] == []
    assert error_of(dev2.get(f"/v3/apps/{app['guid']}"))["detail"] == "App not found"
    other = dev2.create_app("in-space2", space="space2")
    assert error_of(CC(sim, "developer").get(f"/v3/apps/{other['guid']}"))["detail"] == "App not found"
    assert [a["name"] for a in cc.get("/v3/apps?order_by=name").json()["resources"]] == ["in-space", "in-space2"]
    resp = cc.post("/v3/apps", {"name": "x", "relationships": {"space": {"data": {"guid": cc.space_guid("space2")}}}})
    assert resp.status_code == 403 and error_of(resp) == FORBIDDEN  # admin only manages the org in space2


def test_supporter_manages_apps_but_does_not_write(sim: SimHandle, cc: CC) -> None:
    app = cc.push("supported")
    supporter = CC(sim, "supporter")
    assert supporter.post(f"/v3/apps/{app['guid']}/actions/stop").json()["state"] == "STOPPED"
    assert supporter.post(f"/v3/apps/{app['guid']}/actions/start").status_code == 200
    assert supporter.post(f"/v3/apps/{app['guid']}/processes/web/actions/scale", {"instances": 2}).status_code == 202
    assert supporter.patch(f"/v3/apps/{app['guid']}/environment_variables", {"var": {"A": "1"}}).status_code == 200
    for resp in (supporter.get(f"/v3/apps/{app['guid']}/environment_variables"),
                 supporter.post("/v3/apps", {"name": "s", "relationships": {"space": {"data": {
                     "guid": cc.space_guid()}}}}),
                 supporter.delete(f"/v3/apps/{app['guid']}"),
                 supporter.post("/v3/packages", {"type": "bits", "relationships": {"app": {"data": {
                     "guid": app["guid"]}}}})):
        assert resp.status_code == 403 and error_of(resp) == FORBIDDEN, resp.url
    auditor = CC(sim, "auditor")
    assert auditor.post(f"/v3/apps/{app['guid']}/actions/stop").status_code == 403
    assert auditor.get(f"/v3/apps/{app['guid']}/environment_variables").status_code == 403


@pytest.mark.parametrize("header", ["bearer not-a-jwt", None])
def test_userinfo_refuses_bad_tokens(sim: SimHandle, header: str | None) -> None:
    resp = requests.get(sim.api_url + "/userinfo", headers={"Authorization": header} if header else {}, timeout=10)
    assert resp.status_code == 401
    assert resp.json()["error"] == ("invalid_token" if header else "unauthorized")


def test_expired_token_is_refused_by_cc_and_uaa(sim: SimHandle) -> None:
    sim.config(token_lifetime_s=1)
    headers = {"Authorization": f"bearer {sim.token('developer')}"}
    assert requests.get(sim.api_url + "/userinfo", headers=headers, timeout=10).status_code == 200
    wait_for(lambda: requests.get(sim.api_url + "/userinfo", headers=headers, timeout=10).status_code == 401,
             timeout=5, what="token expired")
    uaa = requests.get(sim.api_url + "/userinfo", headers=headers, timeout=10)
    assert uaa.json() == {
        "error": "invalid_token", "error_description": "The token expired, was revoked, or the token ID is incorrect."}
    cc = requests.get(sim.api_url + "/v3/spaces", headers=headers, timeout=10)
    assert cc.status_code == 401 and error_of(cc) == {"code": 1000, "title": "CF-InvalidAuthToken",
                                                      "detail": "Invalid Auth Token"}
