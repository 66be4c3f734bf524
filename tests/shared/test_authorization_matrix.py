"""Every Deployer RPC x every kind of caller, through a raw gRPC client: only the allowed cells succeed,
and the refused ones change nothing in Cloud Controller (nor the operation)."""

from __future__ import annotations

import hashlib
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

import grpc

from bgdeploy.v1 import deployer_pb2 as pb
from e2e.conftest import SAMPLE_V1, SAMPLE_V2
from shared.harness import Client

READS = ["Watch", "GetOperation", "GetOperationLog", "ListOperations", "ListMtas", "GetMta"]
WRITES = ["Upload", "FindFile", "StartOperation", "Act"]
CALLERS = ["no token", "expired token", "no role", "auditor", "developer of another space", "developer"]
SIM_USER = {"no role": "nobody", "auditor": "auditor", "developer of another space": "dev2", "developer": "developer"}


def allowed(caller: str, rpc: str) -> bool:
    return caller == "developer" or (caller == "auditor" and rpc in READS)


def expected_refusal(caller: str) -> grpc.StatusCode:
    return grpc.StatusCode.UNAUTHENTICATED if caller in ("no token", "expired token") else \
        grpc.StatusCode.PERMISSION_DENIED


def calls(c: Client, paused: str, mta_id: str) -> dict[str, Callable[[str | None], Any]]:
    v2 = SAMPLE_V2.read_bytes()
    t = c.target
    return {
        "Upload": lambda tok: c.upload(SAMPLE_V2, tok),
        "FindFile": lambda tok: c.api.FindFile(pb.FindFileRequest(target=t, sha256=hashlib.sha256(v2).hexdigest(),
                                                                  kind=pb.FILE_KIND_ARCHIVE), metadata=c.md(tok)),
        "StartOperation": lambda tok: c.start("", tok, pb.PROCESS_TYPE_UNDEPLOY, mta_id="matrix-nothing"),
        "Act": lambda tok: c.act(paused, pb.ACTION_ABORT, tok),
        "Watch": lambda tok: c.watch(paused, tok),
        "GetOperation": lambda tok: c.get(paused, tok),
        "GetOperationLog": lambda tok: list(c.api.GetOperationLog(
            pb.GetOperationLogRequest(target=t, operation_id=paused), metadata=c.md(tok), timeout=30)),
        "ListOperations": lambda tok: c.api.ListOperations(pb.ListOperationsRequest(target=t), metadata=c.md(tok)),
        "ListMtas": lambda tok: c.api.ListMtas(pb.ListMtasRequest(target=t), metadata=c.md(tok)),
        "GetMta": lambda tok: c.api.GetMta(pb.GetMtaRequest(target=t, mta_id=mta_id), metadata=c.md(tok)),
    }


def test_every_rpc_for_every_caller(sim, engines, client_of) -> None:  # type: ignore[no-untyped-def]
    c = client_of(engines("a"))
    dev = sim.token("developer")
    v1 = c.start(c.upload(SAMPLE_V1, dev).id, dev)
    c.wait_state(v1.id, dev, {pb.STATE_FINISHED})
    paused = c.start(c.upload(SAMPLE_V2, dev).id, dev)
    c.wait_state(paused.id, dev, {pb.STATE_ACTION_REQUIRED})

    sim.config(token_lifetime_s=1)
    expired = sim.token("developer")
    sim.config(token_lifetime_s=600)
    time.sleep(1.5)  # the short-lived token's exp passes (wall clock, as CC sees it)
    tokens = {"no token": None, "expired token": expired, **{k: sim.token(u) for k, u in SIM_USER.items()}}
    rpcs = calls(c, paused.id, v1.mta_id)
    assert sorted(rpcs) == sorted(READS + WRITES)

    outcomes: Counter[str] = Counter()
    before = (sim.mutating_requests(), c.get(paused.id, dev))
    for caller in CALLERS:
        for rpc, call in rpcs.items():
            if allowed(caller, rpc):
                continue
            try:
                call(tokens[caller])
            except grpc.RpcError as exc:
                assert exc.code() == expected_refusal(caller), f"{caller} x {rpc}: {exc.code()} {exc.details()}"
                outcomes[exc.code().name] += 1
                continue
            raise AssertionError(f"{caller} x {rpc} was allowed")
    after = (sim.mutating_requests(), c.get(paused.id, dev))
    assert after == before, "a refused call changed something"

    for caller in ("auditor", "developer"):
        for rpc, call in sorted(rpcs.items(), key=lambda kv: kv[0] == "Act"):  # the abort last
            if allowed(caller, rpc):
                assert call(tokens[caller]) is not None, f"{caller} x {rpc}"
                outcomes["OK"] += 1
    assert c.get(paused.id, dev).state == pb.STATE_ABORTED
    assert outcomes == {"OK": 16, "UNAUTHENTICATED": 20, "PERMISSION_DENIED": 24}, outcomes
    print(f"\nauthorisation matrix: {len(CALLERS)} callers x {len(rpcs)} RPCs = {sum(outcomes.values())} cells: "
          f"{dict(outcomes)}")
