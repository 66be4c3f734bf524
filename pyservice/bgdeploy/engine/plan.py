"""The typed, persisted state one operation builds up: its naming scheme, colours, what was deployed
before it, and each step's progress (so a retry or a restarted engine continues where it stopped).

Saved with the operation after every change (`StepContext.save`); steps read and write it, never an
untyped bag. Names of the new apps come from here, so every step agrees on them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bgdeploy.codec import from_plain, to_plain
from bgdeploy.engine import colors
from bgdeploy.mta.model import AppSpec

# Naming schemes: `bg-deploy` suffixes a colour; `deploy --strategy blue-green` keeps the descriptor's
# names (the new version is X-idle until the switch, the old one X-live); a plain deploy updates X in place.
COLORS, IDLE_LIVE, PLAIN = "colors", "idle-live", "plain"
IDLE_SUFFIX, LIVE_SUFFIX = "-idle", "-live"


@dataclass
class DeployedApp:
    """An app of the MTA found before this operation changed anything (name after any rename)."""

    guid: str
    name: str
    module: str
    color: str | None
    created_at: str
    digest: str = ""  # content digest of its bits (annotation), to reuse an unchanged droplet
    state: str = ""  # STARTED / STOPPED when found ("" = not known)


@dataclass
class KeptFound:
    """An app an earlier resume kept for rollback-mta, as detect found it (the next step replaces it)."""

    guid: str
    name: str
    version: str  # its mta_version annotation
    replaced_by: str  # the operation that kept it


@dataclass
class AppWork:
    """Progress of bringing one module's new app to its desired state (deploy-apps, prepare-live)."""

    module: str
    stage: str = ""  # the next stage to run ("" = the first)
    guid: str = ""
    name: str = ""
    digest: str = ""  # content digest of the module's bits in this archive
    package_guid: str = ""
    build_guid: str = ""
    droplet_guid: str = ""
    # Persisted before the write that makes it true, so a crash right after that write still restarts:
    restart: bool = False  # the running instances must restart (env, droplet or process settings changed)
    started: bool = False  # instances were (re)started or routes changed: routers must learn them
    app_state: str = ""  # STARTED / STOPPED as last seen
    deployed_digest: str = ""  # the digest annotation the app had when this operation found it
    instances: int = 0  # of the web process, as this operation set it (route checks probe each one)
    copy_refused: bool = False  # the unchanged droplet could not be copied: upload instead
    copying: bool = False  # droplet_guid is a copy CC is still making
    fresh: bool = False  # created by this operation: nothing was bound or mapped before (no reads needed)
    annotated_digest: str = ""  # the digest the app was created with (no annotation write after its droplet)
    jobs: list[str] = field(default_factory=list)  # CC jobs to wait for (bindings)
    bound_at: float = 0.0  # when the bindings were asked for
    since: float = 0.0
    polls: int = 0
    due: float = 0.0  # when its wait ends (Staged: not looked at before, even when others wake earlier)
    hook_stop: bool = False  # stopped between its before-stop and after-stop hooks: the after-stop ones are due
    bind_again: bool = False  # a binding being unbound (its parameters changed) is made again after the jobs


@dataclass
class ServiceWork:
    stage: str = ""
    guid: str = ""
    job: str = ""  # the CC job being waited for
    job_what: str = ""  # what it does, for messages ("Creating service ...")
    since: float = 0.0
    polls: int = 0
    aspect: str = ""  # the update aspect the job is about ("plan", "parameters", ...; "" = not an update)
    settled: list[str] = field(default_factory=list)  # update aspects this operation is done with
    failed: list[str] = field(default_factory=list)  # update aspects whose failure was tolerated


@dataclass
class Removal:
    """Removing one app: routes, stop, bindings, delete (each observed first)."""

    name: str
    stage: str = ""
    jobs: list[str] = field(default_factory=list)
    since: float = 0.0
    polls: int = 0
    due: float = 0.0  # the next look at its jobs (not before, whoever advances it)


@dataclass
class Pending:
    """CC jobs a step waits for (e.g. temporary routes being deleted)."""

    jobs: list[str] = field(default_factory=list)
    since: float = 0.0
    polls: int = 0


# -- hooks, tasks, incremental blue-green, stopping the old apps ---------------------------------------


@dataclass
class TaskRun:
    """One task this operation runs: a `tasks` entry, or one hook at one moment on one app."""

    guid: str = ""  # the task in flight ("" = none yet)
    attempt: int = 0  # bumped when a task failed: a retry runs a new one
    since: float = 0.0
    polls: int = 0
    done: bool = False


@dataclass
class Scaling:
    """Incremental blue-green: one module's instances moving from its old app to its new one."""

    stage: str = ""  # "" → down (old -1) → up (new +1) → ... → done
    old_guid: str = ""
    new_guid: str = ""
    old_initial: int = 0  # the old app's instances before (restored when a new instance crashes)
    old_count: int = 0
    new_count: int = 0
    since: float = 0.0
    polls: int = 0
    due: float = 0.0  # when its wait ends


@dataclass
class OldAppStop:
    """Stopping one old app between its before-stop and after-stop hooks."""

    stage: str = ""  # "" → stopped → done
    since: float = 0.0
    polls: int = 0


# -- smoke tests, backups and rollback ----------------------------------------------------------------


@dataclass
class SmokeCheckRun:
    """One `bg-smoke-tests` check of a module against one of its temporary routes."""

    module: str
    check: int  # index in the module's smoke_tests
    url: str  # the route's URL (scheme://host/path) the check's path is appended to
    tries: int = 0
    next_at: float = 0.0  # wall time of the next try
    passed: bool = False
    last: str = ""  # what the last try got, for the failure message


