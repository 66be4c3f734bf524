"""What the engine deploys: the resolved, platform-ready form of an MTA.

The mta package turns an archive (or a directory) plus extension descriptors plus a PlatformContext into a
DeploymentModel. Everything here is plain data: no placeholders, no references, names final (namespace
applied, colour suffix NOT applied - the engine adds `-blue`/`-green`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Phase = Literal["live", "idle"]
ServiceKind = Literal["managed", "user-provided", "existing-service", "existing-service-key"]


@dataclass(frozen=True)
class PlatformContext:
    """Facts about the target that placeholders like ${org} or ${default-domain} resolve to."""

    org: str
    space: str
    user: str
    default_domain: str
    api_url: str  # scheme gives ${protocol}
    namespace: str = ""
    apply_namespace_app_names: bool = True
    apply_namespace_service_names: bool = True
    apply_namespace_app_routes: bool = True
    apply_namespace_as_suffix: bool = False
    # Added by mta/: True when the four apply_namespace_* values came from command-line flags, which then win
    # over the descriptor's `apply-namespace` parameters (otherwise the descriptor decides, these are defaults).
    apply_namespace_explicit: bool = False
    # The switches ("app-names", "service-names", "app-routes", "as-suffix") given one by one on the command
    # line (`--apply-namespace-app-names true`, ...): each wins over the descriptor, as in the deploy service.
    apply_namespace_given: tuple[str, ...] = ()
    org_guid: str = ""  # ${org-guid}
    space_guid: str = ""  # ${space-guid}
    authorization_url: str = ""  # ${authorization-url}
    # ${timestamp} (yyyyMMddHHmmss) and the seed of ${generated-user}/${generated-password}: pass the same values
    # to every resolve() of one operation (idle phase, resume) so they do not change between phases.
    timestamp: str = ""  # "" = now (UTC)
    seed: str = ""  # "" = random per resolve() call


@dataclass(frozen=True)
class Route:
    host: str  # "" when no-hostname
    domain: str
    path: str = ""  # "" or "/segment..."
    protocol: str | None = field(default=None, compare=False)  # app protocol of the route ("http2"), if given

    @property
    def url(self) -> str:
        base = f"{self.host}.{self.domain}" if self.host else self.domain
        return base + self.path


@dataclass(frozen=True)
class HealthCheck:
    type: Literal["port", "process", "http"]
    endpoint: str | None = None
    timeout_s: int | None = None
    invocation_timeout_s: int | None = None
    interval_s: int | None = None  # seconds between checks (`health-check-interval`)


@dataclass(frozen=True)
class ServiceBinding:
    service_name: str  # final CF service instance name
    resource: str  # MTA resource name
    parameters: dict | None = None  # binding `config`
    binding_name: str | None = None


@dataclass(frozen=True)
class TaskSpec:
    """A one-off command run as a Cloud Controller task in the app's droplet (`tasks`, hooks of type task)."""

    name: str
    command: str
    memory_mb: int | None = None  # None: CC's default
    disk_mb: int | None = None


@dataclass(frozen=True)
class HookSpec:
    """A module hook: its task runs at each of `phases` (the deploy service's phase names, validated)."""

    name: str
    phases: list[str]
    task: TaskSpec


@dataclass(frozen=True)
class SmokeCheck:
    """One `bg-smoke-tests` entry: an HTTP GET the engine sends to each of the module's temporary routes
    before the pause; it passes on the expected status (and body text), else it is tried `retries` more times."""

    path: str = "/"
    expect_status: int = 200
    expect_body: str | None = None  # a substring of the answer
    timeout_ms: int = 10_000  # one request
    retries: int = 0


@dataclass(frozen=True)
class ContentRef:
    """Where a module's bits are in the archive: a zip entry, or a directory prefix."""

    entry: str  # e.g. "web.zip" or "web/"
    is_directory: bool


