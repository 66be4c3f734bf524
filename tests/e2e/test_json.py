"""The --json stream through the real cf CLI: every stdout line parses as one JSON object, records are
well-formed, progress sequence numbers increase without gaps, and the last line is always the summary
(outcome, exit code, next commands) that CI scripts read."""

from __future__ import annotations

import json
import re
from datetime import datetime

from e2e.conftest import SAMPLE_V1, SAMPLE_V2

# RFC 3339 in UTC; Python parses at most 6 fractional digits, Go prints up to 9 (trailing zeros dropped).
RFC3339_UTC = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(\.\d{1,6})?\d*Z$")
EVENTS = {"upload", "operation", "progress", "action", "retry", "state", "summary"}
LEVELS = {"info", "warn", "error"}
STATES = {"RUNNING", "ACTION_REQUIRED", "ERROR", "ABORTED", "FINISHED"}
OUTCOMES = {"finished", "action_required", "failed", "aborted", "usage_error", "error", "interrupted", "ok"}
SUMMARY_KEYS = {"event", "command", "operation_id", "mta_id", "state", "error_type", "outcome", "exit_code",
                "message", "next_commands", "data"}
RECORD_KEYS = {"event", "operation_id", "seq", "timestamp", "level", "phase", "app", "route", "module", "state",
               "file", "reused", "action", "message"}


def parse_stream(out: str) -> list[dict]:
    """Validate a --json stdout and return its records."""
    assert out.endswith("\n"), out
    records = []
    for n, line in enumerate(out.splitlines(), 1):
        record = json.loads(line)  # every line is JSON, nothing else is on stdout
        assert isinstance(record, dict) and record.get("event") in EVENTS, (n, line)
        records.append(record)
    summary = records[-1]
    assert summary["event"] == "summary" and [r["event"] for r in records].count("summary") == 1, out
    assert set(summary) <= SUMMARY_KEYS and summary["outcome"] in OUTCOMES
    assert isinstance(summary["exit_code"], int) and isinstance(summary["command"], str)
    last_seq = {}
    for record in records[:-1]:
        assert set(record) <= RECORD_KEYS, record
        assert RFC3339_UTC.match(record["timestamp"]), record
        datetime.fromisoformat(RFC3339_UTC.sub(r"\1\2+00:00", record["timestamp"]))
        if "state" in record:
            assert record["state"] in STATES, record
        if record["event"] == "progress":
            assert record["level"] in LEVELS and record["message"], record
            op, seq = record["operation_id"], record["seq"]
            assert seq == last_seq.get(op, seq - 1) + 1, (last_seq, record)  # increasing, no gaps in one run
            last_seq[op] = seq
    return records


def progress(records: list[dict]) -> list[str]:
    return [r["message"] for r in records if r["event"] == "progress"]


