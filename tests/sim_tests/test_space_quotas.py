"""Space quotas: CRUD, applying them to spaces, visibility, and enforcement on scale, start, tasks and
staging with CC's texts."""

from __future__ import annotations

from typing import Any

from ccsim.launcher import SimHandle

from .client import CC, error_of


def org_guid(cc: CC) -> str:
    return str(cc.get("/v3/organizations?names=org").json()["resources"][0]["guid"])


def create_quota(cc: CC, name: str = "small", spaces: tuple[str, ...] = ("space",), **apps: Any) -> dict[str, Any]:
    rels: dict[str, Any] = {"organization": {"data": {"guid": org_guid(cc)}}}
    if spaces:
        rels["spaces"] = {"data": [{"guid": cc.space_guid(s)} for s in spaces]}
    resp = cc.post("/v3/space_quotas", {"name": name, "apps": apps, "relationships": rels})
    assert resp.status_code == 201, resp.text
    return dict(resp.json())


def test_no_quota_by_default(cc: CC) -> None:
    assert cc.get("/v3/space_quotas").json()["resources"] == []
    assert cc.get(f"/v3/spaces/{cc.space_guid()}").json()["relationships"]["quota"]["data"] is None


def test_create_show_and_apply(sim: SimHandle, cc: CC) -> None:
    quota = create_quota(cc, spaces=(), total_memory_in_mb=2048, total_instances=3)
    assert quota["apps"] == {"total_memory_in_mb": 2048, "per_process_memory_in_mb": None, "total_instances": 3,
                             "per_app_tasks": None, "log_rate_limit_in_bytes_per_second": None}
    assert quota["services"]["paid_services_allowed"] is True and quota["routes"]["total_routes"] is None
    assert quota["relationships"]["spaces"]["data"] == []
    space = cc.space_guid()
    resp = cc.post(f"/v3/space_quotas/{quota['guid']}/relationships/spaces", {"data": [{"guid": space}]})
    assert resp.status_code == 200 and resp.json()["data"] == [{"guid": space}]
    assert cc.get(f"/v3/spaces/{space}").json()["relationships"]["quota"]["data"] == {"guid": quota["guid"]}
    assert [q["name"] for q in cc.get(f"/v3/space_quotas?space_guids={space}").json()["resources"]] == ["small"]
    assert CC(sim, "developer").get(f"/v3/space_quotas/{quota['guid']}").status_code == 200
    resp = CC(sim, "dev2").get(f"/v3/space_quotas/{quota['guid']}")
    assert resp.status_code == 404 and error_of(resp)["detail"] == "Space quota not found"
    assert sim.state()["space_quotas"][0]["space_guids"] == [space]
    updated = cc.patch(f"/v3/space_quotas/{quota['guid']}", {"apps": {"total_instances": 5}}).json()
    assert updated["apps"]["total_instances"] == 5 and updated["apps"]["total_memory_in_mb"] == 2048


def test_quota_errors(sim: SimHandle, cc: CC) -> None:
    create_quota(cc)
    resp = cc.post("/v3/space_quotas", {"name": "small", "relationships": {"organization": {"data": {
        "guid": org_guid(cc)}}}})
    assert resp.status_code == 422 and error_of(resp)["detail"] == "Space Quota 'small' already exists."
    resp = cc.post("/v3/space_quotas", {"name": "x", "apps": {"total_memory_in_mb": -1, "cpu": 1},
                                        "relationships": {"organization": {"data": {"guid": org_guid(cc)}}}})
    assert error_of(resp)["detail"] == ("Apps Unknown field(s): 'cpu', "
                                        "Apps Total memory in mb must be greater than or equal to 0")
    resp = CC(sim, "developer").post("/v3/space_quotas", {"name": "mine", "relationships": {
        "organization": {"data": {"guid": org_guid(cc)}}}})
    assert resp.status_code == 403
    assert cc.get("/v3/space_quotas?colour=red").status_code == 422


