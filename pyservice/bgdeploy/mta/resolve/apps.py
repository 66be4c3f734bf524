"""AppSpecs: one per selected module without `skip-deploy`, from its resolved values.

Productive routes come from the live pass even in the idle phase, so `AppSpec.routes` is the same in both
phases; everything else (env, idle routes, bindings) comes from the current phase's values.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from ..descriptor import Descriptor, Module, Params
from ..model import AppSpec, HealthCheck, ServiceBinding, ServiceSpec
from ..units import boolean, integer, size_mb
from ..yamlload import child_path
from .inputs import ArchiveFiles, Selection
from .module_warnings import module_warnings
from .smoke import smoke_checks
from .tasks import module_hooks, module_tasks, task_timeout
from .values import ModuleValues, PassValues, string_list

# Module parameters that end up in the DEPLOY_ATTRIBUTES environment variable, as the deploy service does.
APP_ATTRIBUTES = (
    "check-deploy-id",
    "create-service-broker",
    "dependency-type",
    "execute-app",
    "failure-marker",
    "no-start",
    "register-service-url",
    "register-service-url-service-name",
    "service-broker-name",
    "service-broker-password",
    "service-broker-space-scoped",
    "service-broker-url",
    "service-broker-user",
    "stop-app",
    "success-marker",
)


def build_apps(
    d: Descriptor,
    selection: Selection,
    current: PassValues,
    live: PassValues,
    services: dict[str, ServiceSpec],
    archive: ArchiveFiles | None,
) -> tuple[list[AppSpec], list[str], list[str]]:
    """The apps in descriptor order, the modules skipped by `skip-deploy`, and warnings about the apps."""
    apps, skipped, warnings = [], [], []
    for m in d.modules:
        if m.name not in selection.modules:
            continue
        values = current.modules[m.name]
        if boolean(values.parameters.get("skip-deploy")):
            skipped.append(m.name)
            continue
        warnings.extend(module_warnings(m, values.parameters))
        apps.append(build_app(d, m, values, live.modules[m.name], current.globals, services, archive))
    return apps, skipped, warnings


def build_app(
    d: Descriptor,
    m: Module,
    values: ModuleValues,
    live: ModuleValues,
    globals_: Params,
    services: dict[str, ServiceSpec],
    archive: ArchiveFiles | None,
) -> AppSpec:
    params = values.parameters
    where = child_path(m.where, "parameters")

    def convert(key: str, fn: Callable[[Any], Any]) -> Any:
        try:
            return fn(params.get(key))
        except ValueError as exc:
            raise d.error(str(exc), child_path(where, key)) from None

    if boolean(params.get("execute-app")):
        raise d.error('run-to-completion modules ("execute-app") are not supported', child_path(where, "execute-app"))
    content = archive.module_content(m.name) if archive is not None else None
    app = AppSpec(module=m.name, name=params["app-name"], content=content, module_type=m.type)
    if params.get("buildpacks") is not None:
        app.buildpacks = string_list(d, params["buildpacks"], child_path(where, "buildpacks"))
    elif params.get("buildpack") is not None:
        app.buildpacks = string_list(d, params["buildpack"], child_path(where, "buildpack"))
    app.stack = params.get("stack")
    docker = params.get("docker")
    if docker is not None:
        if not isinstance(docker, dict) or not isinstance(docker.get("image"), str):
            raise d.error('must be a map with an "image"', child_path(where, "docker"))
        app.docker_image = docker["image"]
        if docker.get("username") is not None:
            app.docker_credentials = {"username": docker.get("username"), "password": docker.get("password")}
    app.memory_mb = convert("memory", size_mb)
    app.disk_mb = convert("disk-quota", size_mb)
    app.instances = convert("instances", integer)
    command = params.get("command")
    app.command = None if command is None else str(command)
    app.health_check = health_check(d, params, where)
    app.readiness_check = health_check(d, params, where, "readiness-health-check")
    app.no_route = convert("no-route", boolean) is True
    app.routes = list(live.live_routes)
    app.idle_routes = list(values.idle_routes)
    app.no_start = convert("no-start", boolean)
    # A module's own timeout (`start-timeout`, or `apps-start-timeout` on the module) wins over the
    # descriptor-wide `apps-*-timeout`.
    app.start_timeout_s = (convert("start-timeout", integer) or convert("apps-start-timeout", integer)
                           or _int_or_none(globals_.get("apps-start-timeout")))
    app.stage_timeout_s = (convert("stage-timeout", integer) or convert("apps-stage-timeout", integer)
                           or _int_or_none(globals_.get("apps-stage-timeout")))
    app.upload_timeout_s = (convert("upload-timeout", integer) or convert("apps-upload-timeout", integer)
                            or _int_or_none(globals_.get("apps-upload-timeout")))
    app.deployed_after = m.deployed_after
    app.provided_dependencies = [p.name for p in m.provides]
    keep = params.get("keep-existing") if isinstance(params.get("keep-existing"), dict) else {}
    app.keep_existing_routes = bool(
        boolean(params.get("keep-existing-routes"))
        or keep.get("routes") is True
        or (params.get("keep-existing-routes") is None and boolean(globals_.get("keep-existing-routes")))
    )
    app.keep_existing_env = keep.get("env") is True
    app.keep_existing_bindings = keep.get("service-bindings") is True
    restart = params.get("restart-on-env-change")
    restart = restart if isinstance(restart, dict) else {}
    app.restart_on = {k: restart.get(k) is not False for k in ("vcap-application", "vcap-services", "user-provided")}
    app.restart_on_env_change = app.restart_on["user-provided"]
    app.features = _features(params)
    app.tasks = module_tasks(d, params, where)
    app.hooks = module_hooks(d, m, values)
    app.task_timeout_s = task_timeout(d, params, globals_, where)
    app.smoke_tests = smoke_checks(d, params, where)
    app.env = app_env(m, values)
    app.bindings, app.existing_key_env = service_bindings(d, m, values, services, archive)
    return app


def health_check(d: Descriptor, params: Params, where: str, prefix: str = "health-check") -> HealthCheck | None:
    """The liveness check (`health-check-*`), or with prefix `readiness-health-check` the readiness one
    (which has no `timeout`; an unset type is `process`, as on Cloud Foundry)."""
    readiness = prefix != "health-check"
    kind = params.get(f"{prefix}-type")
    endpoint = params.get(f"{prefix}-http-endpoint")
    timeout = None if readiness else params.get(f"{prefix}-timeout")
    invocation = params.get(f"{prefix}-invocation-timeout")
    interval = params.get(f"{prefix}-interval")
    if kind is None and endpoint is None and timeout is None and invocation is None and interval is None:
        return None
    if kind is None:
        kind = "http" if endpoint is not None else "process" if readiness else "port"
    if kind not in ("port", "process", "http"):
        raise d.error('must be "port", "process" or "http"', child_path(where, f"{prefix}-type"))
    values = {}
    for key in ("timeout", "invocation-timeout", "interval"):
        try:
            values[key] = integer(params.get(f"{prefix}-{key}"))
        except ValueError as exc:
            raise d.error(str(exc), child_path(where, f"{prefix}-{key}")) from None
    return HealthCheck(
        type=kind,
        endpoint=(str(endpoint) if endpoint is not None else "/") if kind == "http" else None,
        timeout_s=None if readiness else values["timeout"],
        invocation_timeout_s=values["invocation-timeout"],
        interval_s=values["interval"],
    )


def app_env(m: Module, values: ModuleValues) -> dict[str, str]:
    """DEPLOY_ATTRIBUTES, the module's properties, then each requires entry's properties (or its group)."""
    params = values.parameters
    env: dict[str, Any] = {}
    attributes = {k: params[k] for k in APP_ATTRIBUTES if k in m.parameters and params.get(k) is not None}
    if attributes:
        env["DEPLOY_ATTRIBUTES"] = attributes
    env.update({k: val for k, val in values.properties.items() if val is not None})
    groups: dict[str, list[Any]] = {}
    for req, (_, props) in zip(m.requires, values.requires, strict=True):
        props = {k: val for k, val in props.items() if val is not None}
        group = req.list or req.group
        if group:
            groups.setdefault(group, []).append({"name": req.name, **props})
        else:
            env.update(props)
    env.update(groups)
    return {k: _env_text(env[k]) for k in sorted(env)}


def service_bindings(
    d: Descriptor, m: Module, values: ModuleValues, services: dict[str, ServiceSpec], archive: ArchiveFiles | None
) -> tuple[list[ServiceBinding], dict[str, tuple[str, str]]]:
    """Bindings to the module's required services, and env vars filled from existing service keys."""
    bindings: list[ServiceBinding] = []
    key_env: dict[str, tuple[str, str]] = {}
    for req, (req_params, _) in zip(m.requires, values.requires, strict=True):
        resource = d.resource(req.name)
        if resource is None:
            continue
        spec = services.get(req.name)
        if spec is None:
            continue  # inactive, not selected, plain properties, or an optional unsupported type
        if spec.kind == "existing-service-key":
            env_name = req_params.get("env-var-name") or spec.key_name
            key_env[str(env_name)] = (spec.name, spec.key_name or req.name)
            continue
        config = req_params.get("config")
        if config is not None and not isinstance(config, dict):
            raise d.error("must be a map", child_path(child_path(req.where, "parameters"), "config"))
        from_file = archive.requires_config(m.name, req.name) if archive is not None else None
        if from_file is not None:
            config = {**from_file, **(config or {})}
        binding_name = req_params.get("binding-name")
        bindings.append(
            ServiceBinding(
                service_name=spec.name,
                resource=req.name,
                parameters=config,
                binding_name=str(binding_name) if binding_name is not None else None,
            )
        )
    return bindings, key_env


def _features(params: Params) -> dict[str, bool]:
    """CF app features from `app-features`; the older `enable-ssh` only when `ssh` is not named there."""
    features = params.get("app-features")
    result = {k: bool(val) for k, val in features.items()} if isinstance(features, dict) else {}
    if params.get("enable-ssh") is not None and "ssh" not in result:
        result["ssh"] = boolean(params.get("enable-ssh")) is True
    return result


def _int_or_none(value: Any) -> int | None:
    try:
        return integer(value)
    except ValueError:
        return None


def _env_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, separators=(",", ":"))