def test_json_stream_of_a_blue_green_deploy(sim, cf) -> None:
    res = cf("bg-deploy", str(SAMPLE_V1), "-f", "--json")
    assert res.code == 0 and res.err == "", res.text
    records = parse_stream(res.out)
    assert [r["event"] for r in records[:2]] == ["upload", "operation"]
    assert records[0]["file"] == "sample-v1.mtar" and records[0]["reused"] is False
    op = records[1]["operation_id"]
    assert records[1]["state"] == "RUNNING" and records[1]["message"] == "BLUE_GREEN_DEPLOY started"
    first_progress = next(r for r in records if r["event"] == "progress")
    assert first_progress["seq"] == 1 and first_progress["message"] == f"Operation ID: {op}"
    created = next(r for r in records if r.get("message", "").startswith('Creating application "web-blue"'))
    assert created["app"] == "web-blue" and created["module"] == "web"
    mapped = next(r for r in records if r.get("message", "").startswith("Mapping route"))
    assert mapped["route"] and mapped["app"]
    assert records[-2] == {**records[-2], "event": "state", "operation_id": op, "state": "FINISHED"}
    assert records[-1] == {"event": "summary", "command": "bg-deploy", "operation_id": op, "mta_id": "bg.sample",
                           "state": "FINISHED", "outcome": "finished", "exit_code": 0,
                           "next_commands": {"logs": f"cf dmol -i {op}"}}

    # The human output of the same kind of run carries the same progress lines (JSON adds structure only).
    res = cf("bg-deploy", str(SAMPLE_V2), "-f", "--json")
    assert res.code == 0, res.text
    records = parse_stream(res.out)
    assert records[0]["reused"] is False
    op = records[1]["operation_id"]
    assert "Process has entered validation phase. After testing your new deployment you can resume or abort " \
           "the process." in progress(records)
    summary = records[-1]
    assert summary["outcome"] == "action_required" and summary["exit_code"] == 0
    assert summary["next_commands"] == {"resume": f"cf bg-deploy -i {op} -a resume",
                                        "abort": f"cf bg-deploy -i {op} -a abort"}

    # Monitoring a paused operation shows no old progress, only the action and the state.
    res = cf("bg-deploy", "-i", op, "-a", "monitor", "--json")
    records = parse_stream(res.out)
    assert [r["event"] for r in records] == ["action", "state", "summary"], records
    assert records[0]["action"] == "monitor" and records[-1]["outcome"] == "action_required"

    # Resume: the action record, then only the new progress (sequence numbers continue), then the summary.
    res = cf("bg-deploy", "-i", op, "-a", "resume", "--json")
    assert res.code == 0, res.text
    records = parse_stream(res.out)
    assert records[0]["event"] == "action" and records[0]["action"] == "resume" and records[0]["state"] == "RUNNING"
    seqs = [r["seq"] for r in records if r["event"] == "progress"]
    assert seqs[0] > 28 and 'Deleting application "web-blue"...' in progress(records)
    assert "Operation ID: " + op not in progress(records)
    assert records[-1]["outcome"] == "finished" and records[-1]["state"] == "FINISHED"

    # List commands: one summary with the records as data.
    res = cf("mtas", "--json")
    records = parse_stream(res.out)
    assert records == [{"event": "summary", "command": "mtas", "outcome": "ok", "exit_code": 0,
                        "data": [{"id": "bg.sample", "version": "2.0.0"}]}]
    res = cf("mta", "bg.sample", "--json")
    data = parse_stream(res.out)[0]["data"]
    assert {a["name"] for a in data["apps"]} == {"web-green", "api-green"}
    assert {s["name"] for s in data["services"]} == {"db", "config"}
    res = cf("mta-ops", "--last", "2", "--json")
    ops = parse_stream(res.out)[0]["data"]
    assert [o["state"] for o in ops] and {o["state"] for o in ops} == {"FINISHED"}, ops


def test_json_errors_keep_stdout_machine_readable(sim, cf, tmp_path) -> None:
    # Failure before an operation exists: the human FAILED line goes to stderr, stdout has the summary.
    res = cf("bg-deploy", str(tmp_path / "nope.mtar"), "--json")
    assert res.code == 1
    assert parse_stream(res.out) == [{"event": "summary", "command": "bg-deploy", "outcome": "error", "exit_code": 1,
                                      "message": f"Could not find file {tmp_path / 'nope.mtar'}"}]
    assert res.err.startswith("FAILED\n")

    # A failed operation (content error): error type, message and the follow-up commands.
    assert cf("deploy", str(SAMPLE_V2), "-f").code == 0
    res = cf("deploy", str(SAMPLE_V1), "--version-rule", "HIGHER", "--json")
    assert res.code == 1
    records = parse_stream(res.out)
    summary = records[-1]
    op = summary["operation_id"]
    assert summary["outcome"] == "failed" and summary["exit_code"] == 1 and summary["error_type"] == "CONTENT"
    assert summary["state"] == "ERROR" and summary["message"]
    assert summary["next_commands"] == {"abort": f"cf deploy -i {op} -a abort", "retry": f"cf deploy -i {op} -a retry",
                                        "logs": f"cf dmol -i {op}"}
    assert any(r["event"] == "progress" and r["level"] == "error" for r in records)

    res = cf("deploy", "-i", op, "-a", "abort", "--json")
    assert res.code == 0
    records = parse_stream(res.out)
    assert records[0]["event"] == "action" and records[0]["action"] == "abort"
    assert records[-1]["outcome"] == "ok" and records[-1]["state"] == "ABORTED"

    # A usage error is a summary too.
    res = cf("mta-ops", "--last", "x", "--json")
    assert res.code == 1 and parse_stream(res.out)[0]["outcome"] == "usage_error"
