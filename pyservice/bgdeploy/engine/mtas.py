"""Read-only views of deployed MTAs (`cf mtas`, `cf mta`), straight from Cloud Controller metadata."""

from __future__ import annotations

from dataclasses import dataclass, field

from bgdeploy.cc import CloudController
from bgdeploy.cc import apps as cc_apps
from bgdeploy.cc import bindings as cc_bindings
from bgdeploy.cc import processes as cc_processes
from bgdeploy.cc import routes as cc_routes
from bgdeploy.cc import services as cc_services
from bgdeploy.cc.models import App
from bgdeploy.engine import backup, colors
from bgdeploy.errors import NotFoundError
from bgdeploy.mta import metadata


@dataclass
class MtaApp:
    name: str
    module: str
    state: str
    running: int
    instances: int
    memory_mb: int
    disk_mb: int
    urls: list[str]


@dataclass
class MtaService:
    name: str
    offering: str
    plan: str
    bound_apps: list[str]
    last_operation: str


@dataclass
class MtaBackup:
    """The version a resume kept for rollback-mta."""

    version: str
    apps: list[str]
    replaced_by: str
    until: float
    expired: bool


@dataclass
class MtaVersion:
    version: str
    color: str  # "blue", "green", "live", "idle"; "" without colours
    apps: list[str] = field(default_factory=list)


@dataclass
class DeployedMta:
    id: str
    version: str  # the version there first (the one serving while a blue-green deploy pauses)
    namespace: str
    apps: list[MtaApp] = field(default_factory=list)
    services: list[MtaService] = field(default_factory=list)
    backup: MtaBackup | None = None
    versions: list[MtaVersion] = field(default_factory=list)  # oldest first


def list_mtas(cc: CloudController, space_guid: str) -> list[DeployedMta]:
    found: dict[tuple[str, str], DeployedMta] = {}
    apps_of: dict[tuple[str, str], list[App]] = {}
    apps = cc_apps.list_by_labels(cc, space_guid, metadata.LABEL_MTA_ID)
    services = cc_services.list_by_labels(cc, space_guid, metadata.LABEL_MTA_ID)
    # Kept apps carry the version before: they name it only when nothing else of the MTA is left.
    resources = [*[a for a in apps if not backup.is_kept(a)], *services, *[a for a in apps if backup.is_kept(a)]]
    for res in resources:
        ann = res.annotations
        key = (ann.get("mta_id", ""), ann.get("mta_namespace", ""))
        if key[0] and key not in found:
            found[key] = DeployedMta(key[0], ann.get("mta_version", ""), key[1])
        if key[0] and isinstance(res, App) and not backup.is_kept(res):
            apps_of.setdefault(key, []).append(res)
    for key, mta in found.items():
        _set_versions(mta, apps_of.get(key, []))
    return sorted(found.values(), key=lambda m: (m.id, m.namespace))


def _set_versions(mta: DeployedMta, apps: list[App]) -> None:
    """The versions the apps carry, by colour, oldest first (during a pause: the live one, then the new one)."""
    by_key: dict[tuple[str, str], MtaVersion] = {}
    for app in sorted(apps, key=lambda a: a.created_at):  # stable: CC lists equal times in creation order
        key = (app.annotations.get("mta_version", ""), _color(app.name))
        by_key.setdefault(key, MtaVersion(*key)).apps.append(app.name)
    mta.versions = list(by_key.values()) or [MtaVersion(mta.version, "")]
    mta.version = mta.versions[0].version


def _color(app_name: str) -> str:
    color = colors.color_of(app_name)
    if color:
        return color.lower()
    return next((c for c in ("live", "idle") if app_name.endswith(f"-{c}")), "")


def get_mta(cc: CloudController, space_guid: str, mta_id: str, namespace: str, *, now: float) -> DeployedMta:
    selector = metadata.label_selector(mta_id, namespace)
    apps = cc_apps.list_by_labels(cc, space_guid, selector)
    services = cc_services.list_by_labels(cc, space_guid, selector)
    if not apps and not services:
        raise NotFoundError(f"Multi-target app {mta_id} not found")
    kept = [a for a in apps if backup.is_kept(a)]
    serving = [a for a in apps if not backup.is_kept(a)]
    first = (serving or services or kept)[0]
    mta = DeployedMta(mta_id, first.annotations.get("mta_version", ""), namespace, backup=_backup(kept, now))
    _set_versions(mta, serving)
    names = {}
    for app in sorted(apps, key=lambda a: a.name):
        names[app.guid] = app.name
        proc = cc_processes.web(cc, app.guid)
        states = cc_processes.instance_states(cc, proc.guid)
        mta.apps.append(MtaApp(app.name, app.module, app.state, states.count("RUNNING"), proc.instances,
                               proc.memory_mb, proc.disk_mb, [r.url for r in cc_routes.for_app(cc, app.guid)]))
    for inst in sorted(services, key=lambda s: s.name):
        offering = plan = ""
        if inst.plan_guid:
            plan, offering = cc_services.plan_and_offering(cc, inst.plan_guid)
        elif inst.type == "user-provided":
            offering = "user-provided"
        bound = [names.get(b.app_guid, "") for b in cc_bindings.for_instance(cc, inst.guid) if b.type == "app"]
        last = f"{inst.last_operation_type} {inst.last_operation_state}".strip()
        mta.services.append(MtaService(inst.name, offering, plan, sorted(n for n in bound if n), last))
    return mta


def _backup(kept: list[App], now: float) -> MtaBackup | None:
    infos = [info for a in kept if (info := backup.kept(a)) is not None]
    if not infos:
        return None
    soonest = min(infos, key=lambda i: i.until)
    return MtaBackup(kept[0].annotations.get("mta_version", ""), sorted(a.name for a in kept), soonest.replaced_by,
                     soonest.until, soonest.expired(now))
