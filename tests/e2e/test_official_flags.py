"""Flags of the official plugin this one used to reject or ignore, through the real cf CLI: the namespace
flags (with the corpus's namespace examples as their README shows them), secure parameters from the
environment (a docker registry password), an MTA from a URL on standard input (the corpus's
deploy-with-url, served by a local HTTP server), and the flags accepted without effect, each warned
about in one line (docs/official-parity.md lists them all)."""

from __future__ import annotations

import functools
import http.server
import json
import re
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from e2e.cfcli import ROOT
from e2e.conftest import SAMPLE_V1, SAMPLE_V2
from e2e.traffic import wait_answering

CORPUS = ROOT.parent / "shared" / "mta-examples"
DOMAIN = "apps.sim.test"


def copy_example(tmp_path: Path, rel: str) -> Path:
    src = tmp_path / rel.replace("/", "-")
    shutil.copytree(CORPUS / rel, src, ignore=shutil.ignore_patterns("*.adoc", "mta.yaml"))
    return src


def finished(res) -> None:  # type: ignore[no-untyped-def]
    assert res.code == 0 and "Process finished." in res.out, res.text


def names(sim) -> dict[str, set[str]]:  # type: ignore[no-untyped-def]
    state = sim.state()
    return {"apps": {a["name"] for a in state["apps"]},
            "services": {s["name"] for s in state["service_instances"]},
            "routes": {f"{r['host']}.{r['domain']}{r['path']}" for r in state["routes"] if r["destinations"]}}


# -- --apply-namespace-*: the corpus's namespace examples ------------------------------------------------


def test_namespace_two_modules_as_the_readme_shows(sim, cf, tmp_path: Path) -> None:
    src = copy_example(tmp_path, "namespace/two-modules")
    # Its routes are on ${space}.${default-domain}: a domain the org owns.
    cf("create-private-domain", "org", f"space.{DOMAIN}", check=True)
    finished(cf("deploy", str(src), "-f"))  # builds hello.mtar into the directory, as the official plugin does
    finished(cf("deploy", str(src / "hello.mtar"), "--namespace", "foo", "-f"))

    assert {"hello-backend", "hello-router", "foo-hello-backend", "foo-hello-router"} <= names(sim)["apps"]
    mtas = cf("mtas", check=True).out
    assert re.search(r"^hello\s+1\.0\.0\s*$", mtas, re.M) and re.search(r"^hello\s+1\.0\.0\s+foo$", mtas, re.M), mtas
    assert "Version: 1.0.0" in cf("mta", "hello", "--namespace", "foo", check=True).out
    env = {a["name"]: a["environment_variables"] for a in sim.state()["apps"]}
    assert env["hello-backend"]["message"] == "Hello, from hello-backend!"
    assert env["foo-hello-backend"]["message"] == "Hello, from foo-hello-backend!"
    assert env["foo-hello-router"]["backend"] == f"https://foo-hello-backend.space.{DOMAIN}/content"
    wait_answering(sim.router_url, [f"foo-hello-router.space.{DOMAIN}"])  # a first deploy does not wait for the routers


def test_namespace_global_parameters_and_the_flags_that_override_them(sim, cf, tmp_path: Path) -> None:
    src = copy_example(tmp_path, "namespace/global-parameters")
    ns = ["--namespace", "foo", "-f"]

    finished(cf("deploy", str(src), *ns))
    got = names(sim)
    assert got["apps"] == {"hello-backend", "foo-hello-router"}  # the module's own apply-namespace: false wins
    assert got["services"] == {"foo-my-cf-service"}
    assert f"route-without-namespace.{DOMAIN}" in got["routes"]
    finished(cf("undeploy", "hello", "--namespace", "foo", "--delete-services", "-f"))

    # The command-line flags win over every descriptor setting.
    on = ["--apply-namespace-app-names", "true", "--apply-namespace-service-names", "true",
          "--apply-namespace-app-routes", "true"]
    finished(cf("deploy", str(src / "hello.mtar"), *ns, *on))
    got = names(sim)
    assert got["apps"] == {"foo-hello-backend", "foo-hello-router"} and got["services"] == {"foo-my-cf-service"}
    assert f"foo-route-without-namespace.{DOMAIN}" in got["routes"]
    finished(cf("undeploy", "hello", "--namespace", "foo", "--delete-services", "-f"))

    off = [v.replace("true", "false") for v in on]
    finished(cf("deploy", str(src / "hello.mtar"), *ns, *off))
    got = names(sim)
    assert got["apps"] == {"hello-backend", "hello-router"} and got["services"] == {"my-cf-service"}
    assert f"route-without-namespace.{DOMAIN}" in got["routes"]