def test_remove_and_delete(cc: CC) -> None:
    quota = create_quota(cc)
    resp = cc.delete(f"/v3/space_quotas/{quota['guid']}")
    assert resp.status_code == 422 and error_of(resp)["detail"] == (
        "This quota is applied to one or more spaces. Remove this quota from all spaces before deleting.")
    space2 = cc.space_guid("space2")
    resp = cc.delete(f"/v3/space_quotas/{quota['guid']}/relationships/spaces/{space2}")
    assert error_of(resp)["detail"] == (f"Unable to remove quota from space with guid '{space2}'. Ensure the space "
                                        "quota is applied to this space.")
    assert cc.delete(f"/v3/space_quotas/{quota['guid']}/relationships/spaces/{cc.space_guid()}").status_code == 204
    job = cc.wait_job(cc.delete(f"/v3/space_quotas/{quota['guid']}").headers["Location"])
    assert job["state"] == "COMPLETE" and job["operation"] == "space_quota.delete"
    assert cc.get(f"/v3/space_quotas/{quota['guid']}").status_code == 404


def test_memory_and_instances_are_enforced_on_scale_and_start(cc: CC) -> None:
    app = cc.push("capped")  # 1 instance of 1024 MB: the whole memory quota
    other = cc.push("second", start=False)  # staged now: staging later would not fit the quota either
    create_quota(cc, total_memory_in_mb=1024, total_instances=2)
    web = f"/v3/apps/{app['guid']}/processes/web/actions/scale"
    resp = cc.post(web, {"instances": 2})
    assert resp.status_code == 422 and error_of(resp)["detail"] == "memory space_quota_exceeded"
    assert cc.post(web, {"memory_in_mb": 256, "instances": 3}).json() == {"errors": [{
        "code": 10008, "title": "CF-UnprocessableEntity",
        "detail": "app_instance_limit space_app_instance_limit_exceeded"}]}
    assert cc.post(web, {"memory_in_mb": 512, "instances": 2}).status_code == 202
    cc.wait_running(app["guid"], 2)
    resp = cc.post(f"/v3/apps/{other['guid']}/actions/start")
    assert resp.status_code == 422 and error_of(resp)["detail"] == (
        "memory space_quota_exceeded, app_instance_limit space_app_instance_limit_exceeded")
    assert cc.post(f"/v3/apps/{app['guid']}/actions/stop").status_code == 200
    assert cc.post(f"/v3/apps/{other['guid']}/actions/start").status_code == 200


def test_per_process_memory_tasks_and_staging(sim: SimHandle, cc: CC) -> None:
    app = cc.push("limited", start=False)
    create_quota(cc, total_memory_in_mb=1500, per_process_memory_in_mb=1024, per_app_tasks=1)
    resp = cc.post(f"/v3/apps/{app['guid']}/processes/web/actions/scale", {"memory_in_mb": 2048})
    assert resp.status_code == 202  # a stopped app is not held to the quota
    resp = cc.post(f"/v3/apps/{app['guid']}/actions/start")
    assert error_of(resp)["detail"] == "memory space_quota_exceeded, memory space_instance_memory_limit_exceeded"
    resp = cc.post(f"/v3/apps/{app['guid']}/tasks", {"command": "sleep 60", "memory_in_mb": 2048})
    assert error_of(resp)["detail"] == ("memory_in_mb exceeds space memory quota, memory_in_mb exceeds space "
                                        "instance memory quota")
    assert cc.post(f"/v3/apps/{app['guid']}/tasks", {"command": "sleep 60", "memory_in_mb": 1000}).status_code == 202
    resp = cc.post(f"/v3/apps/{app['guid']}/tasks", {"command": "true", "memory_in_mb": 100})
    assert error_of(resp)["detail"] == "app_task_limit quota exceeded"
    package = cc.get(f"/v3/apps/{app['guid']}/packages").json()["resources"][0]
    resp = cc.post("/v3/builds", {"package": {"guid": package["guid"]}, "staging_memory_in_mb": 1024})
    assert resp.status_code == 422
    assert error_of(resp)["detail"] == "space's memory limit exceeded: staging requires 1024M memory"
