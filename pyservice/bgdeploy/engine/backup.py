"""Kept apps (--backup-previous-version): how an old app is marked when a resume keeps it instead of deleting
it, and how that mark is read back (by the next deploy, `cf mta` and `cf rollback-mta`).

The mark is a set of annotations on the app, so any engine (or person) looking at the space sees it:
- `bgdeploy/replaced-by`: the operation whose resume kept it (its presence makes the app a kept one);
- `bgdeploy/kept-until`: ISO 8601 UTC time; after it, rollback-mta refuses the app;
- `bgdeploy/backup-routes`: its productive routes before the switch, `[[host, domain, path], ...]`;
- `bgdeploy/backup-instances`: its web instances before the switch (incremental blue-green scales it down).
A kept app is stopped and has no routes. The engine holds no token once an operation ends, so nothing
deletes a kept app when its time is up: the next deploy of the MTA (or its undeploy) does.
"""

from __future__ import annotations

import calendar
import json
import time
from dataclasses import dataclass

from bgdeploy.cc.models import App
from bgdeploy.engine.options import DeployOptions
from bgdeploy.mta.model import Route

REPLACED_BY = "bgdeploy/replaced-by"
KEPT_UNTIL = "bgdeploy/kept-until"
ROUTES = "bgdeploy/backup-routes"
INSTANCES = "bgdeploy/backup-instances"
DEFAULT_TTL_S = 24 * 3600
_ISO = "%Y-%m-%dT%H:%M:%SZ"


@dataclass(frozen=True)
class Kept:
    """What a kept app's annotations say."""

    replaced_by: str
    until: float  # epoch seconds
    routes: list[Route]
    instances: int

    def expired(self, now: float) -> bool:
        return now >= self.until


def ttl_s(options: DeployOptions) -> int:
    return options.backup_ttl_s or DEFAULT_TTL_S


def iso(seconds: float) -> str:
    return time.strftime(_ISO, time.gmtime(seconds))


def marks(op_id: str, until: float, routes: list[list[str]], instances: int) -> dict[str, str]:
    return {REPLACED_BY: op_id, KEPT_UNTIL: iso(until), ROUTES: json.dumps(routes, separators=(",", ":")),
            INSTANCES: str(instances)}


def unmarked() -> dict[str, None]:
    """The annotation patch that makes a kept app an ordinary one again (JSON merge patch: null deletes)."""
    return dict.fromkeys((REPLACED_BY, KEPT_UNTIL, ROUTES, INSTANCES))


def is_kept(app: App) -> bool:
    return bool(app.annotations.get(REPLACED_BY))


def kept(app: App) -> Kept | None:
    ann = app.annotations
    if not ann.get(REPLACED_BY):
        return None
    try:
        until = float(calendar.timegm(time.strptime(ann.get(KEPT_UNTIL, ""), _ISO)))
    except ValueError:
        until = 0.0  # unreadable: treated as expired, so it is never rolled back to by mistake
    return Kept(ann[REPLACED_BY], until, _routes(ann.get(ROUTES, "")), _count(ann.get(INSTANCES, "")))


def _routes(text: str) -> list[Route]:
    try:
        items = json.loads(text)
        return [Route(str(host), str(domain), str(path)) for host, domain, path in items]
    except (ValueError, TypeError):
        return []


def _count(text: str) -> int:
    try:
        return max(0, int(text))
    except ValueError:
        return 0
