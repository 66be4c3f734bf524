"""The hook phases the deploy service knows (`HookPhase`), by name. A hook names the phases it runs at;
any other name is refused, as the deploy service does. Which phases apply at which moment of a
deployment is the engine's business (`bgdeploy.engine.hook_moments`)."""

from __future__ import annotations

DEPLOY_BEFORE_STOP = "deploy.application.before-stop"
DEPLOY_AFTER_STOP = "deploy.application.after-stop"
DEPLOY_BEFORE_UNMAP_ROUTES = "deploy.application.before-unmap-routes"
DEPLOY_BEFORE_START = "deploy.application.before-start"
BG_BEFORE_STOP_IDLE = "blue-green.application.before-stop.idle"
BG_BEFORE_STOP_LIVE = "blue-green.application.before-stop.live"
BG_AFTER_STOP_IDLE = "blue-green.application.after-stop.idle"
BG_AFTER_STOP_LIVE = "blue-green.application.after-stop.live"
BG_BEFORE_UNMAP_ROUTES_IDLE = "blue-green.application.before-unmap-routes.idle"
BG_BEFORE_UNMAP_ROUTES_LIVE = "blue-green.application.before-unmap-routes.live"
BG_BEFORE_START_IDLE = "blue-green.application.before-start.idle"
BG_BEFORE_START_LIVE = "blue-green.application.before-start.live"
# Deprecated names the deploy service still runs (next to the ones above at the same moments).
OLD_BEFORE_STOP_IDLE = "application.before-stop.idle"
OLD_BEFORE_STOP_LIVE = "application.before-stop.live"
OLD_AFTER_STOP_IDLE = "application.after-stop.idle"
OLD_AFTER_STOP_LIVE = "application.after-stop.live"
OLD_BEFORE_UNMAP_ROUTES = "application.before-unmap-routes"

SUPPORTED = frozenset({
    DEPLOY_BEFORE_STOP, DEPLOY_AFTER_STOP, DEPLOY_BEFORE_UNMAP_ROUTES, DEPLOY_BEFORE_START,
    BG_BEFORE_STOP_IDLE, BG_BEFORE_STOP_LIVE, BG_AFTER_STOP_IDLE, BG_AFTER_STOP_LIVE,
    BG_BEFORE_UNMAP_ROUTES_IDLE, BG_BEFORE_UNMAP_ROUTES_LIVE, BG_BEFORE_START_IDLE, BG_BEFORE_START_LIVE,
    OLD_BEFORE_STOP_IDLE, OLD_BEFORE_STOP_LIVE, OLD_AFTER_STOP_IDLE, OLD_AFTER_STOP_LIVE, OLD_BEFORE_UNMAP_ROUTES,
})
