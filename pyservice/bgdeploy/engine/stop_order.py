"""The order old apps stop in (pure). By default all at once; dependency-aware (`--dependency-aware-stop-order`
or the global `bg-dependency-aware-stop-order`), consumers first: a module `deployed-after` another stops
before it, in waves, following `deployed-after` through modules that have no old app too."""

from __future__ import annotations

from bgdeploy.engine.plan import DeployedApp
from bgdeploy.mta.model import AppSpec


def stop_waves(apps: list[DeployedApp], specs: dict[str, AppSpec], ordered: bool) -> list[list[DeployedApp]]:
    """Modules the new descriptor does not know have no dependencies (they stop in the first wave)."""
    if not ordered:
        return [list(apps)] if apps else []
    waves: list[list[DeployedApp]] = []
    pending = list(apps)
    while pending:
        needed = set().union(*(providers(a.module, specs) for a in pending))
        wave = [a for a in pending if a.module not in needed] or pending  # a cycle cannot be ordered
        waves.append(wave)
        pending = [a for a in pending if a not in wave]
    return waves


def providers(module: str, specs: dict[str, AppSpec]) -> set[str]:
    """Every module `module` is deployed after, directly or through others."""
    seen: set[str] = set()
    todo = list(specs[module].deployed_after or []) if module in specs else []
    while todo:
        name = todo.pop()
        if name not in seen:
            seen.add(name)
            todo.extend((specs[name].deployed_after or []) if name in specs else [])
    return seen
