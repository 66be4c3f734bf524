"""The seed's restriction, tested: services first. The sample's v2 changes the managed service's plan and
parameters and the user-provided service's credentials; the request log shows those updates finished
before the first green app was created, and both colours are bound to the same instances during the pause.
`cf mtas` and `cf mta` show both versions with their colours then, one version after the resume."""

from __future__ import annotations

import re

from e2e.conftest import SAMPLE_V1, SAMPLE_V2
from e2e.test_commands import table_row

RESUME = re.compile(r'Use "cf bg-deploy -i (\d+) -a resume" to resume the process')


def last_seq(sim) -> int:
    log = sim.requests()
    return log[-1]["seq"] if log else 0


def instance_guids_bound_to(state: dict, app: str) -> set[str]:
    guid = next(a["guid"] for a in state["apps"] if a["name"] == app)
    return {b["service_instance_guid"] for b in state["service_credential_bindings"]
            if b["type"] == "app" and b["app_guid"] == guid}


def test_services_are_updated_before_any_green_app_and_both_colours_share_them(sim, cf) -> None:
    assert cf("bg-deploy", str(SAMPLE_V1), "-f").code == 0
    since = last_seq(sim)
    res = cf("bg-deploy", str(SAMPLE_V2), "-f")
    op = RESUME.search(res.out)
    assert res.code == 0 and op, res.text
    log, state = sim.requests(since), sim.state()
    services = {s["name"]: s for s in state["service_instances"]}
    db, config = services["db"], services["config"]
    assert (db["plan"], db["parameters"]) == ("large", {"max_connections": 50})
    assert config["credentials"] == {"greeting": "hello again"}

    first_app = next(i for i, r in enumerate(log) if r["method"] == "POST" and r["path"] == "/v3/apps")
    updates = [i for i, r in enumerate(log) if r["method"] == "PATCH" and r["status"] in (200, 202)
               and r["path"] in (f"/v3/service_instances/{db['guid']}", f"/v3/service_instances/{config['guid']}")]
    broker_jobs = {j["guid"] for j in state["jobs"] if j["operation"] == "service_instance.update"}
    assert len(broker_jobs) == 2 and all(j["state"] == "COMPLETE" for j in state["jobs"] if j["guid"] in broker_jobs)
    job_polls = [i for i, r in enumerate(log) if r["method"] == "GET" and r["path"].split("/")[-1] in broker_jobs]
    # Plan and parameters of db (two broker operations, polled until COMPLETE) and config's credentials: all
    # of it before the first green app exists.
    assert len(updates) >= 3 and job_polls and max(updates + job_polls) < first_app, (updates, job_polls, first_app)
    assert 'Updating service "db"...' in res.out and 'Updating service "config"...' in res.out

    # Both colours are bound to the same service instances while they run side by side.
    assert instance_guids_bound_to(state, "web-blue") == instance_guids_bound_to(state, "web-green") \
        == {db["guid"], config["guid"]}
    assert instance_guids_bound_to(state, "api-blue") == instance_guids_bound_to(state, "api-green") == {db["guid"]}

    # mtas / mta during the pause: both versions, each with its colour.
    listed = cf("mtas", check=True)
    assert table_row(listed.out, "bg.sample")[1] == "1.0.0 (blue), 2.0.0 (green)", listed.out
    shown = cf("mta", "bg.sample", check=True)
    assert "Version: 1.0.0 (blue), 2.0.0 (green)" in shown.out, shown.out
    assert {"web-blue", "api-blue", "web-green", "api-green"} <= {
        line.split()[0] for line in shown.out.splitlines() if line.strip()}
    assert table_row(shown.out, "db")[1:3] == ["postgresql", "large"]

    assert cf("bg-deploy", "-i", op.group(1), "-a", "resume").code == 0
    after = cf("mtas", check=True)
    assert table_row(after.out, "bg.sample")[1] == "2.0.0", after.out
    assert "Version: 2.0.0\n" in cf("mta", "bg.sample", check=True).out
