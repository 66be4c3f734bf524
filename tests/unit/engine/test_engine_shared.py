"""The engine's side of a shared deployment: tokens per actor and dropped when the run stops, actions need
the asker's token, aborts go through the database, uploads leave with their operation, the CF lock."""

from __future__ import annotations

import hashlib
import time

import pytest

from bgdeploy.engine.actions import cf_lock
from bgdeploy.engine.api import Engine
from bgdeploy.engine.leases import LeaseKeeper
from bgdeploy.engine.operations import ABORT, ABORTED, ACTION_REQUIRED, BLUE_GREEN_DEPLOY, ERROR, FINISHED, RESUME
from bgdeploy.engine.options import DeployOptions
from bgdeploy.engine.retention import sweep
from bgdeploy.errors import ConflictError, TokenExpiredError
from bgdeploy.server.files import FileStore

from .world import World, engine_for, upload, wait_state


def test_resume_needs_the_askers_token_and_tokens_go_when_the_run_stops(world: World) -> None:
    engine, target = engine_for(world)
    token = world.sim.bearer("developer")
    v1 = engine.start_operation(target, token, BLUE_GREEN_DEPLOY, archive_id=upload(world, world.archive("1.0.0")))
    wait_state(world, v1.id, FINISHED)
    v2 = engine.start_operation(target, token, BLUE_GREEN_DEPLOY, archive_id=upload(world, world.archive("2.0.0")))
    paused = wait_state(world, v2.id, ACTION_REQUIRED)
    engine.workers.join(v2.id, 10)
    assert not engine.holds_token(v2.id) and not engine.holds_token(v1.id)
    with pytest.raises(TokenExpiredError, match="needs your access token"):
        engine.act(v2.id, RESUME, "", target)
    assert world.store.get_operation(v2.id).state == ACTION_REQUIRED  # type: ignore[union-attr]
    admin = world.sim.bearer("admin")
    engine.act(v2.id, RESUME, admin, target)
    done = wait_state(world, v2.id, FINISHED, ERROR)
    assert done.state == FINISHED and done.actor != paused.actor  # it went on as the user who resumed


def test_an_abort_through_another_instance_stops_the_owner_within_a_beat(world: World) -> None:
    owner, target = engine_for(world)
    other = Engine(world.store, world.settings, clock=world.clock, cc_factory=owner.cc_factory)
    keeper = LeaseKeeper(owner).start()
    try:
        world.sim.sim.config.staging_s = 30.0
        token = world.sim.bearer()
        op = owner.start_operation(target, token, BLUE_GREEN_DEPLOY, archive_id=upload(world, world.archive("1.0.0")))
        deadline = time.monotonic() + 20
        while not any(r["method"] == "POST" and r["path"] == "/v3/builds" for r in world.sim.requests()):
            assert time.monotonic() < deadline
            time.sleep(0.02)
        started = time.monotonic()
        assert other.act(op.id, ABORT, token, target).state == ABORTED
        assert time.monotonic() - started < 5  # the owner noticed within its heartbeat (1 s), not after staging
        assert not owner.workers.alive(op.id)
        assert world.store.get_operation(op.id).state == ABORTED  # type: ignore[union-attr]
    finally:
        keeper.stop()


def test_uploads_are_deleted_when_their_operation_ends_unless_kept(world: World) -> None:
    engine, target = engine_for(world)
    token = world.sim.bearer()
    archive = upload(world, world.archive("1.0.0"))
    v1 = engine.start_operation(target, token, BLUE_GREEN_DEPLOY, archive_id=archive)
    wait_state(world, v1.id, FINISHED)
    engine.workers.join(v1.id, 10)
    assert world.store.get_file(archive) is None
    digest = hashlib.sha256(world.archive("1.0.0").read_bytes()).hexdigest()
    assert FileStore(world.store, str(world.dir)).find(digest, "ARCHIVE", world.space["guid"]) is None
    assert not [p for p in (world.dir / "files").iterdir() if not p.name.startswith(".")]

    kept = upload(world, world.archive("2.0.0"))
    v2 = engine.start_operation(target, token, BLUE_GREEN_DEPLOY, archive_id=kept,
                                options=DeployOptions(keep_files=True, no_confirm=True))
    wait_state(world, v2.id, FINISHED)
    engine.workers.join(v2.id, 10)
    assert world.store.get_file(kept) is not None


def test_the_retention_sweep_aborts_idle_operations(world: World) -> None:
    engine, target = engine_for(world)
    token = world.sim.bearer()
    v1 = engine.start_operation(target, token, BLUE_GREEN_DEPLOY, archive_id=upload(world, world.archive("1.0.0")))
    wait_state(world, v1.id, FINISHED)
    v2 = engine.start_operation(target, token, BLUE_GREEN_DEPLOY, archive_id=upload(world, world.archive("2.0.0")))
    wait_state(world, v2.id, ACTION_REQUIRED)
    engine.workers.join(v2.id, 10)
    sweep(engine)
    assert world.store.get_operation(v2.id).state == ACTION_REQUIRED  # type: ignore[union-attr]
    idle = Engine(world.store, type(world.settings)(state_dir=world.settings.state_dir, idle_ttl_s=0.0),
                  clock=world.clock, cc_factory=engine.cc_factory)
    time.sleep(0.05)
    sweep(idle)
    after = world.store.get_operation(v2.id)
    assert after is not None and after.state == ABORTED and not after.locked
    assert world.store.events(v2.id)[-1].text == "Process was aborted."


