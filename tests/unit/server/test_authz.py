"""The authoriser against the in-process simulator: roles decide, results are cached per token for at most
CACHE_S, the allow-list is checked first; and the per-user stream limits."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import grpc
import pytest

from bgdeploy.cc import CloudController
from bgdeploy.server.authz import CACHE_S, READ, RULES, WRITE, Authorizer, Denied, Scope
from bgdeploy.server.limits import StreamIdle, StreamLimits
from bgdeploy.store import open_store
from ccsim.inprocess import InProcessSim


@pytest.fixture
def sim(tmp_path: Path) -> Iterator[InProcessSim]:
    s = InProcessSim(tmp_path / "sim")
    yield s
    s.close()


def authorizer(sim: InProcessSim, tmp_path: Path, calls: list[str], **kw: Any) -> Authorizer:
    def factory(api: str, tokens: Any, **options: Any) -> CloudController:
        calls.append(api)
        return CloudController(api, tokens, adapter=sim.adapter(), verify=options.get("verify", True))

    return Authorizer(open_store(f"sqlite:///{tmp_path / 'state.db'}"), [sim.api_url + "/"], cc_factory=factory, **kw)


def space(sim: InProcessSim, name: str = "space") -> Scope:
    found = next(s for s in sim.sim.store.all("spaces") if s["name"] == name)
    return Scope(sim.api_url, found["guid"], False)


def code(call: Any) -> grpc.StatusCode | None:
    try:
        call()
    except Denied as exc:
        return exc.code
    return None


def test_roles_decide_reads_and_writes(sim: InProcessSim, tmp_path: Path) -> None:
    auth = authorizer(sim, tmp_path, [])
    s = space(sim)
    for user, read, write in (("developer", None, None), ("admin", None, None),
                              ("auditor", None, grpc.StatusCode.PERMISSION_DENIED),
                              ("supporter", None, grpc.StatusCode.PERMISSION_DENIED),
                              ("nobody", grpc.StatusCode.PERMISSION_DENIED, grpc.StatusCode.PERMISSION_DENIED),
                              ("dev2", grpc.StatusCode.PERMISSION_DENIED, grpc.StatusCode.PERMISSION_DENIED)):
        token = sim.bearer(user)
        assert code(lambda t=token: auth.check(t, s, READ)) == read, user
        assert code(lambda t=token: auth.check(t, s, WRITE)) == write, user
    assert code(lambda: auth.check(sim.bearer("dev2"), space(sim, "space2"), WRITE)) is None
    assert code(lambda: auth.check("", s, READ)) == grpc.StatusCode.UNAUTHENTICATED
    assert code(lambda: auth.check("bearer e30.e30.forged", s, READ)) == grpc.StatusCode.UNAUTHENTICATED


def test_roles_are_cached_per_token_for_a_short_time(sim: InProcessSim, tmp_path: Path) -> None:
    assert CACHE_S <= 60
    calls: list[str] = []
    auth = authorizer(sim, tmp_path, calls, cache_s=0.3)
    token, s = sim.bearer("developer"), space(sim)
    auth.check(token, s, WRITE)
    auth.check(token, s, READ)
    assert len(calls) == 1
    auth.check(sim.bearer("developer"), s, READ)  # another token: asked again
    assert len(calls) == 2
    time.sleep(0.4)
    auth.check(token, s, READ)
    assert len(calls) == 3


def test_an_endpoint_outside_the_allow_list_is_refused_without_a_request(sim: InProcessSim, tmp_path: Path) -> None:
    calls: list[str] = []
    auth = authorizer(sim, tmp_path, calls)
    refused = Scope("http://127.0.0.1:1", space(sim).space_guid, False)
    assert code(lambda: auth.check(sim.bearer("developer"), refused, READ)) == grpc.StatusCode.PERMISSION_DENIED
    assert calls == []


class FakeContext:
    def __init__(self) -> None:
        self.aborted: tuple[grpc.StatusCode, str] | None = None

    def abort(self, code: grpc.StatusCode, details: str) -> None:
        self.aborted = (code, details)
        raise RuntimeError(details)


def test_streams_and_uploads_are_limited_per_user() -> None:
    limits = StreamLimits(per_user=2, uploads_per_user=1, total=3)
    ctx: Any = FakeContext()
    with limits.open("alice", "Upload", ctx), limits.open("alice", "Watch", ctx):
        with pytest.raises(RuntimeError, match="open streams"), limits.open("alice", "Watch", ctx):
            pass
        assert ctx.aborted and ctx.aborted[0] == grpc.StatusCode.RESOURCE_EXHAUSTED
        with limits.open("bob", "Watch", ctx), pytest.raises(RuntimeError, match="too many"), \
                limits.open("carol", "Watch", ctx):
            pass
    with limits.open("alice", "Upload", ctx):
        pass  # released again


def test_an_upload_that_sends_nothing_is_closed() -> None:
    limits = StreamLimits(idle_s=0.2)
    stuck = threading.Event()

    def client() -> Iterator[bytes]:
        yield b"first"
        stuck.wait(5)

    got = limits.idle_limited(client(), FakeContext())  # type: ignore[arg-type]
    assert next(got) == b"first"
    started = time.monotonic()
    with pytest.raises(StreamIdle):
        next(got)
    assert time.monotonic() - started < 2
    stuck.set()


def test_an_upload_that_starts_with_data_is_refused_before_any_cc_request(sim: InProcessSim, tmp_path: Path) -> None:
    calls: list[str] = []
    auth = authorizer(sim, tmp_path, calls)
    data_part = memoryview(b"PK")  # how server/upload_parts.py decodes a data message
    assert code(lambda: auth.scope(RULES["Upload"], data_part)) == grpc.StatusCode.INVALID_ARGUMENT and not calls
