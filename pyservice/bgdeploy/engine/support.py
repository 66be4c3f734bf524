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
    "tasks", "hooks", "task_timeout_s",
})
USED_SERVICE_FIELDS = frozenset({
    "resource", "name", "kind", "offering", "plan", "parameters", "tags", "credentials", "syslog_drain_url",
    "route_service_url", "service_keys", "optional", "skip_updates", "fail_on", "key_name", "processed_after", "broker",
})
# Service keys in the environment and kept bindings (the services part of issue 14) take effect.
USED_APP_FIELDS |= {"existing_key_env", "keep_existing_bindings"}

AppCheck = Callable[[AppSpec], str | None]
ServiceCheck = Callable[[ServiceSpec], str | None]

# Fields the engine does not act on yet: a warning when the descriptor sets them.
WARNED_APP_FIELDS: dict[str, AppCheck] = {
    "keep_existing_routes": lambda a: (f'module "{a.module}": "keep-existing-routes" is not supported; routes not in '
                                       "the descriptor are unmapped") if a.keep_existing_routes else None,
    "restart_on_env_change": lambda a: None,  # the summary of `restart_on`, warned about there
    "restart_on": lambda a: (f'module "{a.module}": "restart-on-env-change" is not supported; an app restarts on '
                             "every env change") if not all(a.restart_on.values()) else None,
    "docker_credentials": lambda a: None,  # only with docker_image, which is refused at pre-flight
    "keep_existing_env": lambda a: (f'module "{a.module}": "keep-existing: env" is not supported; the environment '
                                    "is set as the descriptor says") if a.keep_existing_env else None,
    "features": lambda a: (f'module "{a.module}": app features ({", ".join(sorted(a.features))}) are not set; '
                           "ignored") if a.features else None,
}
WARNED_SERVICE_FIELDS: dict[str, ServiceCheck] = {}


def refused(model: DeploymentModel) -> list[str]:
    """Settings the engine cannot honour at all: the operation is refused before it starts."""
    return [f'module "{a.module}": docker images ("parameters.docker") are not supported yet'
            for a in model.apps if a.docker_image]


def unsupported(model: DeploymentModel) -> list[str]:
    found = [text for app in model.apps for check in WARNED_APP_FIELDS.values() if (text := check(app))]
    found += [text for svc in model.services for check in WARNED_SERVICE_FIELDS.values() if (text := check(svc))]
    return found
