"""`keep-existing: {env, routes}` and `keep-existing-routes`: what the app that serves today keeps.

As the deploy service does: with `env`, a blue-green deploy starts the new app from the live app's
environment, with the descriptor's values on top (an update in place keeps the variables the descriptor
does not name); with `routes`, the routes mapped to the live app join the new app at the switch (an update
in place unmaps none).
"""

from __future__ import annotations

from bgdeploy.cc import apps as cc_apps
from bgdeploy.cc import routes as cc_routes
from bgdeploy.cc.errors import NotFound
from bgdeploy.cc.models import Route as CcRoute
from bgdeploy.engine import observe
from bgdeploy.engine.plan import DeployedApp
from bgdeploy.engine.step import StepContext
from bgdeploy.mta.model import AppSpec


def live_app(ctx: StepContext, spec: AppSpec) -> DeployedApp | None:
    """The module's app that serves until this operation switches (the live colour, or X-live)."""
    old = [a for a in observe.old_apps(ctx) if a.module == spec.module]
    live = [a for a in old if ctx.plan.live_color and a.color == ctx.plan.live_color]
    return (live or old or [None])[0]


def desired_env(ctx: StepContext, spec: AppSpec, env: dict[str, str]) -> dict[str, str]:
    """`env` (the descriptor's, for this phase), on top of the live app's with `keep-existing: env`."""
    if not spec.keep_existing_env:
        return env
    old = live_app(ctx, spec)
    if old is None:
        return env
    try:
        existing = cc_apps.env(ctx.cc, old.guid)
    except NotFound:
        return env
    return {**existing, **env}


def live_routes(ctx: StepContext, spec: AppSpec) -> list[CcRoute]:
    """The routes mapped to the live app today, for `keep-existing-routes` (none without it)."""
    if not spec.keep_existing_routes:
        return []
    old = live_app(ctx, spec)
    if old is None:
        return []
    try:
        return cc_routes.for_app(ctx.cc, old.guid)
    except NotFound:
        return []
