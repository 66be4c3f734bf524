"""A resume never runs on someone else's token, and a shared engine talks only to its --cf-api."""

from __future__ import annotations

import socket
import threading

import grpc
import pytest

from bgdeploy.v1 import deployer_pb2 as pb
from e2e.conftest import SAMPLE_V1, SAMPLE_V2
from e2e.traffic import get

LIVE = "web-space.apps.sim.test"


def test_resume_without_a_token_or_with_a_foreign_one_fails_and_switches_nothing(sim, engines, client_of) -> None:  # type: ignore[no-untyped-def]
    c = client_of(engines("a"))
    dev = sim.token("developer")
    c.wait_state(c.start(c.upload(SAMPLE_V1, dev).id, dev).id, dev, {pb.STATE_FINISHED})
    paused = c.start(c.upload(SAMPLE_V2, dev).id, dev)
    c.wait_state(paused.id, dev, {pb.STATE_ACTION_REQUIRED})
    serving = get(sim.router_url, LIVE)
    assert serving[0] == 200 and "1.0.0" in serving[1]
    mutations = sim.mutating_requests()

    for token, code in ((None, grpc.StatusCode.UNAUTHENTICATED), (sim.token("dev2"), grpc.StatusCode.PERMISSION_DENIED),
                        (sim.token("nobody"), grpc.StatusCode.PERMISSION_DENIED),
                        (sim.token("auditor"), grpc.StatusCode.PERMISSION_DENIED)):
        with pytest.raises(grpc.RpcError) as refused:
            c.act(paused.id, pb.ACTION_RESUME, token)
        assert refused.value.code() == code, refused.value.details()

    assert c.get(paused.id, dev).state == pb.STATE_ACTION_REQUIRED
    assert sim.mutating_requests() == mutations
    assert get(sim.router_url, LIVE) == serving

    # The developer's own resume goes on, on the developer's token.
    c.act(paused.id, pb.ACTION_RESUME, dev)
    c.wait_state(paused.id, dev, {pb.STATE_FINISHED})
    assert get(sim.router_url, LIVE) == (200, "web 2.0.0 web-green")


class Listener:
    """A local port that counts the connections it gets."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            conn.close()


def test_endpoints_other_than_cf_api_are_refused_before_any_request(sim, engines, client_of) -> None:  # type: ignore[no-untyped-def]
    engine = engines("a")
    c = client_of(engine)
    dev = sim.token("developer")
    other = Listener()
    requests_before = len(sim.requests())
    for api in (f"https://127.0.0.1:{engine.port}", f"http://127.0.0.1:{other.port}", f"http://localhost:{other.port}/"):
        c.target = pb.Target(api_endpoint=api, org_guid="o", space_guid="s", org_name="org", space_name="space")
        for call in (lambda: c.api.ListMtas(pb.ListMtasRequest(target=c.target), metadata=c.md(dev), timeout=10),
                     lambda: c.start("x", dev), lambda: c.upload(SAMPLE_V1, dev)):
            with pytest.raises(grpc.RpcError) as refused:
                call()
            assert refused.value.code() == grpc.StatusCode.PERMISSION_DENIED
            assert "does not serve the Cloud Foundry API" in (refused.value.details() or "")
    assert other.connections == 0
    assert len(sim.requests()) == requests_before  # not even a role check went to CC
    assert "GET /" not in engine.log()
