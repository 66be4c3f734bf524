"""PostgreSQL stopped for 10 s during an operation: health says NOT_SERVING, then SERVING again, and the
operation goes on to its pause (or fails cleanly with a retry hint) with nothing lost."""

from __future__ import annotations

import time

from grpc_health.v1 import health_pb2

from bgdeploy.v1 import deployer_pb2 as pb
from e2e.conftest import SAMPLE_V1, SAMPLE_V2
from shared.harness import wait_for

SERVING, NOT_SERVING = health_pb2.HealthCheckResponse.SERVING, health_pb2.HealthCheckResponse.NOT_SERVING


def test_ten_seconds_without_postgresql(sim, pg, engines, client_of) -> None:  # type: ignore[no-untyped-def]
    c = client_of(engines("a", lease_s=15.0))
    dev = sim.token("developer")
    c.wait_state(c.start(c.upload(SAMPLE_V1, dev).id, dev).id, dev, {pb.STATE_FINISHED})
    sim.config(staging_s=6.0)
    before = len(sim.requests())
    op = c.start(c.upload(SAMPLE_V2, dev).id, dev)
    wait_for(lambda: any(r["method"] == "POST" and r["path"] == "/v3/builds" for r in sim.requests()[before:]),
             60, "staging to start")
    assert c.serving() == SERVING

    pg.stop()
    stopped = time.monotonic()
    wait_for(lambda: c.serving() == NOT_SERVING, 8, "health NOT_SERVING")
    time.sleep(max(0.0, 10.0 - (time.monotonic() - stopped)))
    pg.start()
    wait_for(lambda: c.serving() == SERVING, 15, "health SERVING again")

    sim.config(staging_s=0.2)
    end = c.wait_state(op.id, dev, {pb.STATE_ACTION_REQUIRED, pb.STATE_ERROR}, timeout=120)
    print(f"\nafter the outage the operation reached {pb.State.Name(end.state)}")
    if end.state == pb.STATE_ERROR:
        assert f"cf bg-deploy -i {op.id} -a retry" in end.error_message, end.error_message
        end = c.act(op.id, pb.ACTION_RETRY, dev)
        end = c.wait_state(op.id, dev, {pb.STATE_ACTION_REQUIRED}, timeout=120)
    assert end.state == pb.STATE_ACTION_REQUIRED
    events = c.watch(op.id, dev)
    seqs = [e.seq for e in events if e.HasField("progress")]
    assert seqs == sorted(seqs) and len(seqs) == len(set(seqs))
    log = b"".join(ch.data for ch in c.api.GetOperationLog(
        pb.GetOperationLogRequest(target=c.target, operation_id=op.id), metadata=c.md(dev))).decode()
    assert "Process needs additional user input" in log or "resume" in log.lower(), log
    c.act(op.id, pb.ACTION_RESUME, dev)
    assert c.wait_state(op.id, dev, {pb.STATE_FINISHED}, timeout=120).state == pb.STATE_FINISHED
