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


def user_jwt(user: str, exp: float | None = None) -> str:
    claims = {"user_id": user, "exp": exp or time.time() + 600}
    payload = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    return f"bearer e30.{payload}.sig"


def test_a_watchers_token_is_taken_only_if_it_is_the_actors() -> None:
    src = TokenSource("expired", actor="alice")
    alice, bob = user_jwt("alice"), user_jwt("bob")
    assert not src.offer(bob)
    assert src.offer(alice) and src.token() == alice
    assert not src.offer(bob) and src.token() == alice


def test_an_action_hands_the_operation_over_to_the_user_who_asked() -> None:
    src = TokenSource("use -a retry", actor="alice")
    src.offer(user_jwt("alice"))
    bob = user_jwt("bob")
    src.hand_over(bob)
    assert src.actor == "bob" and src.token() == bob
    assert not src.offer(user_jwt("alice"))  # alice watching no longer feeds her token in
    src.hand_over("")  # an action without a token leaves none behind, not the previous user's
    with pytest.raises(TokenExpiredError):
        src.token()


def test_a_taken_over_operation_waits_for_its_actors_token_then_gives_up() -> None:
    src = TokenSource("expired", actor="alice")
    src.expect_token(5.0, "taken over: use -a retry")
    alice = user_jwt("alice")
    threading.Timer(0.2, lambda: src.offer(alice)).start()
    assert src.token() == alice
    late = TokenSource("expired", actor="alice")
    late.expect_token(0.2, "taken over: use -a retry")
    with pytest.raises(TokenExpiredError, match="taken over"):
        late.token()


def test_forget_drops_the_token_and_ends_a_wait() -> None:
    src = TokenSource("gone", actor="alice")
    src.expect_token(30.0, "gone")
    threading.Timer(0.2, src.forget).start()
    started = time.monotonic()
    with pytest.raises(TokenExpiredError):
        src.token()
    assert time.monotonic() - started < 5
