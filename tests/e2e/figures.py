"""Figures a test wants the reader to see (`killpoints: P/T recovered`, the soak's cycle times): kept as
files, printed in pytest's summary by e2e/conftest.py, also when the tests run in parallel workers."""

from __future__ import annotations

from pathlib import Path

FIGURES = Path(__file__).resolve().parents[2] / ".work" / "test-figures"


def report(name: str, line: str) -> None:
    FIGURES.mkdir(parents=True, exist_ok=True)
    (FIGURES / f"{name}.txt").write_text(line + "\n")
    print(f"\n{line}")
