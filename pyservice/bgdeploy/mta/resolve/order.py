"""In which order things deploy: apps (one by one, or in parallel waves) and batches of services.

Apps: with `enable-parallel-deployments` (schema 3) in waves by `deployed-after`; with `deployed-after` but
no parallelism one by one in that order; otherwise providers before the modules that require them.
Services: one batch, unless schema 3 `processed-after` orders them into several.
"""

from __future__ import annotations

from bgdeploy.errors import ContentError

from ..descriptor import Descriptor
from ..model import ServiceSpec
from ..ordering import levels, requires_order
from ..units import boolean
from ..yamlload import child_path
from .values import PassValues


def deploy_waves(d: Descriptor, modules: list[str], values: PassValues) -> tuple[bool, list[list[str]]]:
    """(parallel, waves) for the modules that become apps; a wave is one module unless parallel."""
    by_name = {m.name: m for m in d.modules}
    parallel = d.major >= 3 and boolean(values.globals.get("enable-parallel-deployments")) is True
    uses_deployed_after = d.major >= 3 and any(m.deployed_after is not None for m in d.modules)

    def cycle(stuck: list[str]) -> ContentError:
        return ContentError(
            "circular dependency between modules " + ", ".join(f'"{n}"' for n in stuck), file=d.file_name
        )

    if parallel or uses_deployed_after:
        deps = {n: list(by_name[n].deployed_after or []) for n in modules}
        grouped = levels(modules, deps, cycle)
        if parallel:
            return True, grouped
        return False, [[n] for level in grouped for n in level]
    providers = {prov.name: m.name for m in d.modules for prov in m.provides}
    deps = {n: [providers[r.name] for r in by_name[n].requires if r.name in providers] for n in modules}
    hard = {n for n in modules if values.modules[n].parameters.get("dependency-type") == "hard"}
    return False, [[n] for n in requires_order(modules, deps, hard, cycle)]


def service_batches(d: Descriptor, services: list[ServiceSpec]) -> list[list[str]]:
    """Resource names in batches: one batch at a time, the services of a batch in parallel."""
    if not services:
        return []
    names = [s.resource for s in services]
    if d.major < 3 or not any(s.processed_after for s in services):
        return [names]
    deps = {s.resource: list(s.processed_after or []) for s in services}
    for s in services:
        if s.resource in (s.processed_after or []):
            where = next(r.where for r in d.resources if r.name == s.resource)
            raise d.error(
                f'Resource "{s.resource}" is required by itself for processing', child_path(where, "processed-after")
            )
        for other in s.processed_after or []:
            if s.resource in deps.get(other, []):
                raise ContentError(
                    f'Resources "{s.resource}" and "{other}" both depend on each other for processing',
                    file=d.file_name,
                )

    def cycle(stuck: list[str]) -> ContentError:
        return ContentError(
            "resources depend on each other for processing: " + ", ".join(f'"{n}"' for n in stuck), file=d.file_name
        )

    return levels(names, deps, cycle)
