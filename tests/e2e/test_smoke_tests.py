"""Smoke tests on green's temporary routes, before the pause, through the real cf CLI with continuous traffic
on the productive routes: a failing --smoke-test script and a failing descriptor check each stop the operation
in ERROR naming what failed, productive traffic never sees green, and `-a retry` (after fixing the script's
condition, or after redeploying the module's content) passes; with --no-confirm passing tests lead to an
automatic switch with no failed request."""

from __future__ import annotations

import re
import sys
import time
from pathlib import Path

from e2e.conftest import SAMPLE_V1, SAMPLE_V2
from e2e.redeploy import redeploy
from e2e.traffic import Sample, Traffic, get

HOSTS = ["web-space.apps.sim.test", "org-space-api.apps.sim.test"]
WEB_IDLE = "org-space-web-idle.apps.sim.test"
SCRIPT = """\
import os, pathlib, sys, urllib.parse, urllib.request
url = os.environ["BG_IDLE_URL_WEB"]
print("checking", url, "of", os.environ["BG_MTA_ID"], os.environ["BG_MTA_VERSION"], "in", os.environ["BG_OPERATION_ID"])
host = urllib.parse.urlsplit(url).netloc
request = urllib.request.Request(os.environ["SIM_ROUTER"] + "/", headers={"Host": host})
print(urllib.request.urlopen(request, timeout=10).read().decode().strip())
if not pathlib.Path(__file__).with_name("fixed").exists():
    print("not fixed yet", file=sys.stderr)
    sys.exit(4)
"""
CHECKS = """\
_schema-version: "3.1"
ID: bg.sample.smoke
extends: bg.sample
modules:
  - name: web
    parameters:
      bg-smoke-tests:
        - path: /health
          expect-body: '{expect}'
          timeout: 2s
          retries: 1
"""
FIXED_APP = """\
import os, signal, sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        body = b'{"status":"UP"}' if self.path == "/health" else b"web fixed\\n"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass

server = ThreadingHTTPServer(("127.0.0.1", int(os.environ.get("PORT", "8080"))), Handler)
signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
server.serve_forever()
"""


def served_by(samples: list[Sample], start: float = 0, end: float = float("inf")) -> set[str]:
    return {s.body.split()[-1].rsplit("-", 1)[-1] for s in samples if start <= s.t <= end}


def operation_id(text: str) -> str:
    match = re.search(r"Operation ID: (\d+)", text)
    assert match, text
    return match.group(1)


def smoke_script(tmp_path: Path) -> tuple[Path, str]:
    work = tmp_path / "ci"
    work.mkdir()
    (work / "smoke.py").write_text(SCRIPT)
    return work, f"{sys.executable} -u smoke.py"


def extension(tmp_path: Path, expect: str) -> str:
    path = tmp_path / "smoke.mtaext"
    path.write_text(CHECKS.format(expect=expect))
    return str(path)


def test_a_failing_smoke_test_stops_before_the_pause_and_a_retry_elsewhere_runs_it_again(sim, cf, tmp_path) -> None:
    cf.env["SIM_ROUTER"] = sim.router_url
    work, command = smoke_script(tmp_path)
    assert cf("bg-deploy", str(SAMPLE_V1), "-f").code == 0
    with Traffic(sim.router_url, HOSTS, threads=4, target_rps=150) as traffic:
        res = cf("bg-deploy", str(SAMPLE_V2), "--smoke-test", command, cwd=work)
        assert res.code == 1, res.text
        op = operation_id(res.out)
        assert f'Running smoke test "{command}" (1 of 1)...\n' \
               f"    checking http://{WEB_IDLE} of bg.sample 2.0.0 in {op}\n" \
               "    web 2.0.0 web-green\n    not fixed yet\n" \
               f'Smoke test "{command}" failed with exit code 4 after' in res.out, res.out
        assert f'Smoke test failed: "{command}": exit code 4 after' in res.out
        assert "Proceeding with automatic retry" not in res.out  # a failed test is the content's fault
        assert f'Use "cf bg-deploy -i {op} -a retry" to retry the process' in res.out
        assert "Process needs additional user input" not in res.out
        assert get(sim.router_url, WEB_IDLE) == (200, "web 2.0.0 web-green")  # green stays for inspection

        (work / "fixed").touch()
        res = cf("bg-deploy", "-i", op, "-a", "retry")  # from the cf home, not the script's directory
        assert res.code == 0, res.text
        assert f'Smoke test "{command}" passed in' in res.out and "Smoke tests passed." in res.out
        assert "Process needs additional user input" in res.out
        assert cf("bg-deploy", "-i", op, "-a", "abort").code == 0
        time.sleep(0.5)
    assert not traffic.failures(), traffic.failures()[:3]
    assert served_by(traffic.snapshot()) == {"blue"}  # productive traffic never saw green
    assert get(sim.router_url, WEB_IDLE) == (200, "web 2.0.0 web-green")


