"""The HTTP session every CC call goes through.

Layers, outermost first: auth (bearer token from a TokenProvider; one refresh and resend on 401) →
retries (urllib3 Retry on 429/502/503/504 and dropped connections, for idempotent requests only: a POST
is retried only when the caller says repeating it is harmless) → requests/urllib3.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator
from typing import Any, Protocol
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from bgdeploy.errors import CloudControllerError, InfrastructureError, StepTimeoutError

log = logging.getLogger(__name__)

RETRY_STATUSES = (429, 502, 503, 504)
IDEMPOTENT = frozenset({"GET", "HEAD", "PUT", "PATCH", "DELETE", "OPTIONS"})


class TokenProvider(Protocol):
    def token(self) -> str:
        """The current access token as 'bearer <jwt>'."""

    def refresh(self) -> str:
        """A fresh token after CC refused the current one."""


def _retry(methods: frozenset[str]) -> Retry:
    return Retry(
        total=6,
        connect=6,
        read=3,
        status=6,
        backoff_factor=0.1,
        backoff_max=5,
        status_forcelist=RETRY_STATUSES,
        allowed_methods=methods,
        respect_retry_after_header=True,
        raise_on_status=False,
    )


class CloudController:
    def __init__(
        self,
        api_url: str,
        tokens: TokenProvider,
        *,
        verify: bool = True,
        timeout_s: float = 60.0,
        pool_size: int = 16,
    ) -> None:
        self.api_url = api_url.rstrip("/")
        self._tokens = tokens
        self._timeout = timeout_s
        self._session = self._new_session(IDEMPOTENT, verify, pool_size)
        self._post_session = self._new_session(IDEMPOTENT | {"POST"}, verify, pool_size)
        self._plain_session = self._new_session(frozenset(), verify, pool_size)

    @staticmethod
    def _new_session(methods: frozenset[str], verify: bool, pool_size: int) -> requests.Session:
        session = requests.Session()
        session.verify = verify
        adapter = HTTPAdapter(max_retries=_retry(methods), pool_connections=4, pool_maxsize=pool_size)
        session.mount("http://", adapter)
        session.mount("https://", adapter)
        session.headers["Accept"] = "application/json"
        session.headers["User-Agent"] = "bgdeploy-engine/0.1"
        return session

    def close(self) -> None:
        for s in (self._session, self._post_session, self._plain_session):
            s.close()

    # -- core -------------------------------------------------------------------------------------

    def request(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        body: Any = None,
        files: Any = None,
        data: Any = None,
        headers: dict[str, str] | None = None,
        retry_post: bool = False,
        ok_missing: bool = False,
    ) -> requests.Response | None:
        """Send one request; map CC errors. With ok_missing, a 404 returns None (already gone)."""
        url = path if path.startswith("http") else self.api_url + path
        session = (self._post_session if retry_post else self._plain_session) if method == "POST" else self._session
        for attempt in (1, 2):
            hdrs = {"Authorization": self._tokens.token() if attempt == 1 else self._tokens.refresh()}
            if headers:
                hdrs.update(headers)
            try:
                resp = session.request(
                    method, url, params=params, json=body, files=files, data=data,
                    headers=hdrs, timeout=self._timeout,
                )
            except requests.RequestException as exc:
                raise InfrastructureError(f"Cloud Controller request {method} {_short(url)} failed: {exc}") from exc
            if resp.status_code == 401 and attempt == 1 and files is None and data is None:
                continue  # one fresh token, then send again
            break
        if resp.status_code == 404 and ok_missing:
            return None
        if resp.status_code >= 400:
            raise _error(resp, method, url)
        return resp

    def get(self, path: str, **params: Any) -> dict[str, Any]:
        resp = self.request("GET", path, params=_params(params))
        assert resp is not None
        return resp.json()

    def get_or_none(self, path: str, **params: Any) -> dict[str, Any] | None:
        resp = self.request("GET", path, params=_params(params), ok_missing=True)
        return resp.json() if resp is not None else None

    def list(self, path: str, **params: Any) -> Iterator[dict[str, Any]]:
        """Every resource of a list endpoint, following `pagination.next`."""
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

    def post(self, path: str, body: Any = None, *, retry: bool = False) -> requests.Response:
        resp = self.request("POST", path, body=body, retry_post=retry)
        assert resp is not None
        return resp

    def patch(self, path: str, body: Any) -> dict[str, Any]:
        resp = self.request("PATCH", path, body=body)
        assert resp is not None
        return resp.json()

    def delete(self, path: str, **params: Any) -> requests.Response | None:
        """DELETE; a resource that is already gone counts as deleted (returns None)."""
        return self.request("DELETE", path, params=_params(params), ok_missing=True)

    # -- jobs -------------------------------------------------------------------------------------

    def wait_for_job(self, resp: requests.Response | None, timeout_s: float, what: str) -> None:
        """Follow a 202's Location job until COMPLETE; FAILED raises the job's first error."""
        if resp is None or resp.status_code != 202:
            return
        location = resp.headers.get("Location")
        if not location:
            return
        deadline = time.monotonic() + timeout_s
        delay = 0.05
        while True:
            job = self.get(location)
            state = job.get("state")
            if state == "COMPLETE":
                return
            if state == "FAILED":
                err = (job.get("errors") or [{}])[0]
                raise CloudControllerError(
                    int(err.get("code", 0) and 422), err.get("title", "CF-JobFailed"),
                    f"{what} failed: {err.get('detail', 'job failed')}", "GET", location,
                )
            if time.monotonic() > deadline:
                raise StepTimeoutError(f"{what} did not finish within {int(timeout_s)} seconds")
            time.sleep(delay)
            delay = min(delay * 1.5, 1.0)


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
    parts = urlsplit(url)
    return parts.path


def _error(resp: requests.Response, method: str, url: str) -> CloudControllerError:
    title, detail = "", resp.reason or ""
    try:
        errors = resp.json().get("errors") or []
        if errors:
            title = errors[0].get("title", "")
            detail = errors[0].get("detail", detail)
    except (ValueError, AttributeError):
        detail = (resp.text or detail)[:200]
    if resp.status_code == 401:
        detail = detail or "Invalid Auth Token"
    return CloudControllerError(resp.status_code, title, detail, method, _short(url))


def dumps(obj: Any) -> str:
    return json.dumps(obj, separators=(",", ":"), sort_keys=True)
