"""The deploy flags that reach the engine, typed (one field per `DeployOptions` field of the proto).

Zero values mean "not set", as in the proto, except where the proto field is `optional` (None = not set).
Stored with the operation as a plain dict (only what differs from the defaults).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bgdeploy.codec import from_plain, to_plain

INCREMENTAL = "incremental-blue-green"


@dataclass(frozen=True)
class DeployOptions:
    apps_start_timeout_s: int = 0
    apps_stage_timeout_s: int = 0
    apps_upload_timeout_s: int = 0
    apps_task_execution_timeout_s: int = 0
    version_rule: str = ""  # SAME_HIGHER (default), HIGHER, ALL
    no_start: bool = False
    namespace: str = ""
    delete_services: bool = False
    delete_service_keys: bool = False
    keep_files: bool = False
    no_restart_subscribed_apps: bool = False
    abort_on_error: bool = False
    no_confirm: bool = False  # skip the pause before the switch
    skip_idle_start: bool = False
    strategy: str = ""  # "default", "blue-green" or "incremental-blue-green"
    modules: list[str] = field(default_factory=list)  # -m
    resources: list[str] = field(default_factory=list)  # -r
    all_modules: bool = False
    all_resources: bool = False
    keep_original_app_names: bool = False  # deploy --strategy blue-green (idle/live names)
    dependency_aware_stop_order: bool = False  # old apps stop consumers first (`deployed-after`)
    # --apply-namespace-app-names/-service-names/-app-routes/-as-suffix: "true", "false" or "" (not given)
    apply_namespace_app_names: str = ""
    apply_namespace_service_names: str = ""
    apply_namespace_app_routes: str = ""
    apply_namespace_as_suffix: str = ""
    smoke_tests: int = 0  # how many --smoke-test commands the shim runs before the pause (the shim keeps them)
    smoke_test_timeout_s: int = 0  # each one's limit (0: the default)
    backup_previous_version: bool = False  # on resume the old apps are kept (stopped, unmapped) for rollback-mta
    backup_ttl_s: int = 0  # how long they count as a rollback target (0: the default)

    # Waiting for the routers (engine/route_check.py); unset values take the engine's defaults.
    route_check: str = ""  # probe (default) | timer | none
    drain_seconds: int | None = None  # after the old apps left the routes, before they stop (0 is a value)
    route_check_probes: int = 0  # consecutive confirming rounds of probes per route and instance
    route_check_spread_ms: int = 0  # the shortest time those probes span
    route_check_timeout_s: int = 0  # how long one wait for the routers may take

    @property
    def incremental(self) -> bool:
        """--strategy incremental-blue-green: the new app starts on 1 instance and takes over one at a time."""
        return self.strategy == INCREMENTAL

    @property
    def apply_namespace(self) -> dict[str, bool]:
        """The apply-namespace switches given on the command line, by their descriptor names."""
        given = {"app-names": self.apply_namespace_app_names, "service-names": self.apply_namespace_service_names,
                 "app-routes": self.apply_namespace_app_routes, "as-suffix": self.apply_namespace_as_suffix}
        return {k: v == "true" for k, v in given.items() if v}

    def plain(self) -> dict[str, Any]:
        defaults = to_plain(DeployOptions())
        return {k: v for k, v in to_plain(self).items() if v != defaults[k]}

    @classmethod
    def of(cls, plain: dict[str, Any]) -> DeployOptions:
        return from_plain(cls, plain)
