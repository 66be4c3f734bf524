"""Partial deploys (`-m MODULE`): apps of descriptor modules that were not selected are left alone.

The deploy service replaces only the apps of selected modules, of modules no longer in the descriptor
and of `skip-deploy` modules (section 1.7 of the controller reference, ModulesToUndeployCalculator).
"""

from __future__ import annotations

from bgdeploy import mta
from bgdeploy.engine.context import OperationContext


def descriptor_modules(ctx: OperationContext) -> set[str]:
    """Every module name of the deployment descriptor, selected or not."""
    with mta.open_archive(ctx.archive_path) as archive:
        return {m.name for m in archive.descriptor.modules}


def not_selected(ctx: OperationContext, apps: list[dict]) -> list[dict]:
    """Without -m: all apps. With -m: drop apps of descriptor modules outside the selection."""
    selected = set(ctx.options.get("modules") or [])
    if not selected:
        return apps
    untouched = descriptor_modules(ctx) - selected
    return [a for a in apps if a.get("module") not in untouched]
