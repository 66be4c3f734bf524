"""The token scan that runs after every e2e test finds a JWT written anywhere but the cf CLI's config."""

from __future__ import annotations

from pathlib import Path

from e2e.conftest import find_tokens

JWT = b"eyJhbGciOiJIUzI1NiJ9.eyJ1c2VyX2lkIjoiYWJjIn0.c2lnbmF0dXJlLXNpZ24"


def test_the_scan_finds_a_token_in_an_engine_log_but_not_in_cf_config(tmp_path: Path) -> None:
    state = tmp_path / "cfhome" / ".cf" / "bg-deploy"
    state.mkdir(parents=True)
    (tmp_path / "cfhome" / ".cf" / "config.json").write_bytes(b'{"AccessToken": "bearer ' + JWT + b'"}')
    (state / "engine.log").write_bytes(b"calling CC with bearer " + JWT)
    assert find_tokens(tmp_path) == ["cfhome/.cf/bg-deploy/engine.log"]
    (state / "engine.log").write_bytes(b"calling CC")
    assert find_tokens(tmp_path) == []
