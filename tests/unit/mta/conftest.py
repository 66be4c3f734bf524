"""Shared fixtures for the mta package tests (no network)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(REPO / "pyservice"))

from bgdeploy.mta.model import PlatformContext  # noqa: E402


def _examples_dir() -> Path:
    for candidate in (REPO.parent / "shared" / "mta-examples", REPO / ".." / "shared" / "mta-examples"):
        if candidate.is_dir():
            return candidate.resolve()
    return REPO.parent / "shared" / "mta-examples"


EXAMPLES = _examples_dir()


@pytest.fixture
def ctx() -> PlatformContext:
    return PlatformContext(
        org="myorg",
        space="dev",
        user="someone@example.com",
        default_domain="cfapps.example.com",
        api_url="https://api.cf.example.com",
        seed="fixed-seed",
        timestamp="20240102030405",
    )
