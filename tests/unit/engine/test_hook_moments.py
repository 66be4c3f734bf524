"""Which hook phases apply at which moment, including the deprecated names the deploy service still runs."""

from __future__ import annotations

from bgdeploy.engine import hook_moments as hm
from bgdeploy.mta.model import AppSpec, HookSpec, TaskSpec


def app(**phases: list[str]) -> AppSpec:
    return AppSpec(module="m", name="m", content=None,
                   hooks=[HookSpec(name, ps, TaskSpec(name, "true")) for name, ps in phases.items()])


def test_the_moments_of_the_app_a_deploy_brings_up() -> None:
    assert hm.deploy_moments(False, False) == (hm.PLAIN_BEFORE_STOP, hm.PLAIN_AFTER_STOP, hm.PLAIN_BEFORE_START)
    assert hm.deploy_moments(True, True)[2] == ("blue-green.application.before-start.idle",)
    # A first blue-green deploy starts its apps once, straight on the productive routes.
    assert hm.deploy_moments(True, False)[2] == ("blue-green.application.before-start.idle",
                                                 "blue-green.application.before-start.live")


def test_deprecated_phases_run_next_to_the_current_ones_once_per_moment() -> None:
    spec = app(old=["application.before-stop.live"], both=["blue-green.application.before-stop.live",
                                                            "application.before-stop.live"],
               idle=["application.before-stop.idle"], unmap=["application.before-unmap-routes"])
    assert hm.hooks_at(spec, hm.OLD_BEFORE_STOP) == ["old", "both"]
    assert hm.hooks_at(spec, hm.PLAIN_BEFORE_STOP) == ["old", "both"]
    assert hm.hooks_at(spec, hm.NEW_BEFORE_STOP) == ["idle"]
    assert hm.hooks_at(spec, hm.OLD_BEFORE_UNMAP) == ["unmap"]
    assert hm.hooks_at(None, hm.OLD_BEFORE_STOP) == []
