"""The plan in words: the lines `--dry-run` prints without `--json` (the same content as the document)."""

from __future__ import annotations

from bgdeploy.engine.dryrun.document import AT_RESUME, DryRunPlan, FromTo, ModuleChanges, ModulePlan, ServicePlan


def lines(plan: DryRunPlan) -> list[str]:
    out = [f'Dry run: nothing was changed in org "{plan.org}" / space "{plan.space}".', ""]
    deployed = f"deployed: {plan.mta.deployed_version}" if plan.mta.deployed_version else "not deployed yet"
    namespace = f", namespace {plan.mta.namespace}" if plan.mta.namespace else ""
    out.append(f"MTA {plan.mta.id}{namespace}: version {plan.mta.version} ({deployed}), from {plan.archive}")
    out.append(_how(plan))
    out += [f'Renaming "{r.before}" to "{r.after}" first' for r in plan.renames]
    out += [f'Deleting "{name}" first (left by a run that ended after its switch)' for name in plan.leftovers]
    if plan.modules:
        out += ["", "Applications:", *_table(["module", "action", "app", "replaces", "changes"],
                                             [_module_row(m) for m in plan.modules])]
    if plan.services:
        out += ["", "Services:", *_table(["service", "action", "changes"], [_service_row(s) for s in plan.services])]
    moves = [("temporary", m.route, m.app, "deleted on resume") for m in plan.routes.temporary]
    moves += [("map", m.route, m.app, _when(m.when)) for m in plan.routes.map]
    moves += [("unmap", m.route, m.app, _when(m.when)) for m in plan.routes.unmap]
    if moves:
        out += ["", "Routes:", *_table(["change", "route", "app", "when"], [list(m) for m in moves])]
    if plan.routes.create:
        out.append(f"  routes created: {', '.join(plan.routes.create)}")
    if plan.warnings:
        out += ["", "Warnings:", *[f"  {w}" for w in plan.warnings]]
    out += ["", f"Changes: {'yes' if plan.changes else 'none'}"]
    return out


def _how(plan: DryRunPlan) -> str:
    if plan.colors is not None:
        live = f"live color {plan.colors.live}, " if plan.colors.live else ""
        text = f"Blue-green: {live}new color {plan.colors.new}"
    elif plan.process == "blue-green":
        text = "Blue-green, keeping the apps' names"
    else:
        text = "Deploy in place"
    if plan.strategy == "incremental-blue-green":
        text += " (incremental: instances move one at a time)"
    if plan.test_phase:
        return text + '; the new apps are tested on temporary routes until "-a resume"'
    return text


def _module_row(m: ModulePlan) -> list[str]:
    return [m.module, m.action, m.app, m.replaces or "", _module_changes(m)]


def _module_changes(m: ModulePlan) -> str:
    parts = _describe(m.changes) if m.changes else []
    if m.restart:
        parts.append("restarts")
    if m.tasks:
        parts.append(f"tasks: {', '.join(m.tasks)}")
    return ", ".join(parts)


def _describe(c: ModuleChanges) -> list[str]:
    parts = []
    if c.env:
        env = [f"{k} added" for k in c.env.added] + [f"{k} changed" for k in c.env.changed]
        parts.append(f"env ({', '.join(env + [f'{k} removed' for k in c.env.removed])})")
    for label, pair in (("instances", c.instances), ("memory", c.memory_mb), ("disk", c.disk_mb)):
        if pair is not None:
            parts.append(f"{label} {_size(pair, label)}")
    if c.command:
        parts.append("command")
    if c.health_check:
        parts.append(f"health check {c.health_check.after.get('type')}")
    if c.routes:
        parts += [f"+route {u}" for u in c.routes.map] + [f"-route {u}" for u in c.routes.unmap]
    if c.bindings:
        parts += [f"+service {s}" for s in c.bindings.bind] + [f"-service {s}" for s in c.bindings.unbind]
    for label, flag in (("bits", c.bits), ("buildpacks/stack", c.lifecycle), ("metadata", c.metadata)):
        if flag:
            parts.append(label)
    if c.state:
        parts.append(c.state.after.lower())
    return parts


def _size(pair: FromTo, label: str) -> str:
    if label == "instances":
        return f"{pair.before} -> {pair.after}"
    return f"{_mb(pair.before)} -> {_mb(pair.after)}"


def _mb(value: int | None) -> str:
    if value is None:
        return "?"
    return f"{value // 1024}G" if value and value % 1024 == 0 else f"{value}M"


def _service_row(s: ServicePlan) -> list[str]:
    what = [*s.changes, *[f"+key {k}" for k in s.service_keys]]
    if s.note:
        what.append(f"({s.note})")
    return [s.name, s.action, ", ".join(what)]


def _when(when: str) -> str:
    return "on resume" if when == AT_RESUME else "while deploying"


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    return ["  " + "   ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
            for row in [header, *rows]]
