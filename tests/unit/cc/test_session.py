"""The CC session over real HTTP: what is retried (never a POST that may have been processed, never a
streamed body), paging that stays on the API, tokens that are never echoed."""

from __future__ import annotations

import http.server
import json
import threading
from collections.abc import Iterator

import pytest

from bgdeploy.cc import CloudController
from bgdeploy.cc import errors as cc_errors
from bgdeploy.engine.tokens import StaticToken
from bgdeploy.errors import InfrastructureError, OperationAborted

TOKEN = "bearer eyJhbGciOiJIUzI1NiJ9.eyJleHAiOjQxMDI0NDQ4MDB9.c2ln"


class Script:
    """Answers per (method, path): a list of (status, body) used in order; records every request."""

    def __init__(self) -> None:
        self.answers: dict[tuple[str, str], list[tuple[int, object]]] = {}
        self.seen: list[tuple[str, str, bytes]] = []


@pytest.fixture
def server() -> Iterator[tuple[str, Script]]:
    script = Script()

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: object) -> None:
            pass

        def _any(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            data = self.rfile.read(length) if length else b""
            path = self.path.split("?")[0]
            script.seen.append((self.command, self.path, data))
            queue = script.answers.get((self.command, path)) or [(200, {})]
            status, body = queue.pop(0) if len(queue) > 1 else queue[0]
            raw = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)

        do_GET = do_POST = do_PATCH = do_DELETE = _any

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", script
    httpd.shutdown()


def client(url: str, **kw: object) -> CloudController:
    return CloudController(url, StaticToken(TOKEN), **kw)  # type: ignore[arg-type]


def test_a_post_is_not_resent_after_a_502(server: tuple[str, Script]) -> None:
    url, script = server
    script.answers[("POST", "/v3/apps")] = [(502, {}), (201, {"guid": "g"})]
    with pytest.raises(cc_errors.Unavailable) as caught:
        client(url).post("/v3/apps", {"name": "x"})
    assert caught.value.maybe_applied
    assert [s[0] for s in script.seen] == ["POST"]


def test_a_post_is_resent_after_429_which_means_not_processed(server: tuple[str, Script]) -> None:
    url, script = server
    script.answers[("POST", "/v3/apps")] = [(429, {}), (201, {"guid": "g"})]
    assert client(url).post("/v3/apps", {"name": "x"}).json() == {"guid": "g"}
    assert len(script.seen) == 2


def test_idempotent_requests_and_repeatable_posts_are_retried(server: tuple[str, Script]) -> None:
    url, script = server
    script.answers[("GET", "/v3/apps/g")] = [(503, {}), (502, {}), (200, {"guid": "g"})]
    script.answers[("POST", "/v3/apps/g/actions/start")] = [(502, {}), (200, {"guid": "g"})]
    cc = client(url)
    assert cc.get("/v3/apps/g") == {"guid": "g"}
    cc.post("/v3/apps/g/actions/start", repeatable=True)
    assert [s[0] for s in script.seen] == ["GET", "GET", "GET", "POST", "POST"]


def test_a_streamed_upload_is_never_resent_by_the_transport(server: tuple[str, Script]) -> None:
    url, script = server
    script.answers[("POST", "/v3/packages/p/upload")] = [(502, {}), (200, {})]
    with pytest.raises(cc_errors.Unavailable):
        client(url).request("POST", "/v3/packages/p/upload", data=iter([b"zip-bytes"]),
                            headers={"Content-Type": "application/zip"})
    assert len(script.seen) == 1


def test_paging_follows_next_on_the_api_only(server: tuple[str, Script]) -> None:
    url, script = server
    script.answers[("GET", "/v3/apps")] = [(200, {"resources": [{"n": 1}], "pagination": {
        "next": {"href": url + "/v3/apps?page=2"}}})]
    script.answers[("GET", "/v3/apps")].append((200, {"resources": [{"n": 2}], "pagination": {"next": None}}))
    assert [r["n"] for r in client(url).list("/v3/apps")] == [1, 2]
    script.answers[("GET", "/v3/spaces")] = [(200, {"resources": [], "pagination": {
        "next": {"href": "http://169.254.169.254/v3/spaces?page=2"}}})]
    with pytest.raises(InfrastructureError, match="another host"):
        list(client(url).list("/v3/spaces"))
    assert not any("169.254" in s[1] for s in script.seen)


def test_a_malformed_token_is_refused_without_echoing_it(server: tuple[str, Script]) -> None:
    url, script = server
    secret = "bearer eyJsecret\r\nX-Evil: 1"
    with pytest.raises(cc_errors.Unauthenticated) as caught:
        CloudController(url, StaticToken(secret)).get("/v3/apps")
    assert "eyJsecret" not in str(caught.value) and "Evil" not in str(caught.value)
    assert script.seen == []


def test_a_stopped_operation_sends_nothing(server: tuple[str, Script]) -> None:
    url, script = server
    with pytest.raises(OperationAborted):
        client(url, stopped=lambda: True).post("/v3/apps", {})
    assert script.seen == []


class CountingTokens:
    def __init__(self) -> None:
        self.asked = 0

    def token(self) -> str:
        self.asked += 1
        return TOKEN

    def refresh(self) -> str:
        return self.token()


def test_a_read_only_session_sends_reads_and_no_write_at_all(server: tuple[str, Script]) -> None:
    """A dry run's session: every write is refused before a token is read, and the transport refuses one too
    (so no path through the client, public or not, can change Cloud Controller)."""
    url, script = server
    tokens = CountingTokens()
    cc = CloudController(url, tokens).forbid_writes()
    assert cc.get("/v3/apps/g") == {} and cc.writes_forbidden
    asked = tokens.asked
    writes = [lambda: cc.post("/v3/apps", {"name": "x"}), lambda: cc.post("/v3/apps/g/actions/start", repeatable=True),
              lambda: cc.patch("/v3/apps/g", {}), lambda: cc.delete("/v3/apps/g"),
              lambda: cc.request("PUT", "/v3/apps/g"),
              lambda: cc.request("POST", "/v3/packages/p/upload", data=iter([b"zip"]))]
    for write in writes:
        with pytest.raises(cc_errors.WritesForbidden, match="A dry run does not change Cloud Foundry"):
            write()
    assert tokens.asked == asked
    for session in (cc._repeating, cc._once, cc._never):
        with pytest.raises(cc_errors.WritesForbidden):
            session.post(url + "/v3/apps", json={"name": "x"})
    assert [s[0] for s in script.seen] == ["GET"]
