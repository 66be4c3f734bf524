"""The user's token: refreshed through the attached cf CLI during long operations; an operation that
runs on after the CLI detached stops in ERROR once its token expires, and `-a retry` continues it."""

from __future__ import annotations

import json
import re
import time

from e2e.conftest import SAMPLE_V1, SAMPLE_V2
from e2e.traffic import get


def test_token_is_refreshed_through_the_cli_and_expires_without_it(sim, cf) -> None:
    # Tokens that live 62 s are always inside the 60 s refresh margin: every CC call needs a fresh one.
    sim.config(token_lifetime_s=62)
    cf("auth", "admin", "admin-password", check=True)
    cf("target", "-o", "org", "-s", "space", check=True)
    issued = sim.state()["tokens_issued"]
    res = cf("bg-deploy", str(SAMPLE_V1))
    assert res.code == 0, res.text
    assert sim.state()["tokens_issued"] > issued  # the engine asked, the shim got cf to refresh

    sim.config(staging_s=3.0)
    before = len(sim.requests())
    proc = cf.popen("bg-deploy", str(SAMPLE_V2))
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not any(
        r["method"] == "POST" and r["path"] == "/v3/builds" for r in sim.requests()[before:]
    ):
        time.sleep(0.1)
    cf.interrupt(proc)  # Ctrl-C: the CLI detaches, the operation runs on
    out, _ = proc.communicate(timeout=30)
    op = re.search(r"Operation ID: (\d+)", out)
    assert op, out
    assert "-a monitor" in out, out

    deadline = time.monotonic() + 60
    ops = ""
    while time.monotonic() < deadline:
        ops = cf("mta-ops", "--all").out
        if re.search(rf"{op.group(1)}\s.*ERROR", ops):
            break
        time.sleep(0.5)
    assert re.search(rf"{op.group(1)}\s.*ERROR", ops), ops
    log = cf("dmol", "-i", op.group(1), "-d", str(cf.home / "logs"))
    assert log.code == 0, log.text
    text = "".join(p.read_text() for p in (cf.home / "logs").rglob("*") if p.is_file())
    assert "access token expired" in text and "-a retry" in text, text

    sim.config(staging_s=0.2)
    res = cf("bg-deploy", "-i", op.group(1), "-a", "retry")
    assert res.code == 0, res.text
    assert "Process needs additional user input" in res.out
    assert get(sim.router_url, "web-space.apps.sim.test") == (200, "web 1.0.0 web-blue")


def test_a_malformed_token_fails_in_one_line_without_being_echoed(sim, cf) -> None:
    """CR/LF or leading white space in the cf CLI's token: one line, non-zero, the token never shown, and
    nothing sent to Cloud Controller (the engine refuses such a header too: tests/unit/cc/test_session.py)."""
    config = cf.home / ".cf" / "config.json"
    settings = json.loads(config.read_text())
    token = settings["AccessToken"]
    secret = token.split(".")[1][:24]
    before = len(sim.requests())
    for bad in (" " + token, token.replace("bearer ", "bearer \r\nX-Evil: 1\r\n")):
        settings["AccessToken"] = bad
        config.write_text(json.dumps(settings))
        res = cf("bg-deploy", str(SAMPLE_V1))
        assert res.code != 0 and "FAILED" in res.out
        assert secret not in res.text and "X-Evil" not in res.text and "Traceback" not in res.text
    assert not [r for r in sim.requests()[before:] if r["method"] != "GET"]
