"""`make check-structure`: the engine's layering rules, checked on its source (no imports executed).

Fails on: an import cycle among `pyservice/bgdeploy` modules (imports inside functions and under
TYPE_CHECKING count too); a module over 400 lines; a step module importing another step module; a raw
Cloud Controller path (`"/v3/...`) outside `bgdeploy/cc`.
"""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2] / "pyservice"
PACKAGE = "bgdeploy"
MAX_LINES = 400
GENERATED = ("bgdeploy.v1",)
STEPS = "bgdeploy.engine.steps"
CC_PATH = re.compile(r"""["']/v3/""")


def modules(root: Path = ROOT) -> dict[str, Path]:
    found = {}
    for path in sorted((root / PACKAGE).rglob("*.py")):
        parts = list(path.relative_to(root).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        name = ".".join(parts)
        if not name.startswith(GENERATED):
            found[name] = path
    return found


def imports(name: str, path: Path, known: set[str]) -> set[str]:
    """The bgdeploy modules `name` imports (a package's __init__ only when a name comes from it)."""
    tree = ast.parse(path.read_text(), str(path))
    is_package = path.name == "__init__.py"
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names if a.name in known)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = name.split(".") if is_package else name.split(".")[:-1]
                anchor = anchor[: len(anchor) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                sub = f"{base}.{alias.name}"
                if sub in known:
                    out.add(sub)
                elif base in known:
                    out.add(base)
    out.discard(name)
    return out


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = [0]

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    sys.setrecursionlimit(10000)
    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def problems(root: Path = ROOT) -> list[str]:
    mods = modules(root)
    known = set(mods)
    graph = {name: imports(name, path, known) for name, path in mods.items()}
    out = [f"import cycle: {' <-> '.join(c)}" for c in cycles(graph)]
    for name, path in mods.items():
        lines = len(path.read_text().splitlines())
        if lines > MAX_LINES:
            out.append(f"{path.relative_to(root)}: {lines} lines (at most {MAX_LINES})")
        if name.startswith(STEPS + "."):
            out.extend(f"step {name} imports step {other}" for other in sorted(graph[name])
                       if other.startswith(STEPS + ".") and other != name)
        if not name.startswith(f"{PACKAGE}.cc") and CC_PATH.search(path.read_text()):
            out.append(f"{path.relative_to(root)}: a Cloud Controller path outside bgdeploy/cc")
    return out


def main(argv: list[str]) -> int:
    root = Path(argv[0]) if argv else ROOT  # another checkout's pyservice/, for comparisons
    found = problems(root)
    for line in found:
        print(f"check-structure: {line}")
    if not found:
        print(f"check-structure: {len(modules(root))} modules, no cycles, none over {MAX_LINES} lines, "
              "steps import no steps, CC paths only in bgdeploy/cc")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
