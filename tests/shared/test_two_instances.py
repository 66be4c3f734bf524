"""Two engine instances, A and B, on one PostgreSQL database, each with its own state directory."""

from __future__ import annotations

import time
from pathlib import Path

import grpc
import psycopg

from bgdeploy.v1 import deployer_pb2 as pb
from e2e.cfcli import Cf
from e2e.conftest import SAMPLE_V1, SAMPLE_V2
from e2e.invariants import assert_clean
from e2e.traffic import get, wait_answering
from shared.harness import EngineProcess, TcpSwitch, wait_for

LIVE = "web-space.apps.sim.test"
MUTATING = ("POST", "PUT", "PATCH", "DELETE")


def owner_of(url: str, op_id: str) -> str:
    with psycopg.connect(url) as conn:
        row = conn.execute("SELECT owner FROM operations WHERE id = %s", (op_id,)).fetchone()
    return str(row[0]) if row else ""


def builds_started(sim, since: int) -> bool:  # type: ignore[no-untyped-def]
    return any(r["method"] == "POST" and r["path"] == "/v3/builds" for r in sim.requests()[since:])


def test_a_killed_mid_deploy_b_takes_over_and_the_attached_shim_follows_on(sim, pg, engines, cert,  # type: ignore[no-untyped-def]
                                                                         tmp_path: Path) -> None:
    a, b = engines("a", lease_s=3.0), engines("b", lease_s=3.0)
    switch = TcpSwitch(lambda: [a.port, b.port])  # one address; A while it lives
    cf = Cf(tmp_path / "home", extra_env={"CF_BG_DEPLOY_ENGINE_URL": f"localhost:{switch.port}",
                                          "CF_BG_DEPLOY_ENGINE_CA": str(cert[0])})
    cf.login(sim.api_url, user="developer", password="developer-password")
    cf.install_plugin()
    assert cf("bg-deploy", str(SAMPLE_V1)).code == 0

    sim.config(staging_s=4.0)
    before = len(sim.requests())
    proc = cf.popen("bg-deploy", str(SAMPLE_V2))
    wait_for(lambda: builds_started(sim, before), 60, "staging to start on A")
    with psycopg.connect(pg.url) as conn:
        op_id, a_owner = conn.execute("SELECT id, owner FROM operations WHERE state = 'RUNNING'").fetchone()
    a.kill()
    killed = time.monotonic()
    wait_for(lambda: owner_of(pg.url, op_id) not in ("", a_owner), 30, "B to take the operation over", every=0.05)
    takeover_s = time.monotonic() - killed
    out, err = proc.communicate(timeout=180)
    assert proc.returncode == 0, out + err
    assert f"cf bg-deploy -i {op_id} -a resume" in out, out
    assert takeover_s <= a.lease_s + 2.0, takeover_s
    print(f"\ntakeover after SIGKILL of A: {takeover_s:.2f} s (lease {a.lease_s:g} s)")

    sim.config(staging_s=0.2)
    res = cf("bg-deploy", "-i", op_id, "-a", "resume")
    assert res.code == 0, res.text
    # The same end as a fault-free run: green serves v2, blue is gone, nothing twice.
    assert get(sim.router_url, LIVE) == (200, "web 2.0.0 web-green")
    assert_clean(sim.state(), {"web-green", "api-green"})
    assert "took over the operation" in b.log() or owner_of(pg.url, op_id) == ""
    switch.close()


def test_an_abort_through_b_stops_a_and_a_writes_nothing_after_it(sim, engines, client_of) -> None:  # type: ignore[no-untyped-def]
    a, b = engines("a"), engines("b")
    ca, cb = client_of(a), client_of(b)
    dev = sim.token("developer")
    ca.wait_state(ca.start(ca.upload(SAMPLE_V1, dev).id, dev).id, dev, {pb.STATE_FINISHED})
    sim.config(staging_s=5.0)
    before = len(sim.requests())
    op = ca.start(ca.upload(SAMPLE_V2, dev).id, dev)
    wait_for(lambda: builds_started(sim, before), 60, "staging to start on A")

    aborted = cb.act(op.id, pb.ACTION_ABORT, dev)
    assert aborted.state == pb.STATE_ABORTED
    done = len(sim.requests())
    time.sleep(6.0)  # longer than staging: A's runner would have gone on by now
    late = [r for r in sim.requests()[done:] if r["method"] in MUTATING]
    assert late == [], late
    assert ca.get(op.id, dev).state == pb.STATE_ABORTED
    events = cb.watch(op.id, dev)
    texts = [e.progress.text for e in events if e.HasField("progress")]
    assert texts[-1] == "Process was aborted.", texts
    assert get(sim.router_url, LIVE)[1].startswith("web 1.0.0")


def test_an_upload_through_a_is_deployed_through_b(sim, engines, client_of) -> None:  # type: ignore[no-untyped-def]
    a, b = engines("a"), engines("b")
    ca, cb = client_of(a), client_of(b)
    dev = sim.token("developer")
    ref = ca.upload(SAMPLE_V1, dev)
    assert not list((a.dir / "state" / "files").iterdir())  # in the database, not A's directory
    op = cb.start(ref.id, dev)
    done = cb.wait_state(op.id, dev, {pb.STATE_FINISHED, pb.STATE_ERROR})
    assert done.state == pb.STATE_FINISHED, done.error_message
    wait_answering(sim.router_url, [LIVE])  # a first deploy does not wait for the routers
    assert get(sim.router_url, LIVE) == (200, "web 1.0.0 web-blue")
    # The upload goes with its operation (just after it ended): nothing is kept for later (no --keep-files).
    def gone() -> bool:
        try:
            ca.api.FindFile(pb.FindFileRequest(target=ca.target, sha256=ref.sha256, kind=pb.FILE_KIND_ARCHIVE),
                            metadata=ca.md(dev))
        except grpc.RpcError as exc:
            assert exc.code() == grpc.StatusCode.NOT_FOUND
            return True
        return False

    wait_for(gone, 15, "the upload to be deleted")
    with psycopg.connect(pg_url(b)) as conn:
        assert conn.execute("SELECT count(*) FROM file_chunks").fetchone() == (0,)


def pg_url(engine: EngineProcess) -> str:
    return engine.database
