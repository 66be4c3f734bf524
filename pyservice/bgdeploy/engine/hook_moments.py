"""Which hook phases apply at which moment of a deployment (pure; the deploy service's `HooksPhaseBuilder`
and the corpus logs of `../shared/mta-examples/hooks`).

    plain deploy, the app:      deploy.application.before-stop / after-stop / before-start
    blue-green, the new app:    before-start.idle (idle phase) or .live (resume); before-stop.idle and
                                after-stop.idle around any stop of it (the resume restarts it)
    blue-green, the old app:    before-unmap-routes.live, before-stop.live, after-stop.live (resume)

The deprecated `application.*` names run next to the current ones. A first blue-green deploy starts its
apps once, straight on the productive routes: both before-start phases apply to that start.
"""

from __future__ import annotations

from bgdeploy.mta import hook_phases as p
from bgdeploy.mta.model import AppSpec

Phases = tuple[str, ...]

PLAIN_BEFORE_STOP: Phases = (p.DEPLOY_BEFORE_STOP, p.OLD_BEFORE_STOP_LIVE)
PLAIN_AFTER_STOP: Phases = (p.DEPLOY_AFTER_STOP, p.OLD_AFTER_STOP_LIVE)
PLAIN_BEFORE_START: Phases = (p.DEPLOY_BEFORE_START,)

NEW_BEFORE_STOP: Phases = (p.BG_BEFORE_STOP_IDLE, p.OLD_BEFORE_STOP_IDLE)
NEW_AFTER_STOP: Phases = (p.BG_AFTER_STOP_IDLE, p.OLD_AFTER_STOP_IDLE)
IDLE_BEFORE_START: Phases = (p.BG_BEFORE_START_IDLE,)
LIVE_BEFORE_START: Phases = (p.BG_BEFORE_START_LIVE,)
FIRST_BEFORE_START: Phases = (p.BG_BEFORE_START_IDLE, p.BG_BEFORE_START_LIVE)
NEW_BEFORE_UNMAP: Phases = (p.BG_BEFORE_UNMAP_ROUTES_IDLE,)

OLD_BEFORE_UNMAP: Phases = (p.BG_BEFORE_UNMAP_ROUTES_LIVE, p.OLD_BEFORE_UNMAP_ROUTES)
OLD_BEFORE_STOP: Phases = (p.BG_BEFORE_STOP_LIVE, p.OLD_BEFORE_STOP_LIVE)
OLD_AFTER_STOP: Phases = (p.BG_AFTER_STOP_LIVE, p.OLD_AFTER_STOP_LIVE)


def deploy_moments(blue_green: bool, live_version: bool) -> tuple[Phases, Phases, Phases]:
    """(before-stop, after-stop, before-start) phases for the app a deploy brings up (deploy-apps)."""
    if not blue_green:
        return PLAIN_BEFORE_STOP, PLAIN_AFTER_STOP, PLAIN_BEFORE_START
    return NEW_BEFORE_STOP, NEW_AFTER_STOP, IDLE_BEFORE_START if live_version else FIRST_BEFORE_START


def hooks_at(spec: AppSpec | None, phases: Phases) -> list[str]:
    """Names of the spec's hooks that run at any of `phases` (each hook once per moment)."""
    if spec is None:
        return []
    wanted = set(phases)
    return [h.name for h in spec.hooks if wanted.intersection(h.phases)]
