"""ServiceSpecs: one per selected, active resource of a service type, from its resolved parameters."""

from __future__ import annotations

from typing import Any

from .. import platform
from ..descriptor import Descriptor, Params, Resource
from ..model import ServiceKeySpec, ServiceKind, ServiceSpec
from ..yamlload import child_path
from .inputs import ArchiveFiles, Selection
from .values import PassValues, string_list

# What `skip-service-updates` / `fail-on-service-update` may name in their map form (the service's names).
UPDATE_ASPECTS = ["parameters", "plan", "tags", "syslog-drain-url"]
FAIL_ASPECTS = ["parameters", "plan", "tags"]


def build_services(
    d: Descriptor, selection: Selection, values: PassValues, archive: ArchiveFiles | None
) -> tuple[list[ServiceSpec], list[str]]:
    """The services in descriptor order, and the warnings about what of them is ignored."""
    services, warnings = [], []
    for r in d.resources:
        kind = platform.RESOURCE_TYPES.get(r.type or "")
        if kind is None or r.name not in selection.resources or r.active is False:
            continue
        spec, spec_warnings = build_service(d, r, kind, values.resources[r.name].parameters, archive)
        services.append(spec)
        warnings.extend(spec_warnings)
    return services, warnings


def build_service(
    d: Descriptor, r: Resource, kind: ServiceKind, params: Params, archive: ArchiveFiles | None
) -> tuple[ServiceSpec, list[str]]:
    where = child_path(r.where, "parameters")
    warnings = []
    name = params.get("service-name")
    if not isinstance(name, str) or not name:
        raise d.error("must be a non-empty string", child_path(where, "service-name"))
    config = params.get("config")
    if config is not None and not isinstance(config, dict):
        raise d.error("must be a map", child_path(where, "config"))
    # The JSON file (MTA-Resource in the manifest) is the base; `config` in the descriptor wins over it.
    from_file = archive.resource_config(r.name) if archive is not None else None
    if from_file is not None:
        config = {**from_file, **(config or {})}
    elif params.get("path") or params.get("config-path"):
        warnings.append(
            f'resource "{r.name}": the JSON file named by "path"/"config-path" is not in the archive; ignored'
        )
    spec = ServiceSpec(
        resource=r.name,
        name=name,
        kind=kind,
        optional=bool(r.optional),
        processed_after=r.processed_after,
        tags=string_list(d, params.get("service-tags"), child_path(where, "service-tags")),
    )
    if kind == "managed":
        for key in ("service", "service-plan"):
            if not isinstance(params.get(key), str) or not params[key]:
                raise d.error(f'Service "{r.name}" has missing required parameter: {key}', child_path(where, key))
        spec.offering = params["service"]
        spec.plan = params["service-plan"]
        spec.parameters = config
        broker = params.get("service-broker")
        if broker is not None and (not isinstance(broker, str) or not broker):
            raise d.error("must be a non-empty string", child_path(where, "service-broker"))
        spec.broker = broker
    elif kind == "user-provided":
        spec.credentials = config or {}
        spec.syslog_drain_url = params.get("syslog-drain-url")
        spec.route_service_url = params.get("route-service-url")
    elif kind == "existing-service-key":
        spec.key_name = params.get("service-key-name") or r.name
        if "service-name" not in r.parameters:
            raise d.error(
                f'Existing service key resource "{r.name}" needs the "service-name" parameter',
                child_path(where, "service-name"),
            )
    spec.service_keys = _service_keys(d, params.get("service-keys"), child_path(where, "service-keys"))
    spec.skip_updates = skipped_aspects(d, params.get("skip-service-updates"),
                                        child_path(where, "skip-service-updates"))
    spec.fail_on = failure_rules(d, params.get("fail-on-service-update"),
                                 child_path(where, "fail-on-service-update"))
    return spec, warnings


def skipped_aspects(d: Descriptor, raw: Any, path: str) -> list[str]:
    """`true`/`false` (every aspect or none) or a map naming the aspects to skip."""
    if raw is None or raw is False:
        return []
    if raw is True:
        return list(UPDATE_ASPECTS)
    if isinstance(raw, dict):
        return [a for a in UPDATE_ASPECTS if raw.get(a) is True]
    raise d.error("must be true, false or a map of parameters/plan/tags/syslog-drain-url", path)


def failure_rules(d: Descriptor, raw: Any, path: str) -> dict[str, bool]:
    """`true`/`false` for every aspect, or a map; an aspect not named (or null) keeps the default."""
    if raw is None:
        return {}
    if isinstance(raw, bool):
        return dict.fromkeys(FAIL_ASPECTS, raw)
    if isinstance(raw, dict):
        return {a: raw[a] for a in FAIL_ASPECTS if isinstance(raw.get(a), bool)}
    raise d.error("must be true, false or a map of parameters/plan/tags", path)


def _service_keys(d: Descriptor, raw: Any, path: str) -> list[ServiceKeySpec]:
    keys = []
    for i, key in enumerate(raw or []):
        if not isinstance(key, dict) or not isinstance(key.get("name"), str):
            raise d.error('each service key needs a "name"', child_path(path, i))
        keys.append(ServiceKeySpec(name=key["name"], parameters=key.get("config")))
    return keys
