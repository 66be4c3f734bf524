"""Tasks: really run in the app's droplet with its environment; SUCCEEDED, FAILED, cancelled; lists,
visibility of the command, and the state dump."""

from __future__ import annotations

import json
from typing import Any

from ccsim.launcher import SimHandle

from .client import CC, error_of, wait_for

BITS = {"Procfile": "web: python server.py\n", "server.py": "import time\ntime.sleep(600)\n",
        "job.sh": "echo \"greeting=$GREETING\"\necho \"$VCAP_APPLICATION\" > vcap.json\n"}


def run_task(cc: CC, app_guid: str, **body: Any) -> dict[str, Any]:
    resp = cc.post(f"/v3/apps/{app_guid}/tasks", body)
    assert resp.status_code == 202, resp.text
    return dict(resp.json())


def wait_done(cc: CC, guid: str) -> dict[str, Any]:
    return dict(wait_for(lambda: (t := cc.get(f"/v3/tasks/{guid}").json())["state"] in ("SUCCEEDED", "FAILED") and t,
                         what="task done"))


def dumped(sim: SimHandle, guid: str) -> dict[str, Any]:
    return dict(next(t for t in sim.state()["tasks"] if t["guid"] == guid))


def test_task_runs_in_the_droplet_with_the_app_environment(sim: SimHandle, cc: CC) -> None:
    app = cc.push("worker", files=BITS, start=False)
    cc.patch(f"/v3/apps/{app['guid']}/environment_variables", {"var": {"GREETING": "hello"}})
    task = run_task(cc, app["guid"], command="sh job.sh", name="migrate", memory_in_mb=256)
    assert task["state"] == "RUNNING" and task["sequence_id"] == 1 and task["name"] == "migrate"
    assert task["droplet_guid"] == app["droplet_guid"] and task["command"] == "sh job.sh"
    assert (task["memory_in_mb"], task["disk_in_mb"], task["user"]) == (256, 1024, "vcap")
    assert task["result"] == {"failure_reason": None}
    done = wait_done(cc, task["guid"])
    assert done["state"] == "SUCCEEDED" and done["result"]["failure_reason"] is None
    record = dumped(sim, task["guid"])
    assert record["output"] == "greeting=hello\n" and record["exit_code"] == 0
    assert record["created_at"] <= record["started_at"] <= record["finished_at"]
    assert record["environment"]["MEMORY_LIMIT"] == "256m" and "PORT" not in record["environment"]
    vcap = json.loads(record["environment"]["VCAP_APPLICATION"])
    assert vcap["application_name"] == "worker" and vcap["limits"]["mem"] == 256
    droplet_dir = sim.work_dir / "droplets" / app["droplet_guid"]
    assert json.loads((droplet_dir / "vcap.json").read_text())["application_id"] == app["guid"]


def test_failing_task_reports_the_exit_status(cc: CC) -> None:
    app = cc.push("failing", start=False)
    task = run_task(cc, app["guid"], command="exit 3", name="boom")
    done = wait_done(cc, task["guid"])
    assert done["state"] == "FAILED" and done["result"]["failure_reason"] == "APP/TASK/boom: Exited with status 3"
    missing = wait_done(cc, run_task(cc, app["guid"], command="no-such-program-here")["guid"])
    assert missing["result"]["failure_reason"].endswith(": Exited with status 127")


def test_cancel_a_running_task(sim: SimHandle, cc: CC) -> None:
    app = cc.push("long", start=False)
    task = run_task(cc, app["guid"], command="sleep 60", name="long")
    wait_for(lambda: dumped(sim, task["guid"])["pid"], what="task spawned")
    resp = CC(sim, "supporter").post(f"/v3/tasks/{task['guid']}/actions/cancel")
    assert resp.status_code == 202 and resp.json()["state"] == "CANCELING"
    done = wait_done(cc, task["guid"])
    assert done["state"] == "FAILED" and done["result"]["failure_reason"] == "task was cancelled"
    assert dumped(sim, task["guid"])["exit_code"] == -15
    again = cc.post(f"/v3/tasks/{task['guid']}/actions/cancel")
    assert again.status_code == 422 and error_of(again)["detail"] == (
        "Task state is FAILED and therefore cannot be canceled")
    assert CC(sim, "auditor").post(f"/v3/tasks/{task['guid']}/actions/cancel").status_code == 403


