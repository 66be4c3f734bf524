"""App features (`/v3/apps/:guid/features`) and `/v3/apps/:guid/ssh_enabled`."""

from __future__ import annotations

from ccsim.launcher import SimHandle

from .client import CC, error_of


def test_list_and_show_features(cc: CC) -> None:
    app = cc.create_app("featured")
    body = cc.get(f"/v3/apps/{app['guid']}/features").json()
    assert {f["name"]: f["enabled"] for f in body["resources"]} == {
        "ssh": True, "revisions": True, "service-binding-k8s": False, "file-based-vcap-services": False}
    assert body["pagination"]["total_results"] == 4 and body["pagination"]["next"] is None
    assert cc.get(f"/v3/apps/{app['guid']}/features/ssh").json() == {
        "name": "ssh", "description": "Enable SSHing into the app.", "enabled": True}
    resp = cc.get(f"/v3/apps/{app['guid']}/features/teleport")
    assert resp.status_code == 404 and error_of(resp)["detail"] == "Feature not found"
    assert cc.get(f"/v3/apps/{app['guid']}/ssh_enabled").json() == {
        "enabled": False, "reason": "ssh is disabled for space 'space'"}


def test_update_features(sim: SimHandle, cc: CC) -> None:
    app = cc.create_app("toggled")
    resp = cc.patch(f"/v3/apps/{app['guid']}/features/ssh", {"enabled": False})
    assert resp.status_code == 200 and resp.json()["enabled"] is False
    assert cc.get(f"/v3/apps/{app['guid']}/features/ssh").json()["enabled"] is False
    assert next(a for a in sim.state()["apps"] if a["guid"] == app["guid"])["features"]["ssh"] is False
    for body, detail in (({"enabled": "yes"}, "Enabled must be a boolean"),
                         ({"enabled": True, "why": 1}, "Unknown field(s): 'why'")):
        resp = cc.patch(f"/v3/apps/{app['guid']}/features/ssh", body)
        assert resp.status_code == 422 and error_of(resp)["detail"] == detail
    assert cc.patch(f"/v3/apps/{app['guid']}/features/service-binding-k8s", {"enabled": True}).status_code == 200
    resp = cc.patch(f"/v3/apps/{app['guid']}/features/file-based-vcap-services", {"enabled": True})
    assert error_of(resp)["detail"] == ("'file-based-vcap-services' and 'service-binding-k8s' features cannot be "
                                        "enabled at the same time.")


def test_feature_permissions(sim: SimHandle, cc: CC) -> None:
    app = cc.create_app("guarded")
    supporter, auditor = CC(sim, "supporter"), CC(sim, "auditor")
    assert supporter.patch(f"/v3/apps/{app['guid']}/features/revisions", {"enabled": False}).status_code == 200
    assert supporter.patch(f"/v3/apps/{app['guid']}/features/ssh", {"enabled": False}).status_code == 403
    assert auditor.patch(f"/v3/apps/{app['guid']}/features/revisions", {"enabled": True}).status_code == 403
    assert auditor.get(f"/v3/apps/{app['guid']}/features/revisions").json()["enabled"] is False
    assert CC(sim, "dev2").get(f"/v3/apps/{app['guid']}/features").status_code == 404
