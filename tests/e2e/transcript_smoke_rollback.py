"""Record smoke tests and a rollback as a user sees them, through the real cf CLI against the simulator.

    PYTHONPATH=tests .venv/bin/python -m e2e.transcript_smoke_rollback [OUT_DIR]   (default .work/transcripts)

smoke-tests.txt: v1, then v2 with a descriptor check (an extension descriptor) and a --smoke-test script that
fails, the fix, `-a retry` to the pause. rollback.txt: v2 with --backup-previous-version --no-confirm,
`cf mta`, `cf rollback-mta`, `cf mta`. Operation ids and times differ per run."""

from __future__ import annotations

import re
import sys
import tempfile
from pathlib import Path

from ccsim.launcher import SimHandle, start_simulator
from e2e.cfcli import ROOT, Cf

SAMPLE_V1 = ROOT / ".work" / "sample-v1.mtar"
SAMPLE_V2 = ROOT / ".work" / "sample-v2.mtar"
SMOKE_SH = """\
#!/bin/sh
# The new version answers on its temporary route, with its own version (ROUTER: where DNS would lead).
body=$(curl -fsS --connect-to "::$ROUTER" "$BG_IDLE_URL_WEB/") || exit 1
echo "$BG_IDLE_URL_WEB answered: $body"
case "$body" in *"$BG_MTA_VERSION"*) ;; *) echo "expected $BG_MTA_VERSION"; exit 1 ;; esac
test -f release-notes.md || { echo "release-notes.md is missing" >&2; exit 2; }
"""
CHECKS = """\
_schema-version: "3.1"
ID: bg.sample.checks
extends: bg.sample
modules:
  - name: web
    parameters:
      bg-smoke-tests:
        - path: /health
          expect-status: 200
          expect-body: "web 2.0.0"
          timeout: 5s
          retries: 3
"""


def run(cf: Cf, args: list[str], cwd: Path | None = None, stdin: str | None = None) -> str:
    res = cf(*args, cwd=cwd, stdin=stdin)
    shown = " ".join(Path(a).name if a.endswith((".mtar", ".mtaext")) else a for a in args)
    body = (res.out + res.err).replace(str(ROOT / ".work") + "/", "")
    if cwd is not None:
        body = body.replace(f"{cwd}/", "")
    return f"$ cf {shown}  (exit {res.code})\n{body.rstrip()}\n"


def client(tmp: Path, sim: SimHandle) -> Cf:
    cf = Cf(tmp / "cfhome", route_settle_s=1.5, router_url=sim.router_url,
            extra_env={"ROUTER": sim.router_url.split("://", 1)[1]})
    cf.login(sim.api_url)
    cf.install_plugin()
    return cf


def smoke(tmp: Path, sim: SimHandle) -> str:
    cf = client(tmp, sim)
    ci = tmp / "ci"
    ci.mkdir()
    (ci / "smoke.sh").write_text(SMOKE_SH)
    (ci / "smoke.sh").chmod(0o755)
    (ci / "checks.mtaext").write_text(CHECKS)
    try:
        out = [run(cf, ["bg-deploy", str(SAMPLE_V1), "-f"])]
        out.append(run(cf, ["bg-deploy", str(SAMPLE_V2), "-e", "checks.mtaext", "--smoke-test", "./smoke.sh"], ci))
        op = re.search(r"Operation ID: (\d+)", out[-1]).group(1)  # type: ignore[union-attr]
        (ci / "release-notes.md").write_text("v2\n")
        out.append("$ touch release-notes.md\n")
        out.append(run(cf, ["bg-deploy", "-i", op, "-a", "retry"]))
        return "\n".join(out)
    finally:
        cf.stop_engine()


def rollback(tmp: Path, sim: SimHandle) -> str:
    cf = client(tmp, sim)
    try:
        cf("bg-deploy", str(SAMPLE_V1), "-f", check=True)
        out = [run(cf, ["bg-deploy", str(SAMPLE_V2), "--backup-previous-version", "--no-confirm"])]
        out.append(run(cf, ["mta", "bg.sample"]))
        out.append(run(cf, ["rollback-mta", "bg.sample"], stdin="y\n"))
        out.append(run(cf, ["mta", "bg.sample"]))
        return "\n".join(out)
    finally:
        cf.stop_engine()


def main(out_dir: Path) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    for name, record in (("smoke-tests.txt", smoke), ("rollback.txt", rollback)):
        with tempfile.TemporaryDirectory() as tmp:
            sim = start_simulator(Path(tmp) / "sim", staging_s=0.5, start_s=0.2, route_propagation_s=0.5)
            try:
                (out_dir / name).write_text(record(Path(tmp), sim))
            finally:
                sim.stop()
        print(out_dir / name)


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / ".work" / "transcripts")
