"""Ctrl-C through the real cf CLI: the command detaches, the operation goes on in the engine, and
`-a monitor` re-attaches and shows only what happened since.

A terminal's Ctrl-C reaches the whole foreground process group (cf and the plugin it runs); `kill -INT`
of the cf process reaches only cf. The cf CLI has no signal handling and dies at once either way; the
plugin detaches in both cases (in the second because it notices that cf is gone)."""

from __future__ import annotations

import os
import signal
import subprocess
import time

from e2e.cfcli import CF
from e2e.conftest import SAMPLE_V1
from e2e.test_json import parse_stream
from e2e.traffic import wait_answering

WEB = "web-space.apps.sim.test"


def start_and_interrupt(cf, args: list[str], when: str, *, group: bool) -> tuple[list[str], str, float]:
    """Run cf with args, send SIGINT once a stdout line starts with `when`; return (lines before, rest, seconds
    from the signal until stdout closed)."""
    proc = subprocess.Popen([str(CF), *args], env=cf.env, cwd=cf.home, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        before = []
        assert proc.stdout is not None
        for line in proc.stdout:
            before.append(line)
            if line.startswith(when):
                break
        else:
            raise AssertionError("never saw " + when + ":\n" + "".join(before))
        sent = time.monotonic()
        if group:
            os.killpg(proc.pid, signal.SIGINT)  # what a terminal does
        else:
            os.kill(proc.pid, signal.SIGINT)  # only the cf process
        # Not communicate(): it reads the pipe directly and would lose lines already in stdout's buffer.
        proc.wait(timeout=20)
        took = time.monotonic() - sent
        return before, proc.stdout.read(), took
    finally:
        if proc.poll() is None:
            proc.kill()


def op_id(lines: list[str]) -> str:
    return next(line.split()[-1] for line in lines if line.startswith("Operation ID: "))


def test_ctrl_c_detaches_and_monitor_reattaches(sim, cf) -> None:
    sim.config(staging_s=1.0)
    before, rest, took = start_and_interrupt(cf, ["bg-deploy", str(SAMPLE_V1), "-f"], "Staging application",
                                             group=True)
    op = op_id(before)
    assert took < 5, took
    assert rest.endswith(f'\nUse "cf bg-deploy -i {op} -a monitor" to monitor the process\n'
                         f'Use "cf bg-deploy -i {op} -a abort" to abort the process\n'), rest
    assert "Process finished." not in rest

    # The engine went on without the CLI: the operation is still running right after the interrupt.
    ops = parse_stream(cf("mta-ops", "--json").out)[0]["data"]
    assert [o["state"] for o in ops if o["id"] == op] == ["RUNNING"], ops

    res = cf("bg-deploy", "-i", op, "-a", "monitor")
    assert res.code == 0, res.text
    assert res.out.startswith(f'Executing action "monitor" on operation {op}...\nOK\n'), res.out
    assert res.out.endswith(f'Process finished.\nUse "cf dmol -i {op}" to download the logs of the process.\n')
    shown_before = {line for line in before + rest.splitlines(keepends=True) if line.strip()}
    repeated = [line for line in res.out.splitlines(keepends=True)[2:] if line in shown_before]
    assert not repeated, repeated  # only what happened after the interrupt
    wait_answering(sim.router_url, [WEB])  # a first deploy does not wait for the routers


def test_sigint_to_cf_alone_also_detaches_json(sim, cf) -> None:
    sim.config(staging_s=1.0)
    before, rest, took = start_and_interrupt(cf, ["bg-deploy", str(SAMPLE_V1), "-f", "--json"], '{"event":"progress"',
                                             group=False)
    assert took < 5, took
    records = parse_stream("".join(before) + rest)
    summary = records[-1]
    op = summary["operation_id"]
    assert summary["outcome"] == "interrupted" and summary["exit_code"] == 130, summary
    assert summary["next_commands"] == {"monitor": f"cf bg-deploy -i {op} -a monitor",
                                        "abort": f"cf bg-deploy -i {op} -a abort"}

    res = cf("bg-deploy", "-i", op, "-a", "monitor", "--json")
    assert res.code == 0, res.text
    records = parse_stream(res.out)
    assert records[-1]["outcome"] == "finished"
    seen = {r["seq"] for r in parse_stream("".join(before) + rest) if r["event"] == "progress"}
    assert not seen & {r["seq"] for r in records if r["event"] == "progress"}
    assert {a["name"] for a in sim.state()["apps"]} == {"web-blue", "api-blue"}