def test_namespace_as_suffix_from_the_flag_and_from_the_descriptor(sim, cf, tmp_path: Path) -> None:
    flag = copy_example(tmp_path, "namespace/module-with-apply-as-suffix-flag")
    # The README's command; the module's own `apply-namespace: false` still keeps the name (the deploy
    # service resolves the switches one by one: --apply-namespace-as-suffix says where, not whether).
    finished(cf("deploy", str(flag), "--namespace", "foo", "--apply-namespace-as-suffix", "true", "-f"))
    assert names(sim)["apps"] == {"hello-backend"}
    finished(cf("undeploy", "hello", "--namespace", "foo", "-f"))
    finished(cf("deploy", str(flag / "hello.mtar"), "--namespace", "foo", "--apply-namespace-as-suffix", "true",
                "--apply-namespace-app-names", "true", "-f"))
    assert names(sim)["apps"] == {"hello-backend-foo"}
    finished(cf("undeploy", "hello", "--namespace", "foo", "-f"))

    descriptor = copy_example(tmp_path, "namespace/module-with-apply-as-suffix-global-parameter")
    finished(cf("deploy", str(descriptor), "--namespace", "foo", "--apply-namespace-app-names", "true", "-f"))
    assert names(sim)["apps"] == {"hello-backend-foo"}


def test_namespace_route_flag_and_the_service_type_the_platform_lacks(sim, cf, tmp_path: Path) -> None:
    # The README deploys hello.mtar, whose descriptor puts both routes on ${default-domain}.
    res = cf("deploy", str(CORPUS / "namespace/module-with-apply-flag-to-route/hello.mtar"), "--namespace", "foo",
             "-f")
    finished(res)
    assert names(sim)["apps"] == {"foo-hello-backend"}
    assert names(sim)["routes"] == {f"foo-hello-backend.{DOMAIN}", f"route-without-namespace.{DOMAIN}"}
    # `type: auditlog` is an SAP resource type: not in the platform's resource types, refused in one line.
    res = cf("deploy", str(CORPUS / "namespace/module-and-service-with-apply-flag/hello.mtar"), "--namespace", "bar",
             "-f")
    assert res.code == 1 and 'unsupported resource type "auditlog"' in res.out, res.text


# -- --require-secure-parameters: a docker registry password from the environment --------------------------

DOCKER_MTA = """\
_schema-version: "3.3"
ID: private.image
version: 1.0.0
modules:
  - name: shop
    type: application
    parameters:
      docker:
        image: registry.example.com/shop:1
        username: robot
        password: ${registry-password}
      routes:
        - route: shop-${space}.${default-domain}
"""


def test_a_docker_password_from_the_environment_or_an_extension(sim, cf, tmp_path: Path) -> None:
    src = tmp_path / "private"
    src.mkdir()
    (src / "mtad.yaml").write_text(DOCKER_MTA)

    res = cf("deploy", str(src), "-f")  # no password anywhere: refused before anything changes
    assert res.code == 1, res.text
    assert 'modules[0].parameters.docker: cannot resolve "${registry-password}"' in res.out, res.out
    assert sim.state()["apps"] == []

    res = cf("deploy", str(src), "-f", "--require-secure-parameters")
    assert res.code == 1 and "No secure parameters found in environment. Set variables like __MTA___<name>, " \
                             "__MTA_JSON___<name>, or __MTA_CERT___<name>." in res.out, res.text

    cf.env["__MTA___registry-password"] = "s3cret-from-env"
    res = cf("deploy", str(src), "-f", "--require-secure-parameters")
    finished(res)
    assert "Secure parameters from the environment: registry-password" in res.out
    assert "s3cret-from-env" not in res.text
    guid = cf("app", "shop", "--guid", check=True).out.strip()
    [package] = json.loads(cf("curl", f"/v3/apps/{guid}/packages", check=True).out)["resources"]
    assert package["type"] == "docker" and package["data"] == {
        "image": "registry.example.com/shop:1", "username": "robot", "password": "***"}  # CC never echoes it
    wait_answering(sim.router_url, [f"shop-space.{DOMAIN}"])  # a first deploy does not wait for the routers
    del cf.env["__MTA___registry-password"]

    # Or from an extension descriptor, as in the official service.
    ext = tmp_path / "registry.mtaext"
    ext.write_text('_schema-version: "3.3"\nID: private.image.prod\nextends: private.image\n'
                   "parameters:\n  registry-password: s3cret-from-extension\n")
    finished(cf("deploy", str(src), "-e", str(ext), "-f", "--version-rule", "ALL"))


