"""What the deployed apps of an MTA are to the new version, decided from what CC shows, without writing:
their names once the deploy has renamed them, which colour is live, and which leftovers go.

The detect step applies what this decides (renames, removals); a dry run shows it. Both read it from here,
so what a dry run announces is what the deploy does.
- colours (`bg-deploy`): apps deployed without colours (by `cf deploy` or the official service) are renamed
  to the blue ones; the live colour is decided by `colors.decide`.
- idle/live names (`deploy --strategy blue-green`): the deployed version's apps are renamed `X -> X-live`;
  an `X-live` next to a plain `X` (a run that died after renaming back) is removed first.
- plain: the apps keep their names.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bgdeploy.cc.models import App
from bgdeploy.engine import colors
from bgdeploy.engine.actions.apps import DIGEST_ANNOTATION
from bgdeploy.engine.plan import COLORS, IDLE_LIVE, IDLE_SUFFIX, LIVE_SUFFIX, DeployedApp
from bgdeploy.engine.step import StepContext
from bgdeploy.store import OperationRecord


@dataclass(frozen=True)
class Rename:
    guid: str
    old: str
    new: str


@dataclass
class Detection:
    apps: list[DeployedApp]  # named as they will be once `renames` are done
    renames: list[Rename] = field(default_factory=list)
    stale: list[App] = field(default_factory=list)  # idle/live: X-live next to X, removed before anything else
    decision: colors.ColorDecision | None = None  # colours only
    both_colors: bool = False  # colours: both were deployed (an earlier run was aborted or died)
    live_version: bool = False  # a version serves productive traffic


def _digest(app: App) -> str:
    """The content digest of the bits its droplet runs (to reuse an unchanged droplet)."""
    return app.annotations.get(DIGEST_ANNOTATION, "")


def deployed_version(found: list[App]) -> str:
    return found[0].annotations.get("mta_version", "") if found else ""


def detect(scheme: str, found: list[App], last_run: OperationRecord | None) -> Detection:
    if scheme == COLORS:
        return _colored(found, last_run)
    if scheme == IDLE_LIVE:
        return _idle_live(found)
    apps = [DeployedApp(a.guid, a.name, a.module, colors.color_of(a.name), a.created_at, _digest(a), a.state)
            for a in found]
    return Detection(apps, live_version=False)


def _colored(found: list[App], last_run: OperationRecord | None) -> Detection:
    apps, renames = [], []
    for app in found:
        name, color = app.name, colors.color_of(app.name)
        if color is None:  # deployed without colours: the running version becomes the blue one
            name, color = colors.colored_name(app.name, colors.BLUE), colors.BLUE
            renames.append(Rename(app.guid, app.name, name))
        apps.append(DeployedApp(app.guid, name, app.module, color, app.created_at, _digest(app), app.state))
    present = {a.color for a in apps if a.color}
    oldest = min(apps, key=lambda a: a.created_at).color if apps else None
    decision = colors.decide(present, last_run, oldest)
    return Detection(apps, renames, decision=decision, both_colors=len(present) > 1,
                     live_version=bool(decision.live))


def _idle_live(found: list[App]) -> Detection:
    names = {a.name for a in found}
    apps, renames, stale = [], [], []
    for app in found:
        name = app.name
        if name.endswith(LIVE_SUFFIX) and name[: -len(LIVE_SUFFIX)] in names:
            stale.append(app)  # X took over already; this X-live is the version before it
            continue
        if not name.endswith(LIVE_SUFFIX) and not name.endswith(IDLE_SUFFIX):
            name = app.name + LIVE_SUFFIX
            renames.append(Rename(app.guid, app.name, name))
        apps.append(DeployedApp(app.guid, name, app.module, None, app.created_at, _digest(app), app.state))
    return Detection(apps, renames, stale, live_version=any(a.name.endswith(LIVE_SUFFIX) for a in apps))


# Operations that move the productive routes to their idle colour: a rollback does it too (to the kept one).
SWITCHING = ("BLUE_GREEN_DEPLOY", "ROLLBACK_MTA")


def last_blue_green_run(ctx: StepContext) -> OperationRecord | None:
    """The latest finished or aborted run of this MTA (in this namespace) that switched colours (blue-green
    deploy or rollback), for the colour decision."""
    for op in ctx.history.previous():
        if (op.id != ctx.op.id and op.process_type in SWITCHING and op.idle_color in colors.SUFFIXES
                and op.namespace == ctx.op.namespace):
            return op
    return None
