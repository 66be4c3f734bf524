"""Every command of the plugin through the real cf CLI against the simulator: deploy flavours and their
flags, the -i/-a actions, undeploy, and the read-only commands (mtas, mta, mta-ops, dmol).

One deployment is reused for several read-only assertions to keep the runtime down."""

from __future__ import annotations

import re
import shutil
import zipfile
from pathlib import Path

from e2e.conftest import SAMPLE_V1, SAMPLE_V2
from e2e.traffic import get, wait_answering

MTA = "bg.sample"
WEB = "web-space.apps.sim.test"
WEB_IDLE = "org-space-web-idle.apps.sim.test"
OP_ID = re.compile(r"Operation ID: (\S+)")
RESUME = re.compile(r'Use "cf (\S+) -i (\S+) -a resume" to resume the process')


def version_at(sim, host: str) -> tuple[int, str]:
    """(status, "module version") of what the router serves for host (the app name in the body is the
    one the instance started with, which a rename does not change)."""
    wait_answering(sim.router_url, [host], timeout_s=10)  # a first deploy does not wait for the routers
    status, body = get(sim.router_url, host)
    return status, " ".join(body.split()[:2])


def app_names(sim) -> set[str]:
    return {a["name"] for a in sim.state()["apps"]}


def op_id(out: str) -> str:
    match = OP_ID.search(out)
    assert match, out
    return match.group(1)


def paused(res, command: str) -> str:
    """The operation id of a deploy that stopped in the testing phase (exit 0, resume/abort hints)."""
    assert res.code == 0, res.text
    assert "Process needs additional user input" in res.out, res.out
    match = RESUME.search(res.out)
    assert match and match.group(1) == command, res.out
    assert f'Use "cf {command} -i {match.group(2)} -a abort" to abort the process' in res.out
    return match.group(2)


def finished(res) -> str:
    assert res.code == 0, res.text
    assert "Process finished." in res.out, res.out
    ident = op_id(res.out)
    assert f'Use "cf dmol -i {ident}" to download the logs of the process.' in res.out
    return ident


def unpack_to_directory(archive: Path, dest: Path) -> Path:
    """An MTA directory (mtad.yaml at the top, module content next to it) from a sample archive."""
    with zipfile.ZipFile(archive) as z:
        z.extractall(dest)
    shutil.move(dest / "META-INF" / "mtad.yaml", dest / "mtad.yaml")
    shutil.rmtree(dest / "META-INF")
    return dest


# -- deploy --strategy blue-green: idle/live names ------------------------------------------------------


def test_deploy_strategy_blue_green_keeps_original_app_names(sim, cf) -> None:
    # First deploy: nothing to switch from, the apps get their plain names at once.
    res = cf("deploy", str(SAMPLE_V1), "--strategy", "blue-green", "-f")
    finished(res)
    assert app_names(sim) == {"web", "api"}
    assert version_at(sim, WEB) == (200, "web 1.0.0")

    # Second: the live version is renamed X-live, the new one is created as X-idle on temporary routes.
    res = cf("deploy", str(SAMPLE_V2), "--strategy", "blue-green", "-f")
    op = paused(res, "deploy")
    assert 'Renaming application "web" to "web-live"...' in res.out
    assert 'Creating application "web-idle" from MTA module "web"...' in res.out
    assert app_names(sim) == {"web-live", "api-live", "web-idle", "api-idle"}
    assert version_at(sim, WEB) == (200, "web 1.0.0")
    assert version_at(sim, WEB_IDLE) == (200, "web 2.0.0")

    # Resume: the old X-live goes, X-idle takes the original name and the productive routes.
    res = cf("deploy", "-i", op, "-a", "resume")
    assert res.code == 0, res.text
    assert "Process finished." in res.out
    assert 'Deleting application "web-live"...' in res.out
    assert 'Renaming application "web-idle" to "web"...' in res.out
    assert app_names(sim) == {"web", "api"}
    assert version_at(sim, WEB) == (200, "web 2.0.0")
    assert get(sim.router_url, WEB_IDLE)[0] == 404

    # --skip-testing-phase: no pause; the switch happens in one run and names stay original.
    res = cf("deploy", str(SAMPLE_V1), "--strategy", "blue-green", "--skip-testing-phase", "--version-rule", "ALL")
    finished(res)
    assert "Process needs additional user input" not in res.out
    assert app_names(sim) == {"web", "api"}
    assert version_at(sim, WEB) == (200, "web 1.0.0")


# -- helpers for the flows below --------------------------------------------------------------------------


def stored_options(cf, op: str) -> dict:
    """The options the engine recorded for an operation (what the flags turned into)."""
    import json
    import sqlite3

    with sqlite3.connect(cf.state_dir / "state.db") as db:
        (raw,) = db.execute("SELECT options FROM operations WHERE id = ?", (op,)).fetchone()
    return json.loads(raw)


def app(sim, name: str) -> dict:
    return next(a for a in sim.state()["apps"] if a["name"] == name)


