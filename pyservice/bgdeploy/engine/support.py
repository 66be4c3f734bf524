"""What the engine does with each field of the resolved model: every field is either used by a step, or
its setting is turned into a warning the user sees. Nothing resolved is dropped in silence; a test keeps
this table complete when the model grows.
"""

from __future__ import annotations

from collections.abc import Callable

from bgdeploy.mta.model import AppSpec, DeploymentModel, ServiceSpec

# Fields the steps (or pre-flight / metadata) act on.
USED_APP_FIELDS = frozenset({
    "module", "name", "content", "module_type", "buildpacks", "stack", "docker_image", "memory_mb", "disk_mb",
    "instances", "command", "health_check", "env", "routes", "idle_routes", "no_route", "bindings", "no_start",
    "start_timeout_s", "stage_timeout_s", "upload_timeout_s", "deployed_after", "provided_dependencies",
    "tasks", "hooks", "task_timeout_s", "docker_credentials", "keep_existing_env", "keep_existing_routes",
    "restart_on", "restart_on_env_change", "features", "readiness_check", "smoke_tests", "existing_key_env",
    "keep_existing_bindings",
})
USED_SERVICE_FIELDS = frozenset({
    "resource", "name", "kind", "offering", "plan", "parameters", "tags", "credentials", "syslog_drain_url",
    "route_service_url", "service_keys", "optional", "skip_updates", "fail_on", "key_name", "processed_after", "broker",
})

AppCheck = Callable[[AppSpec], str | None]
ServiceCheck = Callable[[ServiceSpec], str | None]

# Fields the engine does not act on yet: a warning when the descriptor sets them (none today; the table
# stays so that a field added to the model is either used or warned about).
WARNED_APP_FIELDS: dict[str, AppCheck] = {}
WARNED_SERVICE_FIELDS: dict[str, ServiceCheck] = {}


def refused(model: DeploymentModel) -> list[str]:
    """Settings the engine cannot honour at all: the operation is refused before it starts."""
    return [f'module "{a.module}": "parameters.docker" has a "username" but no "password"; give the password in '
            "an extension descriptor (-e) or as a secure parameter (--require-secure-parameters)"
            for a in model.apps if a.docker_credentials and not a.docker_credentials.get("password")]


def unsupported(model: DeploymentModel) -> list[str]:
    found = [text for app in model.apps for check in WARNED_APP_FIELDS.values() if (text := check(app))]
    found += [text for svc in model.services for check in WARNED_SERVICE_FIELDS.values() if (text := check(svc))]
    return found