@dataclass
class AppSpec:
    module: str
    name: str  # app name before the colour suffix
    content: ContentRef | None
    module_type: str = ""
    buildpacks: list[str] = field(default_factory=list)
    stack: str | None = None
    docker_image: str | None = None
    memory_mb: int | None = None
    disk_mb: int | None = None
    instances: int | None = None
    command: str | None = None
    health_check: HealthCheck | None = None
    readiness_check: HealthCheck | None = None  # `readiness-health-check-*` (no `timeout_s`)
    env: dict[str, str] = field(default_factory=dict)  # values are strings (maps/lists as JSON)
    routes: list[Route] = field(default_factory=list)  # productive routes
    idle_routes: list[Route] = field(default_factory=list)  # temporary routes (blue-green)
    no_route: bool = False
    bindings: list[ServiceBinding] = field(default_factory=list)
    existing_key_env: dict[str, tuple[str, str]] = field(default_factory=dict)  # env var -> (service, key)
    no_start: bool | None = None  # module `no-start`; None = follow the --no-start flag
    start_timeout_s: int | None = None
    stage_timeout_s: int | None = None
    upload_timeout_s: int | None = None
    deployed_after: list[str] | None = None  # v3; None = not given
    provided_dependencies: list[str] = field(default_factory=list)
    keep_existing_routes: bool = False
    restart_on_env_change: bool = True
    # Added by mta/:
    docker_credentials: dict | None = None  # {"username": ..., "password": ...}
    keep_existing_env: bool = False
    keep_existing_bindings: bool = False
    features: dict[str, bool] = field(default_factory=dict)  # CF app features (`app-features`, `enable-ssh`)
    restart_on: dict[str, bool] = field(default_factory=dict)  # vcap-application / vcap-services / user-provided
    tasks: list[TaskSpec] = field(default_factory=list)  # `tasks`: run once the app is deployed (not on resume)
    hooks: list[HookSpec] = field(default_factory=list)  # schema 3 `hooks`, parameters resolved for the phase
    task_timeout_s: int | None = None  # `task-execution-timeout`, else the global `apps-task-execution-timeout`
    smoke_tests: list[SmokeCheck] = field(default_factory=list)  # `bg-smoke-tests`: checked before the pause


@dataclass
class ServiceKeySpec:
    name: str
    parameters: dict | None = None


@dataclass
class ServiceSpec:
    resource: str
    name: str  # final CF service instance name
    kind: ServiceKind
    offering: str | None = None  # managed
    plan: str | None = None  # managed
    broker: str | None = None  # managed `service-broker`: the broker whose offering it is (None: any)
    parameters: dict | None = None  # managed `config`
    tags: list[str] = field(default_factory=list)
    credentials: dict | None = None  # user-provided `config`
    syslog_drain_url: str | None = None
    route_service_url: str | None = None
    service_keys: list[ServiceKeySpec] = field(default_factory=list)
    key_name: str | None = None  # existing-service-key: the key to read
    optional: bool = False
    processed_after: list[str] | None = None
    # `skip-service-updates`: the aspects ("parameters", "plan", "tags", "syslog-drain-url") never updated.
    skip_updates: list[str] = field(default_factory=list)
    # `fail-on-service-update`: aspect ("parameters", "plan", "tags") -> fail (True) or go on (False) when its
    # update fails; an aspect not named keeps the service's default (a refused request fails, a failed broker
    # operation is only warned about).
    fail_on: dict[str, bool] = field(default_factory=dict)


@dataclass
class DeploymentModel:
    mta_id: str
    version: str
    schema_version: str
    namespace: str
    apps: list[AppSpec]  # in deploy order (see waves for parallelism)
    services: list[ServiceSpec]
    waves: list[list[str]]  # module names; modules in one wave may deploy in parallel
    service_batches: list[list[str]]  # resource names; one batch at a time, in parallel inside
    warnings: list[str] = field(default_factory=list)
    # Added by mta/: modules with `skip-deploy: true` (the deploy service undeploys their existing apps) and
    # whether modules deploy in parallel waves (`enable-parallel-deployments`, schema 3).
    skipped_modules: list[str] = field(default_factory=list)
    parallel: bool = False
    # Every module name of the deployment descriptor (after extensions), selected or not, in descriptor order:
    # what a partial deploy (`-m`) may name, known without reopening the archive.
    descriptor_modules: list[str] = field(default_factory=list)
    # The global `bg-dependency-aware-stop-order`: old apps stop consumers first (as --dependency-aware-stop-order).
    dependency_aware_stop_order: bool = False

    def app(self, module: str) -> AppSpec:
        return next(a for a in self.apps if a.module == module)
