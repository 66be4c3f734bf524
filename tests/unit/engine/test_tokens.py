import base64
import json
import threading
import time

import pytest

from bgdeploy.engine.tokens import TokenSource, token_expiry
from bgdeploy.errors import TokenExpiredError


def jwt(exp: float) -> str:
    payload = base64.urlsafe_b64encode(json.dumps({"exp": exp}).encode()).rstrip(b"=").decode()
    return f"bearer e30.{payload}.sig"


def test_expiry_is_read_from_the_jwt() -> None:
    assert token_expiry(jwt(1234)) == 1234
    assert token_expiry("bearer garbage") is None


def test_fresh_token_is_used_as_is() -> None:
    src = TokenSource("expired")
    token = jwt(time.time() + 600)
    src.update(token)
    assert src.token() == token


def test_near_expiry_without_watcher_fails_with_retry_hint() -> None:
    src = TokenSource("use -a retry", wait_s=0.2)
    src.update(jwt(time.time() + 10))
    with pytest.raises(TokenExpiredError, match="retry"):
        src.token()


def test_near_expiry_with_watcher_asks_for_a_new_token() -> None:
    src = TokenSource("expired", wait_s=5)
    src.update(jwt(time.time() + 10))
    src.attach()
    fresh = jwt(time.time() + 600)

    def shim() -> None:
        assert src.wait_until_wanted(5)
        src.update(fresh)

    t = threading.Thread(target=shim)
    t.start()
    assert src.token() == fresh
    t.join()
