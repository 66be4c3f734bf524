"""Turn a descriptor (+ extension descriptors + platform facts) into the DeploymentModel the engine deploys.

Steps, as the deploy service orders them: merge the extension chain; inject system parameters under the
user's; resolve `${...}` in parameters, then (blue-green idle phase) rewrite `routes` to temporary routes for
what properties and `provides` read; resolve `${...}` in properties; resolve `~{...}` references; unescape;
then build apps, services, order and batches. Productive routes always come from a live-phase resolution,
so `AppSpec.routes` is the same in both phases.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Protocol

from bgdeploy.errors import ContentError

from . import platform, routes, system
from .descriptor import Dependency, Descriptor, ExtensionDescriptor, Module, Params, Requires, Resource
from .extensions import merge_extensions
from .model import (
    AppSpec,
    ContentRef,
    DeploymentModel,
    HealthCheck,
    Phase,
    PlatformContext,
    ServiceBinding,
    ServiceKeySpec,
    ServiceSpec,
)
from .names import (
    APP_NAME_MAX_LENGTH,
    SERVICE_NAME_MAX_LENGTH,
    has_namespace,
    namespaced,
)
from .ordering import levels, requires_order
from .placeholders import Scope, UnresolvedPlaceholder, unescape
from .placeholders import resolve as resolve_placeholders
from .references import Provider, ReferenceContext, ReferenceResolver, UnresolvedReference
from .units import boolean, integer, size_mb
from .yamlload import child_path

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
UPDATE_ASPECTS = ["parameters", "plan", "tags", "keys"]


class ArchiveFiles(Protocol):
    """What resolve() reads from an archive besides the descriptor (MTA-Resource / MTA-Requires JSON)."""

    def module_content(self, module: str) -> ContentRef | None: ...
    def resource_config(self, resource: str) -> dict | None: ...
    def requires_config(self, module: str, requirement: str) -> dict | None: ...


def resolve(
    descriptor: Descriptor,
    extensions: list[ExtensionDescriptor],
    ctx: PlatformContext,
    phase: Phase,
    *,
    selected_modules: list[str] | None = None,
    selected_resources: list[str] | None = None,
    archive: ArchiveFiles | None = None,
) -> DeploymentModel:
    if phase not in ("live", "idle"):
        raise ValueError(f"phase must be 'live' or 'idle', not {phase!r}")
    merged = merge_extensions(descriptor, extensions)
    return _Builder(merged, ctx, phase, selected_modules, selected_resources, archive).build()


# ---------------------------------------------------------------------------------------------------------------
# One resolution pass (live or idle values)


@dataclass
class _ModuleValues:
    parameters: Params
    properties: Params
    requires: list[tuple[Params, Params]]  # (parameters, properties) per requires entry
    provides: list[tuple[Params, Params]]
    live_routes: list = field(default_factory=list)
    idle_routes: list = field(default_factory=list)


@dataclass
class _ResourceValues:
    parameters: Params
    properties: Params
    requires: list[tuple[Params, Params]]


@dataclass
class _Pass:
    globals: Params
    modules: dict[str, _ModuleValues]
    resources: dict[str, _ResourceValues]


class _Builder:
    def __init__(
        self,
        d: Descriptor,
        ctx: PlatformContext,
        phase: Phase,
        selected_modules: list[str] | None,
        selected_resources: list[str] | None,
        archive: ArchiveFiles | None,
    ) -> None:
        self.d = d
        self.ctx = ctx
        self.phase = phase
        self.archive = archive
        self.generated = system.Generated.for_context(ctx)
        self.warnings: list[str] = []
        self.selected_modules = self._selection(selected_modules, [m.name for m in d.modules], "module")
        self.selected_resources = self._selection(selected_resources, [r.name for r in d.resources], "resource")
        self.ns_global = self._namespace_settings(d.parameters.get("apply-namespace"), "parameters.apply-namespace")

    # -- small helpers ---------------------------------------------------------------------------------------
    def _selection(self, wanted: list[str] | None, names: list[str], what: str) -> set[str]:
        if wanted is None:
            return set(names)
        unknown = [w for w in wanted if w not in names]
        if unknown:
            raise ContentError(
                f'{what} "{unknown[0]}" was selected but the descriptor has no such {what}', file=self.d.file_name
            )
        return set(wanted)

    def fail(self, message: str, path: str) -> ContentError:
        return self.d.error(message, path)

    def _namespace_settings(self, raw: Any, path: str) -> dict[str, bool]:
        """`apply-namespace: <bool>` or `{app-names, service-names, app-routes, as-suffix}` as given."""
        if raw is None:
            return {}
        if isinstance(raw, bool):
            return {"app-names": raw, "service-names": raw, "app-routes": raw}
        if isinstance(raw, dict):
            result = {}
            for key in ("app-names", "service-names", "app-routes", "as-suffix"):
                if key in raw:
                    if not isinstance(raw[key], bool):
                        raise self.fail("must be true or false", child_path(path, key))
                    result[key] = raw[key]
            return result
        raise self.fail("must be true, false or a map of app-names/service-names/app-routes/as-suffix", path)

    def _ns_flag(self, key: str, local: bool | None = None) -> bool:
        ctx_value = {
            "app-names": self.ctx.apply_namespace_app_names,
            "service-names": self.ctx.apply_namespace_service_names,
            "app-routes": self.ctx.apply_namespace_app_routes,
            "as-suffix": self.ctx.apply_namespace_as_suffix,
        }[key]
        if self.ctx.apply_namespace_explicit:
            return ctx_value
        if local is not None:
            return local
        return self.ns_global.get(key, ctx_value)

    def ns_rules(self) -> system.NamespaceRules:
        return system.NamespaceRules(
            namespace=self.ctx.namespace,
            app_names=self._ns_flag("app-names"),
            service_names=self._ns_flag("service-names"),
            app_routes=self._ns_flag("app-routes"),
            as_suffix=self._ns_flag("as-suffix"),
        )

    def _local_apply(self, params: Params, where: str) -> bool | None:
        raw = params.get("apply-namespace")
        if raw is None:
            return None
        if not isinstance(raw, bool):
            raise self.fail("must be true or false", child_path(child_path(where, "parameters"), "apply-namespace"))
        return raw

    # -- checks before resolution ----------------------------------------------------------------------------
    def _check_read_only(self) -> None:
        for key in self.d.parameters:
            if key in system.READ_ONLY_GLOBAL or key in system.READ_ONLY_MODULE:
                raise self.fail(f'"{key}" is a read-only system parameter and cannot be set', f"parameters.{key}")
        for m in self.d.modules:
            for key in m.parameters:
                if key in system.READ_ONLY_MODULE or key in system.READ_ONLY_GLOBAL:
                    raise self.fail(
                        f'"{key}" is a read-only system parameter and cannot be set',
                        child_path(child_path(m.where, "parameters"), key),
                    )
        for r in self.d.resources:
            for key in r.parameters:
                if key in system.READ_ONLY_RESOURCE or key in system.READ_ONLY_GLOBAL:
                    raise self.fail(
                        f'"{key}" is a read-only system parameter and cannot be set',
                        child_path(child_path(r.where, "parameters"), key),
                    )

    # -- the passes ------------------------------------------------------------------------------------------
    def _resolve_dependency(self, dep: Dependency, base: Params, scope_tail: list[Params]) -> tuple[Params, Params]:
        """A requires/provides entry: its parameters see the module's, its properties see its parameters."""
        params = self._resolve_map(dep.parameters, Scope([dep.parameters, base, *scope_tail]), dep.where, "parameters")
        props = self._resolve_map(
            {k: v for k, v in dep.properties.items() if v is not None},
            Scope([params, base, *scope_tail]),
            dep.where,
            "properties",
        )
        return params, props

    def _resolve_map(self, values: Params, scope: Scope, where: str, section: str) -> Params:
        result = {}
        for key, value in values.items():
            try:
                result[key] = resolve_placeholders(value, scope)
            except UnresolvedPlaceholder as exc:
                path = child_path(child_path(where, section), key) if where or section else key
                raise self.fail(_placeholder_message(exc), path) from None
        return result

    def _run(self, idle: bool, live: _Pass | None) -> _Pass:
        d = self.d
        ns = self.ns_rules()
        global_layer = {**system.global_parameters(self.ctx, d.id, d.version, self.generated), **d.parameters}
        global_values = self._resolve_map(global_layer, Scope([global_layer]), "", "parameters")
        modules: dict[str, _ModuleValues] = {}
        for m in d.modules:
            modules[m.name] = self._module_pass(m, idle, ns, global_values, live)
        resources: dict[str, _ResourceValues] = {}
        for r in d.resources:
            resources[r.name] = self._resource_pass(r, ns, global_values)
        result = _Pass(global_values, modules, resources)
        self._resolve_references(result)
        return result

    def _module_pass(
        self, m: Module, idle: bool, ns: system.NamespaceRules, global_values: Params, live: _Pass | None
    ) -> _ModuleValues:
        local = self._local_apply(m.parameters, m.where)
        apply_app = self._ns_flag("app-names", local)
        sys_params = system.module_parameters(self.ctx, m.name, m.parameters, idle, ns, apply_app, self.generated)
        layer = {**sys_params, **{k: v for k, v in m.parameters.items() if v is not None}}
        type_defaults = platform.MODULE_TYPE_DEFAULTS.get(m.type, {})
        params = self._resolve_map(layer, Scope([layer, type_defaults, global_values]), m.where, "parameters")
        for key, value in type_defaults.items():
            params.setdefault(key, value)
        # The final app name (namespace applied to a user-chosen name too) is what ${app-name} reads from here on.
        name = params.get("app-name")
        if not isinstance(name, str) or not name:
            raise self.fail("must be a non-empty string", child_path(child_path(m.where, "parameters"), "app-name"))
        if "app-name" in m.parameters and not has_namespace(name, ns.namespace, as_suffix=ns.as_suffix):
            name = namespaced(
                name, ns.namespace, apply=apply_app, as_suffix=ns.as_suffix, max_length=APP_NAME_MAX_LENGTH
            )
        params["app-name"] = name

        def namespace_host(host: str, entry: dict[str, Any]) -> str:
            apply = entry.get("apply-namespace") if isinstance(entry.get("apply-namespace"), bool) else None
            route_apply = self._ns_flag("app-routes", apply if apply is not None else local)
            if not route_apply or has_namespace(host, ns.namespace, as_suffix=ns.as_suffix):
                return host
            # Hosts built from ${default-host} already carry the namespace.
            if any(host.startswith(str(params.get(k))) for k in ("default-live-host", "default-idle-host")):
                return host
            return namespaced(host, ns.namespace, apply=True, as_suffix=ns.as_suffix, max_length=63)

        try:
            live_routes = routes.live_routes(params, namespace_host)
            idle_routes = routes.idle_routes(params, live_routes)
        except routes.RouteError as exc:
            raise self.fail(str(exc), child_path(child_path(m.where, "parameters"), exc.parameter)) from None

        readable = dict(params)
        if idle and "routes" in m.parameters:
            readable["routes"] = routes.idle_route_entries(params, idle_routes)
        scope_tail = [type_defaults, global_values]
        properties = self._resolve_map(
            {k: v for k, v in m.properties.items() if v is not None},
            Scope([readable, *scope_tail]),
            m.where,
            "properties",
        )
        requires = [self._resolve_dependency(req, readable, scope_tail) for req in m.requires]
        provides = []
        for prov in m.provides:
            use_live = prov.parameters.get("use-live-routes") is True
            base = readable
            if idle and use_live and live is not None:
                base = dict(readable, routes=live.modules[m.name].parameters.get("routes"))
            provides.append(self._resolve_dependency(prov, base, scope_tail))
        return _ModuleValues(params, properties, requires, provides, live_routes, idle_routes)

    def _resource_pass(self, r: Resource, ns: system.NamespaceRules, global_values: Params) -> _ResourceValues:
        local = self._local_apply(r.parameters, r.where)
        apply_services = self._ns_flag("service-names", local)
        default_name = namespaced(
            r.name, ns.namespace, apply=apply_services, as_suffix=ns.as_suffix, max_length=SERVICE_NAME_MAX_LENGTH
        )
        sys_params = system.resource_parameters(self.ctx, r.name, default_name, self.generated)
        layer = {**sys_params, **{k: v for k, v in r.parameters.items() if v is not None}}
        params = self._resolve_map(layer, Scope([layer, global_values]), r.where, "parameters")
        kind = platform.RESOURCE_TYPES.get(r.type or "")
        name = params.get("service-name")
        if (
            "service-name" in r.parameters
            and kind in ("managed", "user-provided")
            and isinstance(name, str)
            and not has_namespace(name, ns.namespace, as_suffix=ns.as_suffix)
        ):
            params["service-name"] = namespaced(
                name, ns.namespace, apply=apply_services, as_suffix=ns.as_suffix, max_length=SERVICE_NAME_MAX_LENGTH
            )
        properties = self._resolve_map(
            {k: v for k, v in r.properties.items() if v is not None},
            Scope([params, global_values]),
            r.where,
            "properties",
        )
        requires = []
        for req in r.requires:
            req_params = self._resolve_map(
                req.parameters, Scope([req.parameters, params, global_values]), req.where, "parameters"
            )
            req_props = self._resolve_map(
                req.properties, Scope([req_params, params, global_values]), req.where, "properties"
            )
            requires.append((req_params, req_props))
        return _ResourceValues(params, properties, requires)

    def _resolve_references(self, p: _Pass) -> None:
        d = self.d
        providers: dict[str, Provider] = {}
        for r in d.resources:
            reason = platform.UNSUPPORTED_RESOURCE_TYPES.get(r.type or "", "")
            providers[r.name] = Provider(
                r.name, p.resources[r.name].properties, frozenset(q.name for q in r.requires), reason
            )
        for m in d.modules:
            allowed = frozenset(q.name for q in m.requires)
            providers.setdefault(m.name, Provider(m.name, p.modules[m.name].properties, allowed))
            for prov, (_, props) in zip(m.provides, p.modules[m.name].provides, strict=True):
                providers[prov.name] = Provider(prov.name, props, allowed)
        refs = ReferenceResolver(providers)

        def run(value: Params, ctx: ReferenceContext, path: str) -> Params:
            result = {}
            for key, item in value.items():
                try:
                    result[key] = unescape(refs.resolve(item, ctx))
                except UnresolvedReference as exc:
                    raise self.fail(str(exc), child_path(path, key)) from None
            return result

        for m in d.modules:
            mv = p.modules[m.name]
            allowed = frozenset(q.name for q in m.requires)
            module_ctx = ReferenceContext(allowed)
            mv.parameters = run(mv.parameters, module_ctx, child_path(m.where, "parameters"))
            mv.properties = run(mv.properties, module_ctx, child_path(m.where, "properties"))
            for i, req in enumerate(m.requires):
                ctx = ReferenceContext(allowed | {req.name}, default=req.name, lenient=req.list is not None)
                params, props = mv.requires[i]
                mv.requires[i] = (
                    run(params, ctx, child_path(req.where, "parameters")),
                    run(props, ctx, child_path(req.where, "properties")),
                )
            for i, prov in enumerate(m.provides):
                params, _ = mv.provides[i]
                props = refs.provider_properties(providers[prov.name]) if providers.get(prov.name) else {}
                mv.provides[i] = (run(params, module_ctx, child_path(prov.where, "parameters")), unescape(props))
        for r in d.resources:
            rv = p.resources[r.name]
            ctx = ReferenceContext(frozenset(q.name for q in r.requires), lenient=bool(r.optional))
            if r.type in platform.UNSUPPORTED_RESOURCE_TYPES:
                continue  # reported when the resource is built; its values may name things we cannot resolve
            rv.parameters = run(rv.parameters, ctx, child_path(r.where, "parameters"))
            try:
                rv.properties = unescape(refs.provider_properties(providers[r.name]))
            except UnresolvedReference as exc:
                raise self.fail(str(exc), child_path(r.where, "properties")) from None
        p.globals = unescape(p.globals)

    # -- building the model ----------------------------------------------------------------------------------
    def build(self) -> DeploymentModel:
        d = self.d
        self._check_read_only()
        self._check_unsupported_types()
        live = self._run(False, None)
        current = live if self.phase == "live" else self._run(True, live)
        services = self._services(current)
        service_names = {s.resource: s for s in services}
        apps, skipped = self._apps(current, live, service_names)
        parallel, waves = self._waves(apps, current)
        ordered = {name: i for i, name in enumerate(n for wave in waves for n in wave)}
        apps.sort(key=lambda a: ordered[a.module])
        return DeploymentModel(
            mta_id=d.id,
            version=d.version,
            schema_version=d.schema_version,
            namespace=self.ctx.namespace,
            apps=apps,
            services=services,
            waves=waves,
            service_batches=self._batches(services),
            warnings=self.warnings,
            skipped_modules=skipped,
            parallel=parallel,
        )

    def _check_unsupported_types(self) -> None:
        for m in self.d.modules:
            if m.name not in self.selected_modules or m.parameters.get("skip-deploy") is True:
                continue
            message = platform.module_type_error(m.type)
            if message:
                raise self.fail(message, child_path(m.where, "type"))
        for r in self.d.resources:
            if r.type is None or r.name not in self.selected_resources or r.active is False:
                continue
            message = platform.resource_type_error(r.type)
            if message:
                if r.optional:
                    self.warnings.append(f'resource "{r.name}" is optional and skipped: {message}')
                    continue
                raise self.fail(message, child_path(r.where, "type"))

    def _services(self, p: _Pass) -> list[ServiceSpec]:
        services = []
        for r in self.d.resources:
            kind = platform.RESOURCE_TYPES.get(r.type or "")
            if kind is None or r.name not in self.selected_resources or r.active is False:
                continue
            services.append(self._service(r, kind, p.resources[r.name].parameters))
        return services

    def _service(self, r: Resource, kind: Any, params: Params) -> ServiceSpec:
        where = child_path(r.where, "parameters")
        name = params.get("service-name")
        if not isinstance(name, str) or not name:
            raise self.fail("must be a non-empty string", child_path(where, "service-name"))
        config = params.get("config")
        if config is not None and not isinstance(config, dict):
            raise self.fail("must be a map", child_path(where, "config"))
        from_file = self.archive.resource_config(r.name) if self.archive is not None else None
        if from_file is not None:
            config = {**from_file, **(config or {})}
        elif params.get("path") or params.get("config-path"):
            self.warnings.append(
                f'resource "{r.name}": the JSON file named by "path"/"config-path" is not in the archive; ignored'
            )
        spec = ServiceSpec(
            resource=r.name,
            name=name,
            kind=kind,
            optional=bool(r.optional),
            processed_after=r.processed_after,
        )
        spec.tags = self._string_list(params.get("service-tags"), child_path(where, "service-tags"))
        if kind == "managed":
            for key in ("service", "service-plan"):
                if not isinstance(params.get(key), str) or not params[key]:
                    raise self.fail(f'Service "{r.name}" has missing required parameter: {key}', child_path(where, key))
            spec.offering = params["service"]
            spec.plan = params["service-plan"]
            spec.parameters = config
            if params.get("service-broker") is not None:
                self.warnings.append(f'resource "{r.name}": "service-broker" is not supported; ignored')
        elif kind == "user-provided":
            spec.credentials = config or {}
            spec.syslog_drain_url = params.get("syslog-drain-url")
            spec.route_service_url = params.get("route-service-url")
        elif kind == "existing-service-key":
            spec.key_name = params.get("service-key-name") or r.name
            if "service-name" not in r.parameters:
                raise self.fail(
                    f'Existing service key resource "{r.name}" needs the "service-name" parameter',
                    child_path(where, "service-name"),
                )
        keys = params.get("service-keys")
        for i, key in enumerate(keys or []):
            if not isinstance(key, dict) or not isinstance(key.get("name"), str):
                raise self.fail('each service key needs a "name"', child_path(child_path(where, "service-keys"), i))
            spec.service_keys.append(ServiceKeySpec(name=key["name"], parameters=key.get("config")))
        spec.skip_updates = self._aspects(
            params.get("skip-service-updates"), False, child_path(where, "skip-service-updates")
        )
        spec.skip_service_updates = spec.skip_updates == UPDATE_ASPECTS
        spec.fail_on_update = self._aspects(
            params.get("fail-on-service-update"), True, child_path(where, "fail-on-service-update")
        )
        spec.fail_on_service_update = spec.fail_on_update == UPDATE_ASPECTS
        return spec

    def _aspects(self, raw: Any, default: bool, path: str) -> list[str]:
        if raw is None:
            return list(UPDATE_ASPECTS) if default else []
        if isinstance(raw, bool):
            return list(UPDATE_ASPECTS) if raw else []
        if isinstance(raw, dict):
            return [a for a in UPDATE_ASPECTS if raw.get(a, default) is True]
        raise self.fail("must be true, false or a map of parameters/plan/tags/keys", path)

    def _string_list(self, raw: Any, path: str) -> list[str]:
        if raw is None:
            return []
        if isinstance(raw, str):
            return [raw]
        if not isinstance(raw, list) or not all(isinstance(x, str | int | float) for x in raw):
            raise self.fail("must be a list of strings", path)
        return [str(x) for x in raw]

    def _apps(self, current: _Pass, live: _Pass, services: dict[str, ServiceSpec]) -> tuple[list[AppSpec], list[str]]:
        apps, skipped = [], []
        for m in self.d.modules:
            if m.name not in self.selected_modules:
                continue
            values = current.modules[m.name]
            if boolean(values.parameters.get("skip-deploy")):
                skipped.append(m.name)
                continue
            apps.append(self._app(m, values, live.modules[m.name], current.globals, services))
        return apps, skipped

    def _app(
        self, m: Module, v: _ModuleValues, live: _ModuleValues, globals_: Params, services: dict[str, ServiceSpec]
    ) -> AppSpec:
        params = v.parameters
        where = child_path(m.where, "parameters")

        def convert(key: str, fn: Any) -> Any:
            try:
                return fn(params.get(key))
            except ValueError as exc:
                raise self.fail(str(exc), child_path(where, key)) from None

        self._module_warnings(m, params)
        if boolean(params.get("execute-app")):
            raise self.fail(
                'run-to-completion modules ("execute-app") are not supported', child_path(where, "execute-app")
            )
        content = self.archive.module_content(m.name) if self.archive is not None else None
        app = AppSpec(module=m.name, name=params["app-name"], content=content, module_type=m.type)
        if params.get("buildpacks") is not None:
            app.buildpacks = self._string_list(params["buildpacks"], child_path(where, "buildpacks"))
        elif params.get("buildpack") is not None:
            app.buildpacks = self._string_list(params["buildpack"], child_path(where, "buildpack"))
        app.stack = params.get("stack")
        docker = params.get("docker")
        if docker is not None:
            if not isinstance(docker, dict) or not isinstance(docker.get("image"), str):
                raise self.fail('must be a map with an "image"', child_path(where, "docker"))
            app.docker_image = docker["image"]
            if docker.get("username") is not None:
                app.docker_credentials = {"username": docker.get("username"), "password": docker.get("password")}
        app.memory_mb = convert("memory", size_mb)
        app.disk_mb = convert("disk-quota", size_mb)
        app.instances = convert("instances", integer)
        command = params.get("command")
        app.command = None if command is None else str(command)
        app.health_check = self._health_check(params, where)
        app.no_route = boolean(params.get("no-route")) is True
        app.routes = list(live.live_routes)
        app.idle_routes = list(v.idle_routes)
        app.no_start = convert("no-start", boolean)
        app.start_timeout_s = convert("start-timeout", integer) or _int_or_none(globals_.get("apps-start-timeout"))
        app.stage_timeout_s = convert("stage-timeout", integer) or _int_or_none(globals_.get("apps-stage-timeout"))
        app.upload_timeout_s = convert("upload-timeout", integer) or _int_or_none(globals_.get("apps-upload-timeout"))
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
        app.restart_on = {
            k: restart.get(k) is not False for k in ("vcap-application", "vcap-services", "user-provided")
        }
        app.restart_on_env_change = app.restart_on["user-provided"]
        features = params.get("app-features")
        app.features = {k: bool(val) for k, val in features.items()} if isinstance(features, dict) else {}
        if params.get("enable-ssh") is not None and "ssh" not in app.features:
            app.features["ssh"] = boolean(params.get("enable-ssh")) is True
        tasks = params.get("tasks")
        app.tasks = list(tasks) if isinstance(tasks, list) else []
        app.env = self._env(m, v, params)
        self._bindings(m, v, app, services)
        return app

    def _module_warnings(self, m: Module, params: Params) -> None:
        user_keys = set(m.parameters)
        for text in routes.warnings_for({k: params[k] for k in user_keys if k in params}, m.name):
            self.warnings.append(text)
        if m.hooks:
            self.warnings.append(f'module "{m.name}": hooks are not supported and will not run')
        if params.get("tasks"):
            self.warnings.append(f'module "{m.name}": "tasks" are not supported and will not run')
        if boolean(params.get("create-service-broker")):
            self.warnings.append(f'module "{m.name}": service brokers are not registered ("create-service-broker")')
        for key in ("tcp", "tcps"):
            if params.get(key):
                self.warnings.append(f'module "{m.name}": TCP routes ("{key}") are not supported; ignored')

    def _health_check(self, params: Params, where: str) -> HealthCheck | None:
        kind = params.get("health-check-type")
        endpoint = params.get("health-check-http-endpoint")
        timeout = params.get("health-check-timeout")
        invocation = params.get("health-check-invocation-timeout")
        if kind is None and endpoint is None and timeout is None and invocation is None:
            return None
        if kind is None:
            kind = "http" if endpoint is not None else "port"
        if kind not in ("port", "process", "http"):
            raise self.fail('must be "port", "process" or "http"', child_path(where, "health-check-type"))
        try:
            return HealthCheck(
                type=kind,
                endpoint=(str(endpoint) if endpoint is not None else "/") if kind == "http" else None,
                timeout_s=integer(timeout),
                invocation_timeout_s=integer(invocation),
            )
        except ValueError as exc:
            raise self.fail(str(exc), child_path(where, "health-check-timeout")) from None

    def _env(self, m: Module, v: _ModuleValues, params: Params) -> dict[str, str]:
        env: dict[str, Any] = {}
        attributes = {k: params[k] for k in APP_ATTRIBUTES if k in m.parameters and params.get(k) is not None}
        if attributes:
            env["DEPLOY_ATTRIBUTES"] = attributes
        env.update({k: val for k, val in v.properties.items() if val is not None})
        groups: dict[str, list[Any]] = {}
        for req, (_, props) in zip(m.requires, v.requires, strict=True):
            props = {k: val for k, val in props.items() if val is not None}
            group = req.list or req.group
            if group:
                groups.setdefault(group, []).append({"name": req.name, **props})
            else:
                env.update(props)
        env.update(groups)
        return {k: _env_text(env[k]) for k in sorted(env)}

    def _bindings(self, m: Module, v: _ModuleValues, app: AppSpec, services: dict[str, ServiceSpec]) -> None:
        for req, (req_params, _) in zip(m.requires, v.requires, strict=True):
            resource = self.d.resource(req.name)
            if resource is None:
                continue
            spec = services.get(req.name)
            if spec is None:
                continue  # inactive, not selected, plain properties, or an optional unsupported type
            if spec.kind == "existing-service-key":
                env_name = req_params.get("env-var-name") or spec.key_name
                app.existing_key_env[str(env_name)] = (spec.name, spec.key_name or req.name)
                continue
            config = req_params.get("config")
            if config is not None and not isinstance(config, dict):
                raise self.fail("must be a map", child_path(child_path(req.where, "parameters"), "config"))
            from_file = self.archive.requires_config(m.name, req.name) if self.archive is not None else None
            if from_file is not None:
                config = {**from_file, **(config or {})}
            binding_name = req_params.get("binding-name")
            app.bindings.append(
                ServiceBinding(
                    service_name=spec.name,
                    resource=req.name,
                    parameters=config,
                    binding_name=str(binding_name) if binding_name is not None else None,
                )
            )

    def _waves(self, apps: list[AppSpec], p: _Pass) -> tuple[bool, list[list[str]]]:
        names = [a.module for a in apps]
        by_name = {m.name: m for m in self.d.modules}
        parallel = self.d.major >= 3 and boolean(p.globals.get("enable-parallel-deployments")) is True
        uses_deployed_after = self.d.major >= 3 and any(m.deployed_after is not None for m in self.d.modules)

        def cycle(stuck: list[str]) -> ContentError:
            return ContentError(
                "circular dependency between modules " + ", ".join(f'"{n}"' for n in stuck), file=self.d.file_name
            )

        if parallel or uses_deployed_after:
            deps = {n: list(by_name[n].deployed_after or []) for n in names}
            grouped = levels(names, deps, cycle)
            if parallel:
                return True, grouped
            return False, [[n] for level in grouped for n in level]
        providers = {prov.name: m.name for m in self.d.modules for prov in m.provides}
        deps = {n: [providers[r.name] for r in by_name[n].requires if r.name in providers] for n in names}
        hard = {n for n in names if p.modules[n].parameters.get("dependency-type") == "hard"}
        return False, [[n] for n in requires_order(names, deps, hard, cycle)]

    def _batches(self, services: list[ServiceSpec]) -> list[list[str]]:
        if not services:
            return []
        names = [s.resource for s in services]
        if self.d.major < 3 or not any(s.processed_after for s in services):
            return [names]
        deps = {s.resource: list(s.processed_after or []) for s in services}
        for s in services:
            if s.resource in (s.processed_after or []):
                where = next(r.where for r in self.d.resources if r.name == s.resource)
                raise self.fail(
                    f'Resource "{s.resource}" is required by itself for processing',
                    child_path(where, "processed-after"),
                )
            for other in s.processed_after or []:
                if s.resource in deps.get(other, []):
                    raise ContentError(
                        f'Resources "{s.resource}" and "{other}" both depend on each other for processing',
                        file=self.d.file_name,
                    )

        def cycle(stuck: list[str]) -> ContentError:
            return ContentError(
                "resources depend on each other for processing: " + ", ".join(f'"{n}"' for n in stuck),
                file=self.d.file_name,
            )

        return levels(names, deps, cycle)


def _placeholder_message(exc: UnresolvedPlaceholder) -> str:
    if not exc.name:
        return f"cannot resolve placeholders: {exc.reason}"
    reason = exc.reason or "no such parameter is defined here, in the module type or globally"
    return f'cannot resolve "${{{exc.name}}}": {reason}'


def _int_or_none(value: Any) -> int | None:
    try:
        return integer(value)
    except ValueError:
        return None


def _env_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, separators=(",", ":"))


__all__ = ["ArchiveFiles", "Requires", "resolve"]
