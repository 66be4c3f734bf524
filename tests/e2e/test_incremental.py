"""Incremental blue-green through the real cf CLI, on the corpus example
(../shared/mta-examples/blue-green-deploy-strategy/incremental-blue-green-deploy: two 3-instance modules),
as its README shows: a plain deploy, then `cf deploy --strategy incremental-blue-green`, the testing phase,
resume. Under continuous traffic not one request fails; the simulator's instances, sampled all along, never
exceed N+1 per module; and the space quota holds only N+1 instances per module, never 2N."""

from __future__ import annotations

import re
import threading
import time
from collections import Counter

import requests

from e2e.cfcli import ROOT
from e2e.traffic import Traffic

EXAMPLE = ROOT.parent / "shared" / "mta-examples" / "blue-green-deploy-strategy" / "incremental-blue-green-deploy"
MODULES = ("hello-backend", "hello-router")
HOSTS = [f"org-space-{m}.apps.sim.test" for m in MODULES]


def apply_quota(sim: object, **apps: int) -> None:
    """A space quota for `space` (the admin manages the org)."""
    api, token = sim.api_url, sim.token("admin")  # type: ignore[attr-defined]
    headers = {"Authorization": f"bearer {token}"}
    org = requests.get(f"{api}/v3/organizations?names=org", headers=headers, timeout=10).json()["resources"][0]
    space = requests.get(f"{api}/v3/spaces?names=space", headers=headers, timeout=10).json()["resources"][0]
    resp = requests.post(f"{api}/v3/space_quotas", headers=headers, timeout=10, json={
        "name": "n-plus-one", "apps": apps, "relationships": {
            "organization": {"data": {"guid": org["guid"]}}, "spaces": {"data": [{"guid": space["guid"]}]}}})
    assert resp.status_code == 201, resp.text


class InstanceSampler:
    """Counts each module's placed instances (both versions) in the simulator's state, every few ms."""

    def __init__(self, sim: object) -> None:
        self.sim = sim
        self.samples: list[Counter[str]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def __enter__(self) -> InstanceSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(10)

    def _loop(self) -> None:
        while not self._stop.is_set():
            state = self.sim.state()  # type: ignore[attr-defined]
            names = {a["guid"]: a["name"] for a in state["apps"]}
            counts: Counter[str] = Counter()
            for inst in state["instances"]:
                if inst["state"] in ("STARTING", "RUNNING"):
                    counts[names.get(inst["app_guid"], "?")] += 1
            self.samples.append(counts)
            time.sleep(0.02)

    def peak(self, module: str) -> int:
        return max(sum(n for app, n in s.items() if app.startswith(module)) for s in self.samples)

    def new_counts(self, module: str) -> list[int]:
        return [s.get(f"{module}-idle", 0) for s in self.samples if f"{module}-idle" in s]


def test_incremental_blue_green_under_load_within_an_n_plus_one_quota(sim, cf) -> None:
    mtar = str(EXAMPLE / "hello.mtar")
    res = cf("deploy", mtar, "-f")
    assert res.code == 0, res.text
    assert 'Application "hello-backend" started and available at "org-space-hello-backend.apps.sim.test"' in res.out
    # 2 modules x (3 + 1) instances of 512M: a plain blue-green switch (2 x 6) would not fit.
    apply_quota(sim, total_instances=8, total_memory_in_mb=8 * 512)

    with Traffic(sim.router_url, HOSTS, threads=8, target_rps=300) as traffic:
        time.sleep(0.5)
        res = cf("deploy", mtar, "--strategy", "incremental-blue-green", "-f")
        assert res.code == 0, res.text
        for module in MODULES:
            assert f'Renaming application "{module}" to "{module}-live"...' in res.out
            assert (f'Application "{module}-idle" started and available at '
                    f'"org-space-{module}-idle.apps.sim.test"') in res.out
        assert "Process has entered testing phase." in res.out
        op = re.search(r"cf deploy -i (\d+) -a resume", res.out)
        assert op, res.out
        placed = Counter(i["app_guid"] for i in sim.state()["instances"])
        assert sorted(placed.values()) == [1, 1, 3, 3]  # the new versions start on one instance

        with InstanceSampler(sim) as sampler:
            res = cf("deploy", "-i", op.group(1), "-a", "resume")
        assert res.code == 0, res.text
        time.sleep(0.5)
    failures = traffic.failures()
    assert not failures, f"{len(failures)} of {len(traffic.snapshot())} requests failed, first: {failures[:3]}"
    assert traffic.rate() >= 200

    lines = res.out.splitlines()
    for module in MODULES:
        start = lines.index(f'Starting incremental application instance update for "{module}-idle"...')
        assert f'Application "{module}-idle" started and available at "org-space-{module}.apps.sim.test"' \
            in lines[start + 1:], lines
        assert f'Renaming application "{module}-idle" to "{module}"...' in lines
        assert sampler.peak(module) <= 4, (module, sampler.peak(module))
        grown = sampler.new_counts(module)
        assert grown == sorted(grown) and grown[-1] == 3, (module, grown)
    assert lines.index('Starting incremental application instance update for "hello-backend-idle"...') < \
        lines.index('Starting incremental application instance update for "hello-router-idle"...')

    state = sim.state()
    assert sorted(a["name"] for a in state["apps"]) == list(MODULES)
    assert sorted(Counter(i["app_guid"] for i in state["instances"] if i["state"] == "RUNNING").values()) == [3, 3]
    served = {s.body.split()[0] for s in traffic.snapshot()[-50:]}
    assert served == {"hello-backend-idle", "hello-router-idle"}, served  # the new version (named when started)
