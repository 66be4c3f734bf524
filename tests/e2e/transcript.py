"""Record what a user sees: a full blue-green deploy (v1, v2 with the pause, resume) through the real cf CLI
against the simulator, once on a terminal (a pseudo-terminal, so the upload progress bar shows) and once
with --json.

    PYTHONPATH=tests .venv/bin/python -m e2e.transcript [OUT_DIR]   (default .work/transcripts)

Writes bg-deploy-terminal.txt and bg-deploy-json.txt. Operation ids and timestamps differ per run."""

from __future__ import annotations

import os
import pty
import re
import subprocess
import sys
import tempfile
from pathlib import Path

from ccsim.launcher import start_simulator
from e2e.cfcli import CF, ROOT, Cf

SAMPLE_V1 = ROOT / ".work" / "sample-v1.mtar"
SAMPLE_V2 = ROOT / ".work" / "sample-v2.mtar"
RESUME = re.compile(r'-i (\S+) -a resume')


def on_terminal(cf: Cf, args: list[str]) -> str:
    """Run cf with stdout and stdin on a pseudo-terminal; return the screen text (carriage-return redraws
    of the progress bar collapsed to their last state)."""
    leader, follower = pty.openpty()
    proc = subprocess.Popen([str(CF), *args], env={**cf.env, "TERM": "xterm"}, cwd=cf.home, stdin=follower,
                            stdout=follower, stderr=follower, close_fds=True)
    os.close(follower)
    chunks = []
    while True:
        try:
            data = os.read(leader, 65536)
        except OSError:
            break
        if not data:
            break
        chunks.append(data)
    proc.wait()
    os.close(leader)
    text = b"".join(chunks).decode("utf-8", "replace").replace("\r\n", "\n")
    lines = [line.split("\r")[-1] if "\r" in line else line for line in text.split("\n")]
    return "\n".join(lines)


def session(out_dir: Path, json_mode: bool) -> str:
    with tempfile.TemporaryDirectory() as tmp:
        sim = start_simulator(Path(tmp) / "sim", staging_s=0.5, start_s=0.2, route_propagation_s=0.5)
        cf = Cf(Path(tmp) / "cfhome", route_settle_s=1.5)
        try:
            cf.login(sim.api_url)
            cf.install_plugin()
            extra = ["--json"] if json_mode else []
            transcript = []
            steps = [["bg-deploy", str(SAMPLE_V1), *extra], ["bg-deploy", str(SAMPLE_V2), *extra]]
            for args in steps:
                transcript.append(run(cf, args, json_mode))
            op = RESUME.search(transcript[-1]).group(1)  # type: ignore[union-attr]
            transcript.append(run(cf, ["bg-deploy", "-i", op, "-a", "resume", *extra], json_mode))
            transcript.append(run(cf, ["mtas", *extra], json_mode))
            return "\n".join(transcript)
        finally:
            cf.stop_engine()
            sim.stop()


def run(cf: Cf, args: list[str], json_mode: bool) -> str:
    shown = " ".join(Path(a).name if a.endswith(".mtar") else a for a in args)
    if json_mode:
        res = cf(*args)
        body, code = res.out + res.err, res.code
    else:
        body, code = on_terminal(cf, args), None
    body = body.replace(str(ROOT / ".work") + "/", "")
    status = f"  (exit {code})" if code is not None else ""
    return f"$ cf {shown}{status}\n{body.rstrip()}\n"


def main() -> None:
    out_dir = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / ".work" / "transcripts"
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "bg-deploy-terminal.txt").write_text(session(out_dir, json_mode=False))
    (out_dir / "bg-deploy-json.txt").write_text(session(out_dir, json_mode=True))
    print(f"wrote {out_dir}/bg-deploy-terminal.txt and {out_dir}/bg-deploy-json.txt")


if __name__ == "__main__":
    main()
