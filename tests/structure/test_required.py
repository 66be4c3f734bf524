"""A missing prerequisite fails the run, naming it; no test module skips for want of one."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from required import require

TESTS = Path(__file__).resolve().parents[1]


def test_a_missing_prerequisite_fails_naming_it(tmp_path: Path) -> None:
    with pytest.raises(pytest.fail.Exception, match=r"the cf CLI is missing: .*/nowhere/cf"):
        require(tmp_path / "nowhere" / "cf", "the cf CLI")
    assert require(tmp_path, "a folder") == tmp_path


def test_no_test_skips_for_want_of_a_prerequisite() -> None:
    skipping = [str(p.relative_to(TESTS)) for p in TESTS.rglob("*.py")
                if re.search(r"pytest\.(mark\.)?skip", p.read_text()) and p.name != "test_required.py"]
    assert not skipping, skipping
