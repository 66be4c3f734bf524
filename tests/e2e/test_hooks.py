"""Hooks, `tasks` and the dependency-aware stop order through the real cf CLI; the order is read from the
simulator's request log (task creations, starts and stops, by app), the task names from the operation's log.
Also the corpus example ../shared/mta-examples/hooks, deployed as its README and its logs show."""

from __future__ import annotations

import itertools
import re
import shutil
import textwrap
from pathlib import Path

from e2e.cfcli import ROOT

SAMPLE_APP = ROOT / "tests" / "sample" / "app_server.py"
CORPUS = ROOT.parent / "shared" / "mta-examples" / "hooks"

HOOKS_MTA = """\
_schema-version: "3.3"
ID: hooks.demo
version: 1.0.0
modules:
  - name: web
    type: python
    path: web
    parameters:
      memory: 64M
      command: python3 server.py
      tasks:
        - name: migrate
          command: echo migrated
    hooks:
      - name: warm-up
        type: task
        phases: [blue-green.application.before-start.idle, blue-green.application.before-start.live]
        parameters:
          command: echo warm
      - name: drain
        type: task
        phases: [blue-green.application.before-stop.live]
        parameters:
          name: drain-task
          command: 'test "$DRAIN" != fail'
"""


def mta_dir(tmp_path: Path, descriptor: str, modules: list[str]) -> Path:
    root = tmp_path / "mta"
    root.mkdir()
    (root / "mtad.yaml").write_text(textwrap.dedent(descriptor))
    for module in modules:
        (root / module).mkdir()
        shutil.copy(SAMPLE_APP, root / module / "server.py")
        (root / module / "Procfile").write_text("web: python3 server.py\n")
    return root


def app_guids(sim: object) -> dict[str, str]:
    return {a["name"]: a["guid"] for a in sim.state()["apps"]}  # type: ignore[attr-defined]


def lifecycle(sim: object, since: int, names: dict[str, str]) -> list[str]:
    """`task@APP`, `start@APP`, `restart@APP`, `stop@APP` after request `since`, in the order CC got them."""
    out = []
    for r in sim.requests(since):  # type: ignore[attr-defined]
        parts = r["path"].split("/")
        if r["method"] != "POST" or r["status"] not in (200, 201, 202) or parts[1:3] != ["v3", "apps"] \
                or len(parts) < 5:
            continue
        app = names.get(parts[3], parts[3])
        if parts[4:] == ["tasks"]:
            out.append(f"task@{app}")
        elif parts[4:5] == ["actions"]:
            out.append(f"{parts[5]}@{app}")
    return out


def executed(text: str) -> list[str]:
    return re.findall(r'^Executing task "([^"]+)" on application "([^"]+)"\.\.\.$', text, re.M)


def last_seq(sim: object) -> int:
    log = sim.requests()  # type: ignore[attr-defined]
    return int(log[-1]["seq"]) if log else 0


def test_hooks_and_tasks_in_the_official_order_and_a_failing_hook_retried(sim, cf, tmp_path: Path) -> None:
    src = mta_dir(tmp_path, HOOKS_MTA, ["web"])
    assert cf("bg-deploy", str(src), "-f").code == 0
    since = last_seq(sim)
    res = cf("bg-deploy", str(src), "-f")
    op = re.search(r"-i (\d+) -a resume", res.out)
    assert res.code == 0 and op, res.text
    out = res.out
    names = {guid: name for name, guid in app_guids(sim).items()}

    assert cf("set-env", "web-blue", "DRAIN", "fail").code == 0
    res = cf("bg-deploy", "-i", op.group(1), "-a", "resume", "--retries", "0")
    assert res.code == 1, res.text
    assert ('Execution of task "drain-task" on application "web-blue" failed: task state FAILED '
            "(APP/TASK/drain-task: Exited with status 1)") in res.text
    assert f"cf bg-deploy -i {op.group(1)} -a retry" in res.text
    ops = cf("mta-ops").out
    assert re.search(rf"^{op.group(1)}\s.*ERROR", ops, re.M), ops
    assert app_guids(sim).keys() == {"web-blue", "web-green"}  # both still there, blue not stopped
    out += res.out

    assert cf("set-env", "web-blue", "DRAIN", "ok").code == 0
    res = cf("bg-deploy", "-i", op.group(1), "-a", "retry")
    assert res.code == 0, res.text
    out += res.out

    assert lifecycle(sim, since, names) == [
        "task@web-green", "start@web-green", "task@web-green",  # idle phase: before-start.idle, start, tasks
        "task@web-green", "restart@web-green",  # resume: before-start.live, the live start
        "task@web-blue",  # before-stop.live on the old colour: fails
        "task@web-blue", "stop@web-blue",  # the retry runs it again, then the old colour stops
    ]
    assert executed(out) == [("warm-up", "web-green"), ("migrate", "web-green"), ("warm-up", "web-green"),
                             ("drain-task", "web-blue"), ("drain-task", "web-blue")]
    assert 'Executing hook "drain"' in out
    green = app_guids(sim)["web-green"]
    tasks = [(t["name"], t["state"]) for t in sim.state()["tasks"] if t["app_guid"] == green]
    assert tasks == [("warm-up", "SUCCEEDED"), ("migrate", "SUCCEEDED"), ("warm-up", "SUCCEEDED")]


