"""The plan of a dry run as a document: what `--dry-run --json` prints, field for field.

docs/dry-run.md explains it and docs/dry-run.schema.json pins it down (the tests validate every plan they
make against that schema). A field that does not apply is left out of the JSON rather than set to null
(only `from` of a from/to pair may be null: the app had no such setting).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from bgdeploy.codec import to_plain

# Module and service actions.
CREATE, UPDATE, UNCHANGED, DELETE, RECREATE = "create", "update", "unchanged", "delete", "recreate"
# When a route change happens: while deploying, or after `-a resume` (blue-green with a live version).
AT_DEPLOY, AT_RESUME = "deploy", "resume"


@dataclass
class FromTo:
    before: Any
    after: Any

    def plain(self) -> dict[str, Any]:
        return {"from": self.before, "to": self.after}


@dataclass
class EnvChange:
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)


@dataclass
class RouteChange:
    map: list[str] = field(default_factory=list)
    unmap: list[str] = field(default_factory=list)


@dataclass
class BindingChange:
    bind: list[str] = field(default_factory=list)
    unbind: list[str] = field(default_factory=list)


@dataclass
class ModuleChanges:
    """How the app a module ends up with differs from the one it has now (only what differs is set)."""

    env: EnvChange | None = None
    instances: FromTo | None = None
    memory_mb: FromTo | None = None
    disk_mb: FromTo | None = None
    command: FromTo | None = None
    health_check: FromTo | None = None
    routes: RouteChange | None = None
    bindings: BindingChange | None = None
    bits: bool | None = None  # True: the module's content differs from what the app runs
    lifecycle: FromTo | None = None  # buildpacks and stack
    metadata: bool | None = None  # labels or annotations (such as the MTA version)
    state: FromTo | None = None  # STARTED / STOPPED

    def aspects(self) -> list[str]:
        return [name for name, value in vars(self).items() if value is not None]


@dataclass
class ModulePlan:
    module: str
    action: str  # create | update | unchanged | delete
    app: str  # the app the deploy creates or updates (delete: the app it deletes)
    existing_app: bool = False  # an app of that name exists and is updated in place
    replaces: str | None = None  # blue-green: the productive app that hands over to `app`, deleted after the switch
    changes: ModuleChanges | None = None  # update
    restart: bool | None = None  # an app updated in place restarts its running instances
    tasks: list[str] = field(default_factory=list)  # the module's `tasks`, run after it is deployed


@dataclass
class ServicePlan:
    name: str
    kind: str  # managed | user-provided | existing-service | existing-service-key
    action: str  # create | update | recreate | unchanged | delete
    resource: str | None = None  # None: a discontinued service, no longer in the MTA
    changes: list[str] = field(default_factory=list)  # update: parameters, plan, tags, credentials, ...
    service_keys: list[str] = field(default_factory=list)  # keys the deploy creates
    note: str | None = None


@dataclass
class RouteMove:
    route: str
    app: str
    when: str  # deploy | resume


@dataclass
class RoutesPlan:
    map: list[RouteMove] = field(default_factory=list)
    unmap: list[RouteMove] = field(default_factory=list)
    temporary: list[RouteMove] = field(default_factory=list)  # mapped while deploying, deleted on resume
    create: list[str] = field(default_factory=list)  # routes that do not exist yet


@dataclass
class Rename:
    before: str
    after: str

    def plain(self) -> dict[str, Any]:
        return {"from": self.before, "to": self.after}


@dataclass
class Colors:
    live: str | None  # None: nothing deployed yet
    new: str


@dataclass
class MtaVersions:
    id: str
    version: str
    deployed_version: str | None = None  # None: not deployed (in this namespace)
    namespace: str | None = None


@dataclass(kw_only=True)
class DryRunPlan:
    dry_run: bool = True
    changes: bool = False  # see has_changes
    mta: MtaVersions
    archive: str
    org: str
    space: str
    process: str  # blue-green | deploy
    strategy: str  # default | blue-green | incremental-blue-green
    naming: str  # colors (bg-deploy) | idle-live (deploy --strategy ...) | plain
    colors: Colors | None = None
    test_phase: bool = False  # the deploy pauses before the switch, for "-a resume" or "-a abort"
    renames: list[Rename] = field(default_factory=list)  # deployed apps renamed before anything else
    leftovers: list[str] = field(default_factory=list)  # apps of a run that died after its switch, deleted first
    modules: list[ModulePlan] = field(default_factory=list)
    services: list[ServicePlan] = field(default_factory=list)
    routes: RoutesPlan = field(default_factory=RoutesPlan)
    warnings: list[str] = field(default_factory=list)

    def has_changes(self) -> bool:
        """Anything besides moving the same version to the other colour: see docs/dry-run.md."""
        return bool(self.renames or self.leftovers or any(m.action != UNCHANGED for m in self.modules)
                    or any(s.action != UNCHANGED for s in self.services))

    def plain(self) -> dict[str, Any]:
        return _plain(self)

    def to_json(self) -> str:
        return json.dumps(self.plain(), separators=(",", ":"))


def _plain(value: Any) -> Any:
    """to_plain, with from/to pairs under their JSON names and unset (None) fields left out."""
    if isinstance(value, FromTo | Rename):
        return value.plain()
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if hasattr(value, "__dataclass_fields__"):
        return {name: _plain(v) for name in value.__dataclass_fields__ if (v := getattr(value, name)) is not None}
    return to_plain(value)