def table_row(out: str, first: str) -> list[str]:
    """The cells of the table row starting with first (cf tables: columns separated by 2+ spaces)."""
    for line in out.splitlines():
        cells = re.split(r"\s{2,}", line.strip())
        if cells and cells[0] == first:
            return cells
    raise AssertionError(f"no row {first!r} in:\n{out}")


EXT = """_schema-version: "3.1"
ID: bg.sample.flags
extends: bg.sample
modules:
  - name: web
    properties:
      GREETING: from-extension
"""


# -- bg-deploy: directory argument, -e, timeouts and pass-through flags, the read-only commands ------------


def test_bg_deploy_from_directory_with_flags_then_read_only_commands(sim, cf, tmp_path: Path) -> None:
    src = unpack_to_directory(SAMPLE_V1, tmp_path / "src")
    ext = tmp_path / "flags.mtaext"
    ext.write_text(EXT)
    res = cf("bg-deploy", str(src), "-e", str(ext), "-f", "-t", "600", "--apps-stage-timeout", "500",
             "--apps-upload-timeout", "400", "--apps-task-execution-timeout", "300", "--version-rule", "all",
             "--retries", "1", "--keep-files", "--no-restart-subscribed-apps", "--abort-on-error",
             "--delete-service-keys", "--no-confirm")
    first = finished(res)
    built = src / "bg.sample.mtar"
    assert built.is_file()  # the archive was built on the fly into the directory, like the official plugin
    assert res.out.startswith(f"Deploying multi-target app archive {built} in org org / space space as admin...\n")
    assert "Uploading 2 files..." in res.out or res.out.count("Uploading 1 files...") == 2  # archive + extension
    assert app_names(sim) == {"web-blue", "api-blue"}
    assert app(sim, "web-blue")["environment_variables"]["GREETING"] == "from-extension"
    assert stored_options(cf, first) == {
        "apps_start_timeout_s": 600, "apps_stage_timeout_s": 500, "apps_upload_timeout_s": 400,
        "apps_task_execution_timeout_s": 300, "version_rule": "ALL", "keep_files": True,
        "no_restart_subscribed_apps": True, "abort_on_error": True, "delete_service_keys": True,
        "no_confirm": True, "strategy": "blue-green"}

    # mtas, mta, mta-ops, dmol on this deployment.
    res = cf("mtas", check=True)
    assert res.out.startswith("Getting multi-target apps in org org / space space as admin...\nOK\n"), res.out
    assert table_row(res.out, MTA)[:2] == [MTA, "1.0.0"]

    res = cf("mta", MTA, check=True)
    assert res.out.startswith(f"Showing health and status for multi-target app {MTA} in org org / space space as "
                              "admin...\nOK\n"), res.out
    assert "Version: 1.0.0" in res.out
    web = table_row(res.out, "web-blue")
    assert web[1] == "started" and web[2] == "2/2" and "web-space.apps.sim.test" in web[-1], web
    assert table_row(res.out, "db")[1:3] == ["postgresql", "small"]
    assert table_row(res.out, "config")[1] == "user-provided"

    res = cf("mta-ops", check=True)  # only active operations by default
    assert "No multi-target app operations found" in res.out, res.out
    res = cf("mta-ops", "--last", "1", check=True)
    assert res.out.splitlines()[3].split() == ["id", "type", "mta", "id", "namespace", "status", "started", "at",
                                               "started", "by"], res.out
    row = table_row(res.out, first)
    assert row[1:4] == ["BLUE_GREEN_DEPLOY", MTA, "FINISHED"] and row[-1] == "admin", row

    logs = tmp_path / "logs"
    logs.mkdir()
    res = cf("dmol", "-i", first, "-d", str(logs), check=True)
    assert f"Saving logs to {logs / ('mta-op-' + first)}" in res.out, res.out
    main_log = (logs / f"mta-op-{first}" / "MAIN_LOG").read_text()
    assert 'Creating application "web-blue" from MTA module "web"...' in main_log
    res = cf("dmol", "-i", first, "-d", str(logs))
    assert res.code == 1 and "File or directory already exists" in res.out, res.text
    res = cf("download-mta-op-logs", "--mta", MTA, "--last", "1", "-d", str(tmp_path / "logs2"), check=True)
    assert (tmp_path / "logs2" / f"mta-op-{first}" / "MAIN_LOG").is_file(), res.out

    # A paused operation: listed as active, monitor re-attaches without repeating, a second deploy conflicts.
    res = cf("bg-deploy", str(SAMPLE_V2))
    op = paused(res, "bg-deploy")
    row = table_row(cf("mta-ops", check=True).out, op)
    assert "ACTION_REQUIRED" in row, row
    res = cf("bg-deploy", "-i", op, "-a", "monitor")
    assert res.code == 0, res.text
    assert res.out.startswith(f'Executing action "monitor" on operation {op}...\nOK\n'), res.out
    assert "Creating application" not in res.out and "Process needs additional user input" in res.out
    res = cf("bg-deploy", str(SAMPLE_V2))
    assert res.code == 1, res.text
    assert f'Use "cf bg-deploy -i {op} -a abort" to abort the conflicting operation' in res.out, res.out

    # -f aborts the paused operation first; --skip-idle-start starts the new version directly as live.
    res = cf("bg-deploy", str(SAMPLE_V2), "-f", "--skip-idle-start")
    second = finished(res)
    assert "Process needs additional user input" not in res.out
    assert "ABORTED" in table_row(cf("mta-ops", "--all", check=True).out, op)
    assert stored_options(cf, second)["skip_idle_start"] is True
    assert version_at(sim, WEB) == (200, "web 2.0.0")
    assert app_names(sim) == {"web-green", "api-green"}

    # undeploy asks first (answer no: cancelled, exit 1); with -f it does not ask.
    res = cf("undeploy", MTA, stdin="n\n")
    assert res.code == 1 and res.out == (f"Really undeploy multi-target app {MTA} in org org / space space? (y/n)> "
                                         "Undeploy cancelled\n"), res.text
    # undeploy with --delete-services and --delete-service-keys: apps, services and keys go.
    res = cf("undeploy", MTA, "--delete-services", "--delete-service-keys", "-f")
    assert res.code == 0, res.text
    assert res.out.startswith(f"Undeploying multi-target app {MTA} in org org / space space as admin...\n"), res.out
    assert "Process finished." in res.out
    state = sim.state()
    assert state["apps"] == [] and state["service_instances"] == []
    assert "No multi-target apps found" in cf("mtas", check=True).out