# -- an MTA archive from a URL on standard input ---------------------------------------------------------


@pytest.fixture
def web_server(tmp_path: Path) -> Iterator[str]:
    """A local HTTP server serving the corpus's deploy-with-url directory."""
    root = tmp_path / "www"
    shutil.copytree(CORPUS / "deploy-with-url", root)
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_deploy_with_url_as_the_readme_shows(sim, cf, web_server: str) -> None:
    res = cf("deploy", stdin=f"{web_server}/anatz.zip?raw=true\n")
    finished(res)
    assert res.out.startswith("Deploying multi-target app archive from url in org org / space space as admin...\n")

    out = cf("mta", "anatz", check=True).out
    assert "Version: 4.0.0" in out
    row = re.split(r"\s{2,}", next(x for x in out.splitlines() if x.startswith("anatz ")).strip())
    assert row[1:4] == ["started", "1/1", "64M"] and row[-1] == f"org-space-anatz.{DOMAIN}", row
    wait_answering(sim.router_url, [f"org-space-anatz.{DOMAIN}"])  # a first deploy does not wait for the routers

    # bg-deploy takes a URL too; one that is not served fails in one line and changes nothing.
    res = cf("bg-deploy", "-f", stdin=f"{web_server}/missing.mtar\n")
    assert res.code == 1 and res.out.endswith("FAILED\nCould not upload from url: 404 File not found\n"), res.text


# -- flags accepted without effect: one warning line each -------------------------------------------------

WARNED = {
    "--no-restart-subscribed-apps": "--no-restart-subscribed-apps changes nothing: this engine has no cross-MTA",
    "--delete-service-brokers": "--delete-service-brokers changes nothing: this engine registers no service brokers",
    "--do-not-fail-on-missing-permissions": "--do-not-fail-on-missing-permissions changes nothing: this engine runs "
                                            "no admin operations",
    "--skip-ownership-validation": "--skip-ownership-validation changes nothing: this engine does not validate",
    "--disposable-user-provided-service": "--disposable-user-provided-service changes nothing: secure parameters are "
                                          "kept by the deploy engine",
}


def warnings(out: str) -> list[str]:
    return [line for line in out.splitlines() if line.startswith("Warning: ")]


def test_flags_without_effect_are_accepted_and_warned_about_in_one_line(sim, cf) -> None:
    res = cf("bg-deploy", str(SAMPLE_V1), "-f", *WARNED)
    finished(res)
    lines = res.out.splitlines()
    assert lines[0].startswith("Deploying multi-target app archive ") and lines[1] == ""
    assert [w.split(": ", 1)[1] for w in lines[2:2 + len(WARNED)]] == [
        line.split(": ", 1)[1] for line in warnings(res.out)]  # right after the first line, before anything runs
    for flag, text in WARNED.items():
        assert sum(1 for w in warnings(res.out) if w.startswith(f"Warning: {text}")) == 1, (flag, res.out)

    # --skip-testing-phase on bg-deploy: warned, and the testing phase stays, as in the official plugin.
    res = cf("bg-deploy", str(SAMPLE_V2), "-f", "--skip-testing-phase")
    assert res.code == 0, res.text
    assert warnings(res.out) == ["Warning: --skip-testing-phase changes nothing on bg-deploy (as in the official "
                                 "plugin): use --no-confirm to skip the testing phase"]
    op = re.search(r"cf bg-deploy -i (\d+) -a resume", res.out)
    assert op, res.out
    finished(cf("bg-deploy", "-i", op.group(1), "-a", "resume"))

    res = cf("undeploy", "bg.sample", "-f", "--delete-service-brokers", "--do-not-fail-on-missing-permissions",
             "--no-restart-subscribed-apps")
    finished(res)
    assert len(warnings(res.out)) == 3 and res.out.startswith("Undeploying multi-target app bg.sample"), res.out
    # Given as false, a flag says nothing.
    res = cf("bg-deploy", str(SAMPLE_V1), "-f", "--no-restart-subscribed-apps=false")
    finished(res)
    assert warnings(res.out) == []


def test_keep_files_keeps_the_uploads_after_the_operation(sim, cf) -> None:
    """Without --keep-files the engine deletes an operation's uploads when it ends; with it they stay."""
    files = cf.state_dir / "files"
    finished(cf("deploy", str(SAMPLE_V1)))
    assert not [p for p in files.iterdir() if not p.name.startswith(".")]
    finished(cf("deploy", str(SAMPLE_V2), "--keep-files"))
    assert len([p for p in files.iterdir() if not p.name.startswith(".")]) == 1