@dataclass
class SmokeWork:
    """The smoke tests before the pause: the descriptor's checks, then the shim's commands."""

    checks: list[SmokeCheckRun] | None = None  # None: not planned yet
    attempt: int = 0  # the shim's commands: bumped per request, so a stale report is refused
    asked_at: float = 0.0
    passed: bool = False


@dataclass
class BackupRecord:
    """--backup-previous-version: an old app to keep, and what rollback-mta needs to bring it back
    (recorded before the switch changes it)."""

    routes: list[list[str]] = field(default_factory=list)  # its productive routes: [host, domain, path]
    instances: int = 0  # of its web process
    kept: bool = False  # stopped, unmapped and annotated


@dataclass
class ProbeTarget:
    """One app instance on one route, as the routers must show it: answering (present) or gone."""

    host: str
    path: str
    instance: str  # "APP_GUID:INDEX", as X-Cf-App-Instance wants it
    app: str  # the app's name, for messages
    present: bool
    confirmations: int = 0  # consecutive probes that showed it as wanted
    first_at: float = 0.0  # wall time of the first of them
    confirmed: bool = False
    last: str = ""  # what the last probe saw (routers.probe), for the timeout message

    @property
    def url(self) -> str:
        return self.host + self.path


@dataclass
class RouteCheck:
    """One wait for the routers, persisted with its progress so a crash or a retry does not skip it."""

    mode: str = ""  # probe | timer | none, decided when the wait begins
    started_at: float = 0.0
    until: float = 0.0  # probe: the timeout; timer: the end of the wait
    targets: list[ProbeTarget] = field(default_factory=list)
    probes: int = 0  # sent so far
    confirmed_at: float = 0.0
    drain_until: float = 0.0  # after the old apps left the routes: requests in flight finish on them
    split: bool = False  # routers were seen disagreeing: some have learnt a change, others not yet
    done: bool = False


@dataclass
class Unmapped:
    """A productive route an old app was taken off (recorded before the change, for the route check)."""

    host: str
    path: str
    app_guid: str
    app: str
    instances: int


@dataclass
class DeploymentPlan:
    scheme: str = PLAIN
    default_domain: str = ""
    live_color: str = ""  # COLORS: the colour serving before this operation ("" = none)
    idle_color: str = ""  # COLORS: the colour this operation deploys
    live_version: bool = False  # a version serves productive traffic: temporary routes, pause and switch
    detected: bool = False
    deployed: list[DeployedApp] = field(default_factory=list)
    kept_found: list[KeptFound] | None = None  # detect's look at the kept apps (None: not looked yet)
    domains: dict[str, str] = field(default_factory=dict)  # name -> guid, looked up once
    service_guids: dict[str, str] = field(default_factory=dict)  # name -> guid, looked up once
    live_droplets: dict[str, str] | None = None  # deployed app guid -> its droplet, looked up once for all
    services: dict[str, ServiceWork] = field(default_factory=dict)  # by resource
    apps: dict[str, AppWork] = field(default_factory=dict)  # deploy-apps, by module
    live: dict[str, AppWork] = field(default_factory=dict)  # prepare-live, by module
    removals: dict[str, Removal] = field(default_factory=dict)  # by app guid
    deletions: dict[str, Pending] = field(default_factory=dict)  # services being deleted, by guid
    pending: dict[str, Pending] = field(default_factory=dict)  # jobs a step waits for, by step name
    checks: dict[str, RouteCheck] = field(default_factory=dict)  # waits for the routers, by step name
    unmapped: list[Unmapped] = field(default_factory=list)  # old apps taken off productive routes
    said: list[str] = field(default_factory=list)  # one-time progress lines already shown
    resumed: bool = False  # the user resumed: the pause lets the operation past it
    renamed_idle: bool = False  # IDLE_LIVE: X-idle was renamed to X
    steps_done: list[str] = field(default_factory=list)  # steps whose one-time work is complete
    tasks: dict[str, TaskRun] = field(default_factory=dict)  # hooks and `tasks`, by app guid/moment/name
    scaling: dict[str, Scaling] = field(default_factory=dict)  # incremental blue-green, by module
    stops: dict[str, OldAppStop] = field(default_factory=dict)  # old apps being stopped, by app guid
    smoke: SmokeWork = field(default_factory=SmokeWork)
    backups: dict[str, BackupRecord] = field(default_factory=dict)  # old apps to keep, by app guid

    # -- names --------------------------------------------------------------------------------------

    def new_app_name(self, spec: AppSpec) -> str:
        """The current name of the app this operation deploys for `spec`."""
        if self.scheme == COLORS:
            return colors.colored_name(spec.name, self.idle_color)
        if self.scheme == IDLE_LIVE and self.live_version and not self.renamed_idle:
            return spec.name + IDLE_SUFFIX
        return spec.name

    @property
    def blue_green(self) -> bool:
        return self.scheme in (COLORS, IDLE_LIVE)

    def once(self, key: str) -> bool:
        """True the first time a one-time note `key` is asked for (then remembered)."""
        if key in self.said:
            return False
        self.said.append(key)
        return True

    # -- persistence --------------------------------------------------------------------------------

    def plain(self) -> dict[str, Any]:
        return to_plain(self)

    @classmethod
    def of(cls, plain: dict[str, Any]) -> DeploymentPlan:
        return from_plain(cls, plain or {})
