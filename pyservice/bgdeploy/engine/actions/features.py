"""App features (`app-features`, the older `enable-ssh`): set on the app before it starts, as the deploy
service does. Features the descriptor does not name are left as they are."""

from __future__ import annotations

from bgdeploy.cc import app_features as cc_features
from bgdeploy.cc.errors import NotFound
from bgdeploy.engine.actions.apps import mark_restart
from bgdeploy.engine.plan import AppWork
from bgdeploy.engine.step import StepContext
from bgdeploy.errors import ContentError
from bgdeploy.mta.model import AppSpec

# Read by the platform only when instances start; ssh and revisions apply without a restart.
_NO_RESTART = frozenset({"ssh", "revisions"})


def ensure_features(ctx: StepContext, work: AppWork, spec: AppSpec, app_guid: str) -> None:
    for name, wanted in sorted(spec.features.items()):
        try:
            current = cc_features.enabled(ctx.cc, app_guid, name)
        except NotFound:
            raise ContentError(f'module "{spec.module}": app feature "{name}" ("app-features") is not known to '
                               "Cloud Foundry") from None
        if current == wanted:
            continue
        if name not in _NO_RESTART and work.app_state == "STARTED":
            mark_restart(ctx, work)
        cc_features.set_enabled(ctx.cc, app_guid, name, wanted)