def test_a_failing_descriptor_check_names_it_and_a_retry_after_fixing_the_app_passes(sim, cf, tmp_path) -> None:
    ext = extension(tmp_path, '"status":"UP"')
    assert cf("bg-deploy", str(SAMPLE_V1), "-e", ext, "-f").code == 0  # a first deploy has nothing to check
    with Traffic(sim.router_url, HOSTS, threads=4, target_rps=150) as traffic:
        res = cf("bg-deploy", str(SAMPLE_V2), "-e", ext)
        assert res.code == 1, res.text
        op = operation_id(res.out)
        check = f"GET http://{WEB_IDLE}/health answered 200 without '\"status\":\"UP\"'"
        assert f"Smoke check failed: {check}; trying again (1 tries left)" in res.out, res.out
        assert f'Smoke test failed: module "web": {check} (expected status 200 with \'"status":"UP"\', 2 tries)' \
               in res.out
        assert "Proceeding with automatic retry" not in res.out

        redeploy(sim, "web-green", {"server.py": FIXED_APP, "Procfile": "web: python3 server.py\n"})
        deadline = time.monotonic() + 30
        while get(sim.router_url, WEB_IDLE, "/health") != (200, '{"status":"UP"}'):
            assert time.monotonic() < deadline, get(sim.router_url, WEB_IDLE, "/health")
            time.sleep(0.1)
        res = cf("bg-deploy", "-i", op, "-a", "retry")
        assert res.code == 0, res.text
        assert f"Smoke check passed: GET http://{WEB_IDLE}/health answered 200" in res.out
        assert "Process needs additional user input" in res.out
        time.sleep(0.5)
        paused = time.time()
    assert not traffic.failures(), traffic.failures()[:3]
    assert served_by(traffic.snapshot(), end=paused) == {"blue"}


def test_passing_smoke_tests_with_no_confirm_switch_automatically_with_no_failed_request(sim, cf, tmp_path) -> None:
    cf.env["SIM_ROUTER"] = sim.router_url
    work, command = smoke_script(tmp_path)
    (work / "fixed").touch()
    ext = extension(tmp_path, "web 2.0.0")
    assert cf("bg-deploy", str(SAMPLE_V1), "-f").code == 0
    with Traffic(sim.router_url, HOSTS, threads=8, target_rps=300) as traffic:
        time.sleep(0.5)
        res = cf("bg-deploy", str(SAMPLE_V2), "-e", ext, "--no-confirm", "--smoke-test", command, cwd=work)
        assert res.code == 0, res.text
        done = time.time()
        time.sleep(1.0)
    out = res.out
    assert "Process finished." in out and "Process needs additional user input" not in out
    order = [out.index(text) for text in (f"Smoke check passed: GET http://{WEB_IDLE}/health answered 200",
                                          f'Smoke test "{command}" passed in', "Smoke tests passed.",
                                          'Mapping route "web-space.apps.sim.test" to application "web-green"')]
    assert order == sorted(order), out  # the switch only after every test passed
    failures = traffic.failures()
    assert not failures, f"{len(failures)} of {len(traffic.snapshot())} requests failed, first: {failures[:3]}"
    assert traffic.rate() >= 200
    assert served_by(traffic.snapshot(), start=done) == {"green"}
