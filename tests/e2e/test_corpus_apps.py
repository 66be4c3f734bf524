"""Corpus examples of app parameters (../shared/mta-examples), deployed through the real cf CLI as their
READMEs show, with the results they document asserted: cf-app-docker, keep-existing-env,
keep-existing-routes, cf-app-features. The operator's manual steps (`cf set-env`, `cf map-route`) are run
with the same cf CLI. The same parameters through blue-green are asserted too, under traffic for the
routes: a kept route never loses its destination. And `restart-on-env-change` on an update in place."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

from e2e.cfcli import ROOT
from e2e.traffic import Traffic, get, wait_answering

CORPUS = ROOT.parent / "shared" / "mta-examples"
DOMAIN = "apps.sim.test"


def example(tmp_path: Path, name: str) -> Path:
    """A writable copy of the example (deploying a directory writes <ID>.mtar into it)."""
    src = tmp_path / name
    shutil.copytree(CORPUS / name, src, ignore=shutil.ignore_patterns("*.adoc", "mta.yaml"))
    return src


def app_of(sim, name: str) -> dict:
    found = [a for a in sim.state()["apps"] if a["name"] == name]
    assert found, (name, [a["name"] for a in sim.state()["apps"]])
    return found[0]


def user_provided(cf, app: str) -> dict[str, str]:
    """`cf env APP`: its User-Provided section, as the README reads it."""
    out = cf("env", app, check=True).out
    if "User-Provided:" not in out:
        return {}
    section = out.split("User-Provided:", 1)[1].split("\n\n", 1)[0]
    return dict(line.split(": ", 1) for line in section.strip().splitlines())


def routes_of(cf, app: str) -> set[str]:
    """The `routes:` line of `cf app APP`."""
    line = next(x for x in cf("app", app, check=True).out.splitlines() if x.startswith("routes:"))
    return {r.strip() for r in line.split(":", 1)[1].split(",") if r.strip()}


def finished(res) -> None:  # type: ignore[no-untyped-def]
    assert res.code == 0 and "Process finished." in res.out, res.text


def test_cf_app_docker_as_the_readme_shows(sim, cf, tmp_path: Path) -> None:
    src = example(tmp_path, "cf-app-docker")
    res = cf("deploy", "./", "-f", cwd=src)
    finished(res)
    assert 'Creating app "my-mta-managed-app" from Docker image "cloudfoundry/test-app"...' in res.out
    assert 'Application "my-mta-managed-app" started and available at ' \
           f'"org-space-my-mta-managed-app.{DOMAIN}"' in res.out, res.out
    assert "has no content in the archive" not in res.out

    # cf mta: the app, started 1/1 on its route.
    out = cf("mta", "a.docker.cf.app", check=True).out
    assert "Version: 0.0.0" in out
    row = next(x for x in out.splitlines() if x.startswith("my-mta-managed-app "))
    assert re.split(r"\s{2,}", row)[1:3] == ["started", "1/1"] and f"org-space-my-mta-managed-app.{DOMAIN}" in row

    # cf app: the docker image, no stack.
    out = cf("app", "my-mta-managed-app", check=True).out
    assert re.search(r"^docker image:\s+cloudfoundry/test-app$", out, re.M), out
    assert app_of(sim, "my-mta-managed-app")["lifecycle"]["type"] == "docker"

    # curl the route: the container answers (the simulator stands in for the image) with the env it got.
    wait_answering(sim.router_url, [f"org-space-my-mta-managed-app.{DOMAIN}"])  # a first deploy does not wait
    status, body = get(sim.router_url, f"org-space-my-mta-managed-app.{DOMAIN}")
    assert status == 200, body
    answer = json.loads(body)
    assert answer["image"] == "cloudfoundry/test-app"
    assert answer["app"] == "my-mta-managed-app" and answer["env"]["MY_ENV_VAR"] == "value-of-my-env-var", answer

    # Clean up as the README says.
    res = cf("undeploy", "a.docker.cf.app", "-f", "--delete-services")
    finished(res)
    assert sim.state()["apps"] == []


def test_keep_existing_env_as_the_readme_shows(sim, cf, tmp_path: Path) -> None:
    src = example(tmp_path, "keep-existing-env")
    finished(cf("deploy", "./", "-f", cwd=src))
    for app in ("cf-app-keeping-env-changes", "cf-app-resetting-env"):
        assert user_provided(cf, app)["managed-env-variable"] == "original-env-var-val"
        cf("set-env", app, "new-env-variable", "new-env-var-val", check=True)
        cf("set-env", app, "managed-env-variable", "changed-env-var-val", check=True)
        assert user_provided(cf, app) == {"managed-env-variable": "changed-env-var-val",
                                          "new-env-variable": "new-env-var-val"}

    finished(cf("deploy", "-f", cwd=src))  # "Re-deploy to simulate update", from the directory

    assert user_provided(cf, "cf-app-keeping-env-changes") == {"managed-env-variable": "original-env-var-val",
                                                               "new-env-variable": "new-env-var-val"}
    assert user_provided(cf, "cf-app-resetting-env") == {"managed-env-variable": "original-env-var-val"}


def test_keep_existing_routes_as_the_readme_shows(sim, cf, tmp_path: Path) -> None:
    src = example(tmp_path, "keep-existing-routes")
    finished(cf("deploy", "./", "-f", cwd=src))
    apps = ("cf-app-unmapping-routes", "cf-app-keeping-complex-param", "cf-app-keeping-simple-param")
    for app in apps:
        # The README maps custom-host.apps.internal; the simulator's only domain is apps.sim.test.
        cf("map-route", app, DOMAIN, "--hostname", "custom-host", check=True)
        assert routes_of(cf, app) == {f"custom-host.{DOMAIN}", f"org-space-{app}.{DOMAIN}"}

    finished(cf("deploy", "-f", cwd=src))

    for app in ("cf-app-keeping-complex-param", "cf-app-keeping-simple-param"):
        assert routes_of(cf, app) == {f"custom-host.{DOMAIN}", f"org-space-{app}.{DOMAIN}"}
    assert routes_of(cf, "cf-app-unmapping-routes") == {f"org-space-cf-app-unmapping-routes.{DOMAIN}"}


def test_keep_existing_routes_and_env_through_blue_green_under_traffic(sim, cf, tmp_path: Path) -> None:
    src = example(tmp_path, "keep-existing-routes")
    finished(cf("bg-deploy", str(src), "-f"))
    tenant = f"tenant.{DOMAIN}"
    cf("map-route", "cf-app-keeping-simple-param-blue", DOMAIN, "--hostname", "tenant", check=True)
    cf("map-route", "cf-app-unmapping-routes-blue", DOMAIN, "--hostname", "other-tenant", check=True)
    cf("set-env", "cf-app-keeping-simple-param-blue", "TENANT", "t1", check=True)

    res = cf("bg-deploy", str(src), "-f", "--version-rule", "ALL")
    op = re.search(r"cf bg-deploy -i (\d+) -a resume", res.out)
    assert res.code == 0 and op, res.text
    assert tenant not in routes_of(cf, "cf-app-keeping-simple-param-green")  # productive: joins at the switch
    with Traffic(sim.router_url, [tenant], threads=4) as traffic:
        res = cf("bg-deploy", "-i", op.group(1), "-a", "resume")
    finished(res)
    assert f'Mapping route "{tenant}" to application "cf-app-keeping-simple-param-green"...' in res.out
    assert len(traffic.samples) > 20 and all(s.status == 200 for s in traffic.samples), traffic.failures()
    assert routes_of(cf, "cf-app-keeping-simple-param-green") == {
        tenant, f"org-space-cf-app-keeping-simple-param.{DOMAIN}"}
    assert routes_of(cf, "cf-app-unmapping-routes-green") == {f"org-space-cf-app-unmapping-routes.{DOMAIN}"}
    # keep-existing: {env: false} on the complex one; the simple one has no keep-existing env either.
    assert "TENANT" not in user_provided(cf, "cf-app-keeping-simple-param-green")


def test_cf_app_features_as_the_readme_shows(sim, cf, tmp_path: Path) -> None:
    src = example(tmp_path, "cf-app-features")
    finished(cf("deploy", "./", "-f", cwd=src))
    guid = cf("app", "my-featured-app-module", "--guid", check=True).out.strip()
    features = json.loads(cf("curl", f"v3/apps/{guid}/features", check=True).out)["resources"]
    enabled = {f["name"]: f["enabled"] for f in features}
    assert enabled["ssh"] is True and enabled["file-based-vcap-services"] is True
    assert enabled["service-binding-k8s"] is False  # not named in the descriptor: left as it was


def test_keep_existing_env_through_blue_green(sim, cf, tmp_path: Path) -> None:
    src = example(tmp_path, "keep-existing-env")
    finished(cf("bg-deploy", str(src), "-f"))
    for app in ("cf-app-keeping-env-changes-blue", "cf-app-resetting-env-blue"):
        cf("set-env", app, "new-env-variable", "new-env-var-val", check=True)
        cf("set-env", app, "managed-env-variable", "changed-env-var-val", check=True)
    finished(cf("bg-deploy", str(src), "-f", "--version-rule", "ALL", "--no-confirm"))
    # The new colour starts from the live app's environment; the descriptor's values win.
    assert user_provided(cf, "cf-app-keeping-env-changes-green") == {
        "managed-env-variable": "original-env-var-val", "new-env-variable": "new-env-var-val"}
    assert user_provided(cf, "cf-app-resetting-env-green") == {"managed-env-variable": "original-env-var-val"}


RESTART_MTA = """\
_schema-version: "3.3"
ID: restart.demo
version: 1.0.0
modules:
  - name: quiet
    type: python
    path: app
    parameters:
      command: python3 server.py
      restart-on-env-change: {user-provided: false}
    properties:
      SETTING: "@SETTING@"
  - name: eager
    type: python
    path: app
    parameters:
      command: python3 server.py
    properties:
      SETTING: "@SETTING@"
"""


def test_restart_on_env_change_decides_which_updated_app_restarts(sim, cf, tmp_path: Path) -> None:
    src = tmp_path / "restart"
    (src / "app").mkdir(parents=True)
    shutil.copy(ROOT / "tests" / "sample" / "app_server.py", src / "app" / "server.py")
    (src / "app" / "Procfile").write_text("web: python3 server.py\n")
    (src / "mtad.yaml").write_text(RESTART_MTA.replace("@SETTING@", "one"))
    finished(cf("deploy", str(src), "-f"))
    (src / "mtad.yaml").write_text(RESTART_MTA.replace("@SETTING@", "two"))
    before = len(sim.requests())
    res = cf("deploy", str(src), "-f", "--version-rule", "ALL")
    finished(res)
    assert 'Restarting application "eager"...' in res.out and 'Restarting application "quiet"' not in res.out, res.out
    guids = {a["name"]: a["guid"] for a in sim.state()["apps"]}
    restarted = {r["path"].split("/")[3] for r in sim.requests()[before:]
                 if r["method"] == "POST" and r["path"].endswith("/actions/restart")}
    assert restarted == {guids["eager"]}
    assert app_of(sim, "quiet")["environment_variables"]["SETTING"] == "two"  # set; it takes effect on a restart