def test_tasks_run_in_order_and_keep_their_droplet(sim: SimHandle, cc: CC) -> None:
    app = cc.push("ordered", start=False)
    first = run_task(cc, app["guid"], command="true", name="first")
    wait_done(cc, first["guid"])
    newer = cc.stage(cc.upload(app["guid"], {"Procfile": "web: sleep 600\n"})["guid"])["droplet"]["guid"]
    cc.patch(f"/v3/apps/{app['guid']}/relationships/current_droplet", {"data": {"guid": newer}})
    second = run_task(cc, app["guid"], command="true", name="second")
    pinned = run_task(cc, app["guid"], command="true", droplet_guid=app["droplet_guid"])
    wait_done(cc, second["guid"])
    wait_done(cc, pinned["guid"])
    assert [second["sequence_id"], pinned["sequence_id"]] == [2, 3]
    assert (first["droplet_guid"], second["droplet_guid"], pinned["droplet_guid"]) == (
        app["droplet_guid"], newer, app["droplet_guid"])
    records = [dumped(sim, t["guid"]) for t in (first, second)]
    assert records[0]["finished_at"] <= records[1]["started_at"]
    assert [(r["app_name"], r["name"], r["command"], r["state"]) for r in records] == [
        ("ordered", "first", "true", "SUCCEEDED"), ("ordered", "second", "true", "SUCCEEDED")]


def test_task_lists_filters_and_command_visibility(sim: SimHandle, cc: CC) -> None:
    app = cc.push("listed", start=False)
    ok = run_task(cc, app["guid"], command="true", name="ok")
    bad = run_task(cc, app["guid"], command="false", name="bad")
    wait_done(cc, ok["guid"])
    wait_done(cc, bad["guid"])
    failed = cc.get(f"/v3/apps/{app['guid']}/tasks?states=FAILED").json()["resources"]
    assert [t["name"] for t in failed] == ["bad"] and failed[0]["command"] == "false"
    assert [t["name"] for t in cc.get(f"/v3/apps/{app['guid']}/tasks?sequence_ids=1").json()["resources"]] == ["ok"]
    everywhere = cc.get(f"/v3/tasks?app_guids={app['guid']}&names=ok,bad").json()["resources"]
    assert {t["name"] for t in everywhere} == {"ok", "bad"} and all("command" not in t for t in everywhere)
    auditor = CC(sim, "auditor")
    assert "command" not in auditor.get(f"/v3/tasks/{ok['guid']}").json()
    assert "command" in cc.get(f"/v3/tasks/{ok['guid']}").json()
    assert CC(sim, "dev2").get(f"/v3/tasks/{ok['guid']}").status_code == 404
    assert cc.get(f"/v3/apps/{app['guid']}/tasks?space_guids=x").status_code == 400
    assert cc.get("/v3/tasks?sequence_ids=1").status_code == 400


def test_task_errors(sim: SimHandle, cc: CC) -> None:
    app = cc.create_app("no-droplet")
    resp = cc.post(f"/v3/apps/{app['guid']}/tasks", {"command": "true"})
    assert resp.status_code == 422 and error_of(resp)["detail"] == (
        "Task must have a droplet. Specify droplet or assign current droplet to app.")
    resp = cc.post(f"/v3/apps/{app['guid']}/tasks", {"memory_in_mb": 0, "colour": "red"})
    assert error_of(resp)["detail"] == ("Unknown field(s): 'colour', Memory in mb must be greater than 0, "
                                        "Command No command or template provided")
    resp = cc.post(f"/v3/apps/{app['guid']}/tasks", {"command": "true", "droplet_guid": "nope"})
    assert resp.status_code == 404 and error_of(resp)["detail"] == "Droplet not found"
    resp = CC(sim, "supporter").post(f"/v3/apps/{app['guid']}/tasks", {"command": "true"})
    assert resp.status_code == 403
    assert error_of(cc.get("/v3/tasks/nope"))["detail"] == "Task not found"


def test_task_from_a_process_template(cc: CC) -> None:
    app = cc.push("templated", files={"Procfile": "web: sleep 600\nclock: echo tick\n"}, start=False)
    clock = cc.get(f"/v3/apps/{app['guid']}/processes/clock").json()
    cc.post(f"/v3/processes/{clock['guid']}/actions/scale", {"memory_in_mb": 128})
    task = run_task(cc, app["guid"], template={"process": {"guid": clock["guid"]}})
    assert task["command"] == "echo tick" and task["memory_in_mb"] == 128 and len(task["name"]) == 8
    assert wait_done(cc, task["guid"])["state"] == "SUCCEEDED"


def test_deleting_the_app_ends_its_tasks(sim: SimHandle, cc: CC) -> None:
    app = cc.push("short-lived", start=False)
    task = run_task(cc, app["guid"], command="sleep 60")
    wait_for(lambda: dumped(sim, task["guid"])["pid"], what="task spawned")
    cc.wait_job(cc.delete(f"/v3/apps/{app['guid']}").headers["Location"])
    assert cc.get(f"/v3/tasks/{task['guid']}").status_code == 404
    assert sim.state()["tasks"] == []