STOP_ORDER_MTA = """\
_schema-version: "3.3"
ID: stop.order
version: 1.0.0
modules:
  - name: db-api
    type: python
    path: db-api
    parameters: {memory: 64M, no-route: true}
  - name: web
    type: python
    path: web
    deployed-after: [db-api]
    parameters: {memory: 64M, no-route: true}
  - name: worker
    type: python
    path: worker
    deployed-after: [web]
    parameters: {memory: 64M, no-route: true}
"""


def test_dependency_aware_stop_order(sim, cf, tmp_path: Path) -> None:
    src = mta_dir(tmp_path, STOP_ORDER_MTA, ["db-api", "web", "worker"])
    assert cf("bg-deploy", str(src), "-f").code == 0
    names = {guid: name for name, guid in app_guids(sim).items()}
    since = last_seq(sim)
    res = cf("bg-deploy", str(src), "-f", "--no-confirm", "--dependency-aware-stop-order")
    assert res.code == 0, res.text
    stops = [e for e in lifecycle(sim, since, names) if e.startswith("stop@")]
    assert stops == ["stop@worker-blue", "stop@web-blue", "stop@db-api-blue"]  # consumers first
    # ... each once the instances of the one before are down (their stats are read in between)
    log = [(r["method"], r["path"]) for r in sim.requests(since)]
    at = [i for i, (m, p) in enumerate(log) if m == "POST" and p.endswith("/actions/stop")]
    assert all(any(p.endswith("/stats") for _, p in log[a:b]) for a, b in itertools.pairwise(at))


def test_the_corpus_hooks_example(sim, cf, tmp_path: Path) -> None:
    src = tmp_path / "hooks"
    shutil.copytree(CORPUS, src, ignore=shutil.ignore_patterns("output", "*.adoc"))
    # `cf deploy` from the directory (the README's "Try out"): the deploy phase's hook before the first start.
    res = cf("deploy", str(src), "-f")
    assert res.code == 0, res.text
    lines = res.out.splitlines()
    start = lines.index('Starting application "cf-app-with-hooks"...')
    assert lines[start - 2:start] == ['Executing hook "deploy-before-start"',
                                      'Executing task "deploy-before-start" on application "cf-app-with-hooks"...']
    # Then blue-green, as output/all-hooks-execution.txt shows it (the deployed colour stays; the new one runs).
    res = cf("bg-deploy", str(src), "-f", "--no-confirm")
    assert res.code == 0, res.text
    assert got_lines(res.out, new="green", old="blue") == got_lines(
        (CORPUS / "output" / "all-hooks-execution.txt").read_text(), new="blue", old="green")


def got_lines(text: str, *, new: str, old: str) -> list[str]:
    """The hook, task, start, stop and delete lines, with the colours named NEW and OLD."""
    keep = ("Executing ", "Stopping ", "Starting ", "Deleting application")
    return [line.replace(f"cf-app-with-hooks-{new}", "NEW").replace(f"cf-app-with-hooks-{old}", "OLD")
            for line in text.splitlines() if line.startswith(keep)]
