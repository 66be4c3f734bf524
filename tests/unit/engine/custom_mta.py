"""Archives of small MTAs written in a test (ID `bg.sample`, so the World's operations find them), each
module a directory with the sample app; `use(world, descriptor)` makes the World deploy them.

    use(world, DESCRIPTOR)          # DESCRIPTOR holds "@VERSION@", replaced by each context's version
    ctx = deploy(world, "1.0.0")
    events(world)                   # tasks, starts and stops in the order CC received them
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from .world import TESTS, World

APP = (TESTS / "sample" / "app_server.py").read_text()
STAMP = (2020, 1, 1, 0, 0, 0)


def build(path: Path, descriptor: str, modules: list[str]) -> Path:
    manifest = "Manifest-Version: 1.0\n\n" + "".join(
        f"Name: {m}/\nMTA-Module: {m}\nContent-Type: text/directory\n\n" for m in modules)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("META-INF/MANIFEST.MF", manifest)
        z.writestr("META-INF/mtad.yaml", descriptor)
        for m in modules:  # fixed timestamps: the same module content in every version has the same digest
            z.writestr(zipfile.ZipInfo(f"{m}/server.py", STAMP), APP)
            z.writestr(zipfile.ZipInfo(f"{m}/Procfile", STAMP), "web: python3 server.py\n")
    return path


def use(world: World, descriptor: str, modules: list[str] | None = None) -> None:
    modules = modules or ["web"]

    def archive(version: str, bits_version: str | None = None) -> Path:
        path = world.dir / f"custom-{version}.mtar"  # the bits do not change with the version here
        return path if path.exists() else build(path, descriptor.replace("@VERSION@", version), modules)

    world.archive = archive  # type: ignore[method-assign]


def events(world: World, names: dict[str, str] | None = None) -> list[str]:
    """`task:NAME@APP`, `start@APP`, `restart@APP`, `stop@APP`, `scale@APP` in request order; `names` adds
    app names by guid for apps that are gone."""
    state = world.sim.state()
    names = {**(names or {}), **{a["guid"]: a["name"] for a in state["apps"]}}
    tasks = iter(state["tasks"])  # in creation order, as their POSTs were received
    out = []
    for r in world.sim.requests():
        parts = r["path"].split("/")
        if r["method"] != "POST" or r.get("status") not in (200, 201, 202):
            continue
        if len(parts) == 5 and parts[1:3] == ["v3", "apps"] and parts[4] == "tasks":
            task = next(tasks)
            out.append(f"task:{task['name']}@{names.get(parts[3], parts[3])}")
        elif len(parts) == 6 and parts[1:3] == ["v3", "apps"] and parts[4] == "actions":
            out.append(f"{parts[5]}@{names.get(parts[3], parts[3])}")
    return out