# -- deploy (default strategy): --namespace, --no-start, -m/-r, errors, --abort-on-error, retries ---------


def failed(res, command: str) -> str:
    assert res.code == 1, res.text
    assert "Process failed." in res.out, res.out
    ident = op_id(res.out)
    assert f'Use "cf {command} -i {ident} -a abort" to abort the process' in res.out
    assert f'Use "cf {command} -i {ident} -a retry" to retry the process' in res.out
    return ident


def test_deploy_namespace_no_start_partial_and_error_handling(sim, cf) -> None:
    ns = ["--namespace", "dev"]
    res = cf("deploy", str(SAMPLE_V1), *ns, "--no-start", "-f")
    finished(res)
    assert app_names(sim) == {"dev-web", "dev-api"}  # plain deploy: no colours; the namespace prefixes names
    assert {a["state"] for a in sim.state()["apps"]} == {"STOPPED"}
    assert 'Application "dev-web" will not be started (no-start)' in res.out
    assert table_row(cf("mtas", check=True).out, MTA)[:3] == [MTA, "1.0.0", "dev"]
    assert "Version: 1.0.0" in cf("mta", MTA, *ns, check=True).out
    assert cf("mta", MTA).code == 1  # without the namespace it is another MTA

    # -m/-r: only the api module and the db resource are deployed; web stays as it was.
    res = cf("deploy", str(SAMPLE_V2), *ns, "-m", "api", "-r", "db", "-f")
    finished(res)
    assert '"dev-web"' not in res.out and 'Updating application "dev-api"' in res.out, res.out
    assert app(sim, "dev-api")["environment_variables"]["MTA_VERSION"] == "2.0.0"
    assert app(sim, "dev-web")["environment_variables"]["MTA_VERSION"] == "1.0.0"
    assert app(sim, "dev-api")["state"] == "STARTED"

    # A content error (version rule) fails without automatic retries; -a abort ends it.
    res = cf("deploy", str(SAMPLE_V1), *ns, "--version-rule", "HIGHER")
    bad = failed(res, "deploy")
    assert "Proceeding with automatic retry" not in res.out
    res = cf("deploy", "-i", bad, "-a", "abort")
    assert res.code == 0 and res.out == f'Executing action "abort" on operation {bad}...\nOK\n', res.text

    # --abort-on-error: the failed operation is aborted at once.
    res = cf("deploy", str(SAMPLE_V1), *ns, "--version-rule", "HIGHER", "--abort-on-error")
    assert res.code == 1 and "Process was aborted." in res.out, res.text

    # An infrastructure error (Cloud Controller refuses to start apps): --retries 1 retries once by itself;
    # -a retry after the fault is gone.
    sim.faults(rules=[{"target": "api", "path": r"/v3/apps/[^/]+/actions/(start|restart)", "rate_503": 1.0}])
    res = cf("deploy", str(SAMPLE_V2), *ns, "--retries", "1")
    op = failed(res, "deploy")
    assert "Proceeding with automatic retry... (1 of 1 attempts left)" in res.out, res.out
    sim.faults()
    res = cf("deploy", "-i", op, "-a", "retry")
    assert res.code == 0 and "Process finished." in res.out, res.text
    assert res.out.startswith(f'Executing action "retry" on operation {op}...\nOK\n')
    assert "Operation ID:" not in res.out  # only what happened after the retry is shown
    assert app(sim, "dev-web")["environment_variables"]["MTA_VERSION"] == "2.0.0"

    # undeploy without --delete-services keeps the services.
    res = cf("undeploy", MTA, *ns, "-f")
    assert res.code == 0 and "Process finished." in res.out, res.text
    assert 'Skipping deletion of services, because the command line option "--delete-services" is not specified.' \
        in res.out
    state = sim.state()
    assert state["apps"] == [] and {s["name"] for s in state["service_instances"]} == {"dev-db", "dev-config"}
