"""The HTTP session every Cloud Controller call goes through.

Layers, outermost first: abort check (a stopped operation sends nothing more) → auth (bearer token from a
TokenProvider; one refresh and resend on 401) → retries → requests/urllib3 (pooled connections).

Retries belong to the transport only where repeating is harmless: GET, PUT, PATCH and DELETE (and POSTs
the caller marks `repeatable`, such as start/stop actions) are retried on 429/502/503/504, resets and read
timeouts. Any other POST is retried only when the connection failed before the request was sent, or on a
429 (CC did not process it); after an ambiguous failure the step above looks before creating again
(`bgdeploy.engine.actions.create`). A streamed body (an upload) is never retried here: the step re-opens
the stream from the archive.

`forbid_writes()` makes a session read-only for good (a dry run): a write is refused before any token is
read, and the transport adapters refuse to send one too, so no path through this client can change CC.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Callable, Iterator
from typing import Any, Protocol
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from bgdeploy.cc.errors import Unauthenticated, WritesForbidden, classify, no_answer
from bgdeploy.errors import InfrastructureError, OperationAborted

log = logging.getLogger(__name__)

RETRY_STATUSES = (429, 502, 503, 504)
REPEATABLE = frozenset({"GET", "HEAD", "PUT", "PATCH", "DELETE", "OPTIONS", "POST"})
READS = frozenset({"GET", "HEAD"})
_TOKEN = re.compile(r"^[Bb]earer [A-Za-z0-9._~+/=-]+$")
USER_AGENT = "bgdeploy-engine/0.1"


class TokenProvider(Protocol):
    def token(self) -> str:
        """The current access token as 'bearer <jwt>'."""

    def refresh(self) -> str:
        """A fresh token after CC refused the current one."""


def _repeating() -> Retry:
    return Retry(total=6, connect=6, read=3, status=6, other=0, backoff_factor=0.1, backoff_max=5,
                 status_forcelist=RETRY_STATUSES, allowed_methods=REPEATABLE, respect_retry_after_header=True,
                 raise_on_status=False)


def _once() -> Retry:
    """Connection failures before sending, and 429 (not processed): nothing else."""
    return Retry(total=4, connect=4, read=0, status=4, other=0, backoff_factor=0.1, backoff_max=5,
                 status_forcelist=(429,), allowed_methods=frozenset({"POST"}), respect_retry_after_header=True,
                 raise_on_status=False)


class CloudController:
    def __init__(self, api_url: str, tokens: TokenProvider, *, verify: bool = True, timeout_s: float = 60.0,
                 pool_size: int = 16, stopped: Callable[[], bool] | None = None,
                 adapter: requests.adapters.BaseAdapter | None = None, request_tag: str = "") -> None:
        self.api_url = api_url.rstrip("/")
        # CC logs X-Vcap-Request-Id: tagging it with the operation's id lets an operator (and a test) tell
        # which operation sent a request.
        self._tag = request_tag
        self._tokens = tokens
        self._timeout = timeout_s
        self._stopped = stopped or (lambda: False)
        self._repeating = self._session(adapter or HTTPAdapter(max_retries=_repeating(), pool_maxsize=pool_size),
                                        verify)
        self._once = self._session(adapter or HTTPAdapter(max_retries=_once(), pool_maxsize=pool_size), verify)
        self._never = self._session(adapter or HTTPAdapter(max_retries=0, pool_maxsize=4), verify)
        self._writes_forbidden = False

    @staticmethod
    def _session(adapter: requests.adapters.BaseAdapter, verify: bool) -> requests.Session:
        session = requests.Session()
        session.verify = verify
        session.mount("http://", adapter)
        session.mount("https://", adapter)
        session.headers["Accept"] = "application/json"
        session.headers["User-Agent"] = USER_AGENT
        return session

    def close(self) -> None:
        for s in (self._repeating, self._once, self._never):
            s.close()

    def forbid_writes(self) -> CloudController:
        """Make this session read-only, for good (there is no way back); returns it."""
        self._writes_forbidden = True
        for session in (self._repeating, self._once, self._never):
            for prefix in ("http://", "https://"):
                session.mount(prefix, _ReadsOnly(session.get_adapter(prefix)))
        return self

    @property
    def writes_forbidden(self) -> bool:
        return self._writes_forbidden

    # -- core -------------------------------------------------------------------------------------

    def request(self, method: str, path: str, *, params: dict[str, Any] | None = None, body: Any = None,
                data: Any = None, headers: dict[str, str] | None = None, repeatable: bool | None = None,
                ok_missing: bool = False) -> requests.Response | None:
        """Send one request and map CC errors (cc.errors). With ok_missing, a 404 returns None."""
        if self._writes_forbidden and method.upper() not in READS:
            raise WritesForbidden(method, _short(self._url(path)))
        url = self._url(path)
        streamed = data is not None
        if streamed:
            session = self._never
        elif repeatable or (repeatable is None and method != "POST"):
            session = self._repeating
        else:
            session = self._once
        for attempt in (1, 2):
            if self._stopped():
                raise OperationAborted("The operation was aborted")
            hdrs = {"Authorization": _checked(self._tokens.token() if attempt == 1 else self._tokens.refresh())}
            if self._tag:
                hdrs["X-Vcap-Request-Id"] = f"{self._tag}::{uuid.uuid4()}"
            if headers:
                hdrs.update(headers)
            try:
                resp = session.request(method, url, params=params, json=body, data=data, headers=hdrs,
                                       timeout=self._timeout)
            except requests.ConnectionError as exc:
                sent = not isinstance(exc, requests.ConnectTimeout) and "NewConnectionError" not in repr(exc)
                raise no_answer(method, _short(url), _describe(exc), sent=sent) from None
            except requests.RequestException as exc:
                raise no_answer(method, _short(url), _describe(exc), sent=True) from None
            if resp.status_code == 401 and attempt == 1 and not streamed:
                continue  # one fresh token, then send again
            break
        if resp.status_code == 404 and ok_missing:
            return None
        if resp.status_code >= 400:
            raise classify(resp.status_code, _body(resp), resp.reason or "", method, _short(url))
        return resp

    def get(self, path: str, **params: Any) -> dict[str, Any]:
        resp = self.request("GET", path, params=_params(params))
        assert resp is not None
        return resp.json()

    def get_or_none(self, path: str, **params: Any) -> dict[str, Any] | None:
        resp = self.request("GET", path, params=_params(params), ok_missing=True)
        return resp.json() if resp is not None else None

    def list(self, path: str, **params: Any) -> Iterator[dict[str, Any]]:
        """Every resource of a list endpoint, following `pagination.next` (on this API only)."""
        query: dict[str, Any] | None = {"per_page": 5000, **_params(params)}
        url: str = path
        while True:
            resp = self.request("GET", url, params=query)
            assert resp is not None
            page = resp.json()
            yield from page.get("resources", [])
            nxt = (page.get("pagination") or {}).get("next")
            if not nxt:
                return
            url, query = nxt["href"], None

    def first(self, path: str, **params: Any) -> dict[str, Any] | None:
        return next(iter(self.list(path, **params)), None)

    def post(self, path: str, body: Any = None, *, repeatable: bool = False,
             params: dict[str, Any] | None = None) -> requests.Response:
        resp = self.request("POST", path, body=body, params=params, repeatable=repeatable)
        assert resp is not None
        return resp

    def patch(self, path: str, body: Any) -> dict[str, Any]:
        resp = self.request("PATCH", path, body=body)
        assert resp is not None
        return resp.json()

    def delete(self, path: str, **params: Any) -> requests.Response | None:
        """DELETE; a resource that is already gone counts as deleted (returns None)."""
        return self.request("DELETE", path, params=_params(params), ok_missing=True)

    def _url(self, path: str) -> str:
        if not path.startswith(("http://", "https://")):
            return self.api_url + path
        if not _same_origin(path, self.api_url):
            # A `next` or job `Location` elsewhere would receive the user's token: refuse it.
            raise InfrastructureError(f"Cloud Controller pointed to another host ({urlsplit(path).netloc}); "
                                      "not following it")
        return path


class _ReadsOnly(requests.adapters.BaseAdapter):
    """The transport of a read-only session: it sends reads and refuses everything else unsent."""

    def __init__(self, inner: requests.adapters.BaseAdapter) -> None:
        super().__init__()
        self._inner = inner

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        if (request.method or "GET").upper() not in READS:
            raise WritesForbidden(request.method or "", _short(request.url or ""))
        return self._inner.send(request, **kwargs)

    def close(self) -> None:
        self._inner.close()


def _checked(token: str) -> str:
    """Never send (or echo, through requests' InvalidHeader message) a malformed token."""
    if not _TOKEN.match(token or ""):
        raise Unauthenticated(401, "", "The access token of the cf CLI is missing or malformed; "
                              "run 'cf login' again")
    return token


def _same_origin(url: str, api_url: str) -> bool:
    a, b = urlsplit(url), urlsplit(api_url)
    return (a.scheme, a.netloc) == (b.scheme, b.netloc)


def _body(resp: requests.Response) -> Any:
    try:
        return resp.json()
    except ValueError:
        return resp.text or ""


def _describe(exc: Exception) -> str:
    """A transport error in words, without any header value the exception may quote."""
    name = type(exc).__name__
    if isinstance(exc, requests.Timeout):
        return "the request timed out"
    if isinstance(exc, requests.ConnectionError):
        return "the connection failed" if "reset" not in str(exc).lower() else "the connection was reset"
    return f"the request failed ({name})"


def _params(params: dict[str, Any]) -> dict[str, Any]:
    """CC list filters are comma-joined; None drops a filter."""
    out: dict[str, Any] = {}
    for key, value in params.items():
        if value is None:
            continue
        if isinstance(value, list | tuple | set):
            value = ",".join(sorted(value) if isinstance(value, set) else value)
        out[key] = value
    return out


def _short(url: str) -> str:
    return urlsplit(url).path