def test_the_lock_in_cloud_foundry(world: World) -> None:
    cc = world.cc()
    space = world.space["guid"]
    active: set[str] = {"111111"}

    def take(op_id: str, engine_id: str = "e1", **kw: object) -> str:
        return cf_lock.acquire(cc, space, "m", "", operation_id=op_id, engine_id=engine_id, user="u", ttl_s=3600,
                               still_active=lambda other: other in active, **kw)  # type: ignore[arg-type]

    first = take("111111")
    assert take("111111") == first  # our own (an answer lost on the way)
    with pytest.raises(cf_lock.LockedElsewhere) as held:
        take("222222", engine_id="e2")
    assert held.value.holder.operation_id == "111111" and held.value.holder.user == "u"
    with pytest.raises(cf_lock.LockedElsewhere):
        take("222222")  # same engine, the holder still active there
    active.clear()  # the same engine's operation ended without releasing (a crash): stale
    second = take("222222")
    assert second != first
    cf_lock.release(cc, space, "m", "", "111111")  # not its marker any more: nothing happens
    with pytest.raises(cf_lock.LockedElsewhere):
        take("333333", engine_id="e3")
    third = take("333333", engine_id="e3", force=True)  # -f breaks another engine's lock
    cc.patch(f"/v3/service_instances/{third}",
             {"metadata": {"annotations": {cf_lock.EXPIRES: str(int(time.time()) - 1)}}})
    fourth = take("444444", engine_id="e4")  # expired: anyone may replace it
    cf_lock.release(cc, space, "m", "", "444444")
    assert not [s for s in world.sim.state()["service_instances"] if s["guid"] in (first, second, third, fourth)]


def test_a_deploy_locked_by_another_engine_is_refused_and_leaves_nothing(world: World) -> None:
    engine, target = engine_for(world)
    token = world.sim.bearer()
    cf_lock.acquire(world.cc(), world.space["guid"], "bg.sample", "", operation_id="999999", engine_id="elsewhere",
                    user="bob", ttl_s=3600, still_active=lambda _: True)
    with pytest.raises(ConflictError, match=r'Conflicting process "999999".*user bob') as refused:
        engine.start_operation(target, token, BLUE_GREEN_DEPLOY, archive_id=upload(world, world.archive("1.0.0")))
    assert refused.value.operation_id == "999999"
    assert world.store.list_operations(world.space["guid"]) == []


def test_the_lock_is_taken_with_one_request_when_the_name_is_free(world: World) -> None:
    before = len(world.sim.requests())
    guid = cf_lock.acquire(world.cc(), world.space["guid"], "m", "", operation_id="555555", engine_id="e1",
                           user="u", ttl_s=3600, still_active=lambda _: False)
    calls = [(r["method"], r["path"]) for r in world.sim.requests()[before:]]
    assert calls == [("POST", "/v3/service_instances")], calls
    marker = next(s for s in world.sim.state()["service_instances"] if s["guid"] == guid)
    assert marker["name"] == cf_lock.marker_name("m", "")
    assert marker["metadata"]["annotations"][cf_lock.OPERATION] == "555555"


def test_the_lock_is_released_by_its_guid_and_a_marker_that_replaced_it_survives(world: World) -> None:
    cc, space = world.cc(), world.space["guid"]

    def take(op_id: str, **kw: object) -> str:
        return cf_lock.acquire(cc, space, "m", "", operation_id=op_id, engine_id="e1", user="u", ttl_s=3600,
                               still_active=lambda _: False, **kw)  # type: ignore[arg-type]

    ours = take("666666")
    before = len(world.sim.requests())
    cf_lock.release(cc, space, "m", "", "666666", ours)
    assert [(r["method"], r["path"]) for r in world.sim.requests()[before:]] == [
        ("DELETE", f"/v3/service_instances/{ours}")]
    replaced = take("777777")
    theirs = take("888888", force=True)  # broke 777777's marker and made its own
    cf_lock.release(cc, space, "m", "", "777777", replaced)
    assert [s["guid"] for s in world.sim.state()["service_instances"] if s["name"] == cf_lock.marker_name("m", "")] \
        == [theirs]



@pytest.mark.parametrize("fault", ["rate_503", "rate_lost"])
def test_the_lock_is_taken_through_a_gateway_error_on_its_post(world: World, fault: str) -> None:
    """A 503 (not processed) or a lost answer (processed) on the marker's POST: the POST is sent again; if
    the first one made the marker, CC says the name is taken, and the marker found is this operation's."""
    world.sim.faults(rules=[{"target": "api", "methods": ["POST"], "path": "^/v3/service_instances$",
                             fault: 1.0, "times": 1}])
    guid = cf_lock.acquire(world.cc(), world.space["guid"], "m", "", operation_id="121212", engine_id="e1",
                           user="u", ttl_s=3600, still_active=lambda _: False)
    markers = [s for s in world.sim.state()["service_instances"] if s["name"] == cf_lock.marker_name("m", "")]
    assert [m["guid"] for m in markers] == [guid]
    assert markers[0]["metadata"]["annotations"][cf_lock.OPERATION] == "121212"
