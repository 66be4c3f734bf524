"""`--dry-run` through the real cf CLI. Against a first deploy, a v2 with changes, an unchanged v2 and a v3 that
drops a module and a service (--delete-services): the simulator's request log shows no mutating request
during the dry run, and its `--json` plan is what the deploy after it then does, held against that deploy's
request log and the states before and after it (plancheck)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from ccsim.launcher import SimHandle
from e2e.cfcli import Cf
from e2e.conftest import SAMPLE_V1
from plancheck import MUTATING, Space, check, shop, validate

RESUME = re.compile(r'"cf bg-deploy -i (\d+) -a resume"')


def last_seq(sim: SimHandle) -> int:
    requests = sim.requests()
    return requests[-1]["seq"] if requests else 0


def dry_run(sim: SimHandle, cf: Cf, archive: Path, *flags: str, command: str = "bg-deploy") -> dict[str, Any]:
    since, counted = last_seq(sim), sim.mutating_requests()
    res = cf(command, str(archive), "--dry-run", "--json", *flags)
    assert res.code == 0 and res.err == "", res.text
    assert res.out.count("\n") == 1, res.out  # one JSON document, nothing else on stdout
    doc = json.loads(res.out)
    validate(doc)
    writes = [r for r in sim.requests(since) if r["method"] in MUTATING and r["path"].startswith("/v3/")]
    assert writes == [] and sim.mutating_requests() == counted, writes
    return doc


def deploy(sim: SimHandle, cf: Cf, archive: Path, *flags: str) -> dict[str, Any]:
    """Plan, then deploy (resuming at the pause); the deploy must do what the plan said."""
    doc = dry_run(sim, cf, archive, *flags)
    before, since = Space.of(sim.state()), last_seq(sim)
    res = cf("bg-deploy", str(archive), *flags)
    assert res.code == 0, res.text
    paused = RESUME.search(res.out)
    assert bool(paused) == doc["test_phase"], res.out
    if paused:
        res = cf("bg-deploy", "-i", paused.group(1), "-a", "resume")
        assert res.code == 0 and "Process finished." in res.out, res.text
    check(doc, before, Space.of(sim.state()), sim.requests(since))
    return doc


def by_app(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {m["app"]: m for m in doc["modules"]}


def test_a_dry_run_writes_nothing_and_the_deploy_does_what_it_said(sim: SimHandle, cf: Cf, tmp_path: Path) -> None:
    first = deploy(sim, cf, shop(tmp_path, "1.0.0"))
    assert first["changes"] and {m["action"] for m in first["modules"]} == {"create"}

    v2 = deploy(sim, cf, shop(tmp_path, "2.0.0"))
    web = by_app(v2)["web-green"]
    assert v2["changes"] and web["replaces"] == "web-blue"
    assert set(web["changes"]) == {"env", "instances", "memory_mb", "routes", "bindings", "metadata"}
    assert {s["name"]: s["action"] for s in v2["services"]} == {"db": "update", "config": "update",
                                                                   "cache": "create"}

    same = deploy(sim, cf, shop(tmp_path, "2.0.0"))
    assert same["changes"] is False and {m["action"] for m in same["modules"]} == {"unchanged"}

    v3 = deploy(sim, cf, shop(tmp_path, "3.0.0"), "--delete-services")
    assert by_app(v3)["worker-blue"]["action"] == "delete"
    assert {s["name"]: s["action"] for s in v3["services"]}["config"] == "delete"
    assert "worker-blue" not in {a["name"] for a in sim.state()["apps"]}


def test_the_plan_in_words_and_a_plan_that_cannot_be(sim: SimHandle, cf: Cf, tmp_path: Path) -> None:
    assert cf("bg-deploy", str(SAMPLE_V1), "-f").code == 0
    since = last_seq(sim)
    res = cf("deploy", str(shop(tmp_path, "1.0.0")), "--dry-run")
    assert res.code == 0, res.text
    lines = res.out.splitlines()
    assert lines[0].startswith("Planning the deployment of multi-target app archive ") and "(dry run)" in lines[0]
    assert 'Dry run: nothing was changed in org "org" / space "space".' in lines
    assert "MTA dr.shop: version 1.0.0 (not deployed yet), from shop-1.0.0.mtar" in lines
    assert re.search(r"^  web +create +web$", res.out, re.M) and lines[-1] == "Changes: yes"

    res = cf("bg-deploy", str(SAMPLE_V1).replace("v1", "v2"), "--dry-run", "--version-rule", "HIGHER")
    assert res.code == 0 and "Changes: yes" in res.out, res.text
    res = cf("bg-deploy", str(SAMPLE_V1), "--dry-run", "--version-rule", "HIGHER")
    assert res.code == 1, res.text
    assert res.out.splitlines()[-2:] == [
        "FAILED", 'Could not plan the deployment: The same version of the MTA ("1.0.0") is already deployed. Use the '
        'version rule "SAME_HIGHER" (--version-rule SAME_HIGHER) or "ALL" to deploy it again.'], res.out
    assert [r for r in sim.requests(since) if r["method"] in MUTATING and r["path"].startswith("/v3/")] == []
