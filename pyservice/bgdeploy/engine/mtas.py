"""Read-only views of deployed MTAs (`cf mtas`, `cf mta`), straight from Cloud Controller metadata."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from bgdeploy.cc import CloudController
from bgdeploy.cc import processes as cc_processes
from bgdeploy.cc import routes as cc_routes
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
class DeployedMta:
    id: str
    version: str
    namespace: str
    apps: list[MtaApp] = field(default_factory=list)
    services: list[MtaService] = field(default_factory=list)


def list_mtas(cc: CloudController, space_guid: str) -> list[DeployedMta]:
    found: dict[tuple[str, str], DeployedMta] = {}
    for res in [*cc.list("/v3/apps", space_guids=[space_guid], label_selector="mta_id"),
                *cc.list("/v3/service_instances", space_guids=[space_guid], label_selector="mta_id")]:
        ann = (res.get("metadata") or {}).get("annotations") or {}
        key = (ann.get("mta_id", ""), ann.get("mta_namespace", ""))
        if key[0] and key not in found:
            found[key] = DeployedMta(key[0], ann.get("mta_version", ""), key[1])
    return sorted(found.values(), key=lambda m: (m.id, m.namespace))


def get_mta(cc: CloudController, space_guid: str, mta_id: str, namespace: str) -> DeployedMta:
    selector = metadata.label_selector(mta_id, namespace)
    apps = list(cc.list("/v3/apps", space_guids=[space_guid], label_selector=selector))
    services = list(cc.list("/v3/service_instances", space_guids=[space_guid], label_selector=selector))
    if not apps and not services:
        raise NotFoundError(f"Multi-target app {mta_id} not found")
    first = (apps or services)[0]
    ann = (first.get("metadata") or {}).get("annotations") or {}
    mta = DeployedMta(mta_id, ann.get("mta_version", ""), namespace)
    names = {}
    for app in sorted(apps, key=lambda a: a["name"]):
        names[app["guid"]] = app["name"]
        proc = cc_processes.web(cc, app["guid"])
        states = cc_processes.instance_states(cc, proc["guid"])
        module = json.loads(((app.get("metadata") or {}).get("annotations") or {}).get("mta_module") or "{}")
        mta.apps.append(MtaApp(
            app["name"], module.get("name", ""), app.get("state", ""), states.count("RUNNING"),
            proc.get("instances", 0), proc.get("memory_in_mb", 0), proc.get("disk_in_mb", 0),
            [cc_routes.url(r) for r in cc_routes.for_app(cc, app["guid"])],
        ))
    for inst in sorted(services, key=lambda s: s["name"]):
        offering = plan = ""
        plan_rel = ((inst.get("relationships") or {}).get("service_plan") or {}).get("data")
        if plan_rel:
            p = cc.get_or_none(f"/v3/service_plans/{plan_rel['guid']}") or {}
            plan = p.get("name", "")
            off_rel = ((p.get("relationships") or {}).get("service_offering") or {}).get("data")
            if off_rel:
                offering = (cc.get_or_none(f"/v3/service_offerings/{off_rel['guid']}") or {}).get("name", "")
        elif inst.get("type") == "user-provided":
            offering = "user-provided"
        bound = [names.get(b["relationships"]["app"]["data"]["guid"], "")
                 for b in cc.list("/v3/service_credential_bindings", service_instance_guids=[inst["guid"]],
                                  type="app")]
        last = inst.get("last_operation") or {}
        mta.services.append(MtaService(inst["name"], offering, plan, sorted(n for n in bound if n),
                                       f"{last.get('type', '')} {last.get('state', '')}".strip()))
    return mta
