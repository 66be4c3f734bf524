"""Checks on the merged descriptor before any value is resolved: read-only parameters, supported types."""

from __future__ import annotations

from .. import platform, system
from ..descriptor import Descriptor
from ..yamlload import child_path
from .inputs import Selection


def check_read_only(d: Descriptor) -> None:
    """System parameters such as `default-host` or `org` may be read but never set."""
    for key in d.parameters:
        if key in system.READ_ONLY_GLOBAL or key in system.READ_ONLY_MODULE:
            raise d.error(f'"{key}" is a read-only system parameter and cannot be set', f"parameters.{key}")
    for m in d.modules:
        for key in m.parameters:
            if key in system.READ_ONLY_MODULE or key in system.READ_ONLY_GLOBAL:
                raise d.error(
                    f'"{key}" is a read-only system parameter and cannot be set',
                    child_path(child_path(m.where, "parameters"), key),
                )
    for r in d.resources:
        for key in r.parameters:
            if key in system.READ_ONLY_RESOURCE or key in system.READ_ONLY_GLOBAL:
                raise d.error(
                    f'"{key}" is a read-only system parameter and cannot be set',
                    child_path(child_path(r.where, "parameters"), key),
                )


def check_types(d: Descriptor, selection: Selection) -> list[str]:
    """Refuse unsupported module/resource types of what will be deployed; warnings for optional resources."""
    warnings = []
    for m in d.modules:
        if m.name not in selection.modules or m.parameters.get("skip-deploy") is True:
            continue
        message = platform.module_type_error(m.type)
        if message:
            raise d.error(message, child_path(m.where, "type"))
    for r in d.resources:
        if r.type is None or r.name not in selection.resources or r.active is False:
            continue
        message = platform.resource_type_error(r.type)
        if message:
            if r.optional:
                warnings.append(f'resource "{r.name}" is optional and skipped: {message}')
                continue
            raise d.error(message, child_path(r.where, "type"))
    return warnings
