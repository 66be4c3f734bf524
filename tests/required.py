"""What the tests need from the machine, checked when a module is collected. `make` builds the cf CLI and
the corpus comes with the shared reference, so a missing one is a broken set-up: it fails the run loudly
instead of skipping tests silently."""

from __future__ import annotations

from pathlib import Path

import pytest


def require(path: Path, what: str) -> Path:
    if not path.exists():
        pytest.fail(f"{what} is missing: {path}", pytrace=False)
    return path
