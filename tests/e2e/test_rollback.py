"""--backup-previous-version and `cf rollback-mta` through the real cf CLI, with continuous traffic on the
productive routes: resume keeps blue (stopped, unmapped), `cf mta` names the rollback target, the rollback
switches back with no failed request, the old version answers again, the newer colour is gone and the next
bg-deploy works; the next deploy recognises kept apps and replaces them; the prompt and the refusals."""

from __future__ import annotations

import re
import time

from e2e.conftest import SAMPLE_V1, SAMPLE_V2
from e2e.traffic import Sample, Traffic, get

HOSTS = ["web-space.apps.sim.test", "org-space-api.apps.sim.test"]
WEB = "web-space.apps.sim.test"
MTA = "bg.sample"


def apps(sim) -> dict[str, str]:
    return {a["name"]: a["state"] for a in sim.state()["apps"]}


def routed(sim) -> set[str]:
    return {d["app_name"] for r in sim.state()["routes"] for d in r["destinations"]}


def answers(samples: list[Sample], start: float = 0, end: float = float("inf")) -> set[str]:
    """'1.0.0 web-blue'-like answers seen between start and end."""
    return {" ".join(s.body.split()[1:]) for s in samples if start <= s.t <= end}


def test_backup_then_rollback_under_load(sim, cf) -> None:
    assert cf("bg-deploy", str(SAMPLE_V1), "-f").code == 0
    with Traffic(sim.router_url, HOSTS, threads=8, target_rps=300) as traffic:
        res = cf("bg-deploy", str(SAMPLE_V2), "--backup-previous-version")
        op = re.search(r"-i (\d+) -a resume", res.out)
        assert res.code == 0 and op, res.text
        res = cf("bg-deploy", "-i", op.group(1), "-a", "resume")
        assert res.code == 0, res.text
        assert re.search(r'Keeping application "web-blue" \(version 1\.0\.0\) stopped for rollback until '
                         r'\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ: "cf rollback-mta bg\.sample"', res.out), res.out
        assert apps(sim) == {"web-green": "STARTED", "api-green": "STARTED", "web-blue": "STOPPED",
                             "api-blue": "STOPPED"}
        assert routed(sim) == {"web-green", "api-green"}
        shown = cf("mta", MTA, check=True).out
        assert re.search(rf"Rollback target: version 1\.0\.0, kept until \S+Z by operation {op.group(1)} "
                         r"\(api-blue, web-blue\)\n", shown), shown
        assert "Version: 2.0.0" in shown

        start = time.time()
        res = cf("rollback-mta", MTA, "-f")
        end = time.time()
        assert res.code == 0, res.text
        time.sleep(1.0)
    assert f"Rolling back multi-target app {MTA} in org org / space space as admin..." in res.out
    assert f'Rolling back multi-target app "{MTA}" from version 2.0.0 to version 1.0.0...' in res.out
    assert "Services are not rolled back: the previous version runs with the services (and their configuration) " \
           "as they are now." in res.out
    assert 'Deleting application "web-green"...' in res.out and "Process finished." in res.out
    failures = traffic.failures()
    assert not failures, f"{len(failures)} of {len(traffic.snapshot())} requests failed, first: {failures[:3]}"
    assert traffic.rate() >= 200
    samples = traffic.snapshot()
    assert answers(samples, start=end) == {"1.0.0 web-blue", "1.0.0 api-blue"}  # the old version answers again
    assert answers(samples, start, end) <= {"2.0.0 web-green", "2.0.0 api-green", "1.0.0 web-blue", "1.0.0 api-blue"}
    assert apps(sim) == {"web-blue": "STARTED", "api-blue": "STARTED"}  # the newer colour is gone
    assert "Rollback target: none\n" in cf("mta", MTA, check=True).out

    res = cf("bg-deploy", str(SAMPLE_V2), "--no-confirm")  # and the next deploy works as ever
    assert res.code == 0, res.text
    assert "Deployed MTA color: BLUE" in res.out and "New MTA color: GREEN" in res.out
    assert get(sim.router_url, WEB) == (200, "web 2.0.0 web-green")
    assert set(apps(sim)) == {"web-green", "api-green"}


def test_the_next_deploy_recognises_the_kept_apps_and_replaces_them(sim, cf) -> None:
    assert cf("bg-deploy", str(SAMPLE_V1), "-f").code == 0
    assert cf("bg-deploy", str(SAMPLE_V2), "--backup-previous-version", "--no-confirm").code == 0
    assert apps(sim)["web-blue"] == "STOPPED"
    res = cf("bg-deploy", str(SAMPLE_V2), "--no-confirm")
    assert res.code == 0, res.text
    assert "Deployed MTA color: GREEN" in res.out and "New MTA color: BLUE" in res.out
    assert "both blue and green" not in res.out  # the kept ones do not count as a colour
    assert "Deleting the applications of version 1.0.0 kept for rollback by operation" in res.out
    assert apps(sim) == {"web-blue": "STARTED", "api-blue": "STARTED"}
    assert get(sim.router_url, WEB) == (200, "web 2.0.0 web-blue")
    res = cf("rollback-mta", MTA, "-f")
    assert res.code == 1 and "has no version to roll back to" in res.out, res.text


def test_rollback_asks_first_and_refuses_without_a_kept_version(sim, cf) -> None:
    assert cf("bg-deploy", str(SAMPLE_V1), "-f").code == 0
    res = cf("rollback-mta", MTA, stdin="n\n")
    assert res.code == 1 and f"Really rollback multi-target app {MTA} in org org / space space? (y/n)" in res.out
    assert "Rollback cancelled" in res.out
    res = cf("rollback-mta", MTA, stdin="y\n")
    assert res.code == 1, res.text
    assert f"Multi-target app {MTA} has no version to roll back to: deploy it with --backup-previous-version" \
        in res.out
    assert cf("rollback-mta", "no.such.mta", "--no-confirm").code == 1
    assert set(apps(sim)) == {"web-blue", "api-blue"}
    assert "rollback-mta" in cf("help", "-a", check=True).out
