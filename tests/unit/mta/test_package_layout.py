"""The shape of the mta package: no import cycles, small modules, and the names the engine imports."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import bgdeploy.mta
from bgdeploy.mta.resolve import resolve as resolve_from_package

PACKAGE = Path(bgdeploy.mta.__file__).parent
MAX_MODULE_LINES = 400


def _module_name(path: Path) -> str:
    parts = ["bgdeploy", *path.relative_to(PACKAGE.parent).with_suffix("").parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph() -> dict[str, set[str]]:
    """Module -> the package modules it imports, counting every import statement (in functions too)."""
    files = {_module_name(p): p for p in PACKAGE.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in files.items():
        package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
        targets: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                targets.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = (f"{base}.{node.module}" if node.module else base) if node.level else (node.module or "")
                # `from x import y` imports x.y when y is a module, else it reads the name y from x.
                targets.update(f"{base}.{a.name}" if f"{base}.{a.name}" in files else base for a in node.names)
        graph[name] = {t for t in targets if t in files and t != name}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every import path that comes back to where it started (depth-first, one report per back edge)."""
    found, state = [], dict.fromkeys(graph, "new")

    def visit(node: str, path: list[str]) -> None:
        state[node] = "active"
        for target in sorted(graph[node]):
            if state[target] == "active":
                found.append([*path[path.index(target) :], target])
            elif state[target] == "new":
                visit(target, [*path, target])
        state[node] = "done"

    for node in sorted(graph):
        if state[node] == "new":
            visit(node, [node])
    return found


def test_no_import_cycles_inside_the_package() -> None:
    graph = import_graph()
    assert "bgdeploy.mta.schema" in graph["bgdeploy.mta.loader"]  # the graph sees relative imports
    assert "bgdeploy.mta.resolve.passes" in graph["bgdeploy.mta.resolve"]
    assert cycles(graph) == []


def test_the_cycle_finder_finds_cycles() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c", "a"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_modules_stay_small() -> None:
    sizes = {str(p.relative_to(PACKAGE)): len(p.read_text().splitlines()) for p in PACKAGE.rglob("*.py")}
    assert {name: n for name, n in sizes.items() if n > MAX_MODULE_LINES} == {}


def test_the_names_the_engine_imports_are_where_they_were() -> None:
    from bgdeploy.mta import (  # noqa: F401
        Descriptor,
        ExtensionDescriptor,
        MtaArchive,
        build_archive_from_directory,
        check_version_rule,
        load_descriptor,
        load_extension,
        metadata,
        model,
        open_archive,
        resolve,
        versions,
    )
    from bgdeploy.mta.resolve import APP_ATTRIBUTES, UPDATE_ASPECTS, ArchiveFiles, Requires  # noqa: F401

    assert resolve is resolve_from_package and bgdeploy.mta.resolve is resolve
    assert list(inspect.signature(resolve).parameters) == [
        "descriptor",
        "extensions",
        "ctx",
        "phase",
        "selected_modules",
        "selected_resources",
        "archive",
    ]
    assert sorted(bgdeploy.mta.__all__) == bgdeploy.mta.__all__
    assert all(hasattr(bgdeploy.mta, name) for name in bgdeploy.mta.__all__)
