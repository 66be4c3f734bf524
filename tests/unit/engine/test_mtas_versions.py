"""`cf mtas` / `cf mta` during a blue-green pause: both versions, each with its colour, oldest first."""

from __future__ import annotations

from bgdeploy.engine import mtas

from .world import World, deploy


def test_a_paused_deploy_shows_the_live_and_the_new_version(world: World) -> None:
    deploy(world, "1.0.0")
    deploy(world, "2.0.0", until="pause")
    listed = mtas.list_mtas(world.cc(), world.space["guid"])
    assert [(m.id, m.version) for m in listed] == [("bg.sample", "1.0.0")]
    assert [(v.version, v.color, sorted(v.apps)) for v in listed[0].versions] == [
        ("1.0.0", "blue", ["api-blue", "web-blue"]), ("2.0.0", "green", ["api-green", "web-green"])]
    shown = mtas.get_mta(world.cc(), world.space["guid"], "bg.sample", "", now=world.clock.now())
    assert [(v.version, v.color) for v in shown.versions] == [("1.0.0", "blue"), ("2.0.0", "green")]
    assert {a.name for a in shown.apps} == {"web-blue", "api-blue", "web-green", "api-green"}
