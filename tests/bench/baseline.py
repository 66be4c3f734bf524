"""The build `make bench` compares this tree with: the previous main, built in a temporary git worktree."""

from __future__ import annotations

import subprocess
from pathlib import Path

from runs import Build

from e2e.cfcli import ROOT


def baseline_ref() -> str:
    """The commit this tree is measured against: where it left main (merge-base), or on main itself the
    first parent (main before the last merge)."""
    git = ["git", "-C", str(ROOT)]
    head = subprocess.run([*git, "rev-parse", "HEAD"], capture_output=True, text=True, check=True).stdout.strip()
    main = subprocess.run([*git, "rev-parse", "main"], capture_output=True, text=True).stdout.strip()
    if main and main != head:
        return subprocess.run([*git, "merge-base", "HEAD", "main"], capture_output=True, text=True,
                              check=True).stdout.strip()
    return subprocess.run([*git, "rev-parse", "HEAD^1"], capture_output=True, text=True, check=True).stdout.strip()


def build_baseline(ref: str, where: Path) -> Build:
    """The baseline in a temporary worktree, built by its own Makefile (the cf CLI copied, not rebuilt)."""
    subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", str(where), ref], check=True,
                   capture_output=True)
    (where / ".tools").mkdir(exist_ok=True)
    subprocess.run(["cp", "-a", str(ROOT / ".tools" / "bin"), str(where / ".tools")], check=True)
    subprocess.run(["bash", "-c", "touch .tools/bin/* && make build"], cwd=where, check=True,
                   stdout=(where.parent / "baseline-build.log").open("w"), stderr=subprocess.STDOUT)
    return Build(f"main@{ref[:7]}", where)


def remove_worktree(where: Path) -> None:
    subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(where)], capture_output=True)
