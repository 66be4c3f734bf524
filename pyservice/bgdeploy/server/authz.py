"""Every Deployer call is authorised by Cloud Controller, as the official deploy service does.

The caller's token is checked against the space the call is about: the space of the request's target,
or, for calls that name an operation, the space that operation was started in (never what the client
claims later). Reads need any space role (developer, manager, auditor, supporter); uploads, starts and
actions need space developer. The roles are read from CC with the caller's own token, which also proves
the token valid, and kept per token for a short time. No token or one CC refuses: UNAUTHENTICATED; no
role: PERMISSION_DENIED. A target outside the configured `--cf-api` endpoints is refused before any
request leaves the engine.

`AuthInterceptor` wraps only the Deployer methods; health (and anything else) passes untouched, so it
composes with other interceptors (such as a local secret).
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from itertools import chain
from typing import Any

import grpc

from bgdeploy.cc import CloudController
from bgdeploy.cc import roles as cc_roles
from bgdeploy.cc.errors import Unauthenticated
from bgdeploy.engine.tokens import StaticToken, claims, token_expiry
from bgdeploy.errors import BgDeployError
from bgdeploy.server.limits import StreamLimits
from bgdeploy.store import Store

READ, WRITE = "read", "write"
SERVICE = "/bgdeploy.v1.Deployer/"
CACHE_S = 30.0  # roles are trusted this long per token (the issue allows up to 60 s)
ADMIN_SCOPE = "cloud_controller.admin"


@dataclass(frozen=True)
class Scope:
    api_endpoint: str
    space_guid: str
    skip_ssl: bool


@dataclass(frozen=True)
class Rule:
    level: str
    target: str  # "target": the request's target; "operation": the named operation's own space


def _first(req: Any) -> Any:
    """The part of a streamed call's first message that names the target or operation."""
    if isinstance(req, memoryview):  # an upload's data part (server/upload_parts.py) names nothing
        raise Denied(grpc.StatusCode.INVALID_ARGUMENT, "An upload must start with its header")
    for part in ("header", "start"):
        if part in req.DESCRIPTOR.fields_by_name and req.HasField(part):
            return getattr(req, part)
    return req


RULES: dict[str, Rule] = {
    "Upload": Rule(WRITE, "target"), "FindFile": Rule(WRITE, "target"), "StartOperation": Rule(WRITE, "target"),
    "Act": Rule(WRITE, "operation"), "Watch": Rule(READ, "operation"), "GetOperation": Rule(READ, "operation"),
    "GetOperationLog": Rule(READ, "operation"), "ListOperations": Rule(READ, "target"),
    "ListMtas": Rule(READ, "target"), "GetMta": Rule(READ, "target"),
}


class Denied(Exception):
    def __init__(self, code: grpc.StatusCode, message: str) -> None:
        super().__init__(message)
        self.code = code


def bearer_of(context: grpc.ServicerContext) -> str:
    for key, value in context.invocation_metadata() or ():
        if key == "authorization":
            return str(value)
    return ""


def normalise_api(url: str) -> str:
    return url.strip().rstrip("/").lower()


class Authorizer:
    def __init__(self, store: Store, allowed_apis: list[str], *,
                 cc_factory: Callable[..., CloudController] = CloudController, cache_s: float = CACHE_S) -> None:
        self.store = store
        self.allowed = {normalise_api(a) for a in allowed_apis}
        self.cc_factory = cc_factory
        self.cache_s = cache_s
        self._cache: dict[tuple[str, str, str], tuple[float, frozenset[str]]] = {}
        self._lock = threading.Lock()

    def scope(self, rule: Rule, request: Any) -> Scope:
        part = _first(request)
        if rule.target == "operation":
            op = self.store.get_operation(part.operation_id)
            if op is None:
                raise Denied(grpc.StatusCode.NOT_FOUND,
                             f"Multi-target app operation with ID {part.operation_id} not found")
            return Scope(op.api_endpoint, op.space_guid, op.skip_ssl)
        t = part.target
        if not t.api_endpoint or not t.space_guid:
            raise Denied(grpc.StatusCode.INVALID_ARGUMENT,
                         "The request names no Cloud Foundry target (API endpoint, org and space)")
        return Scope(t.api_endpoint.rstrip("/"), t.space_guid, t.skip_ssl_validation)

    @staticmethod
    def authenticate(token: str) -> None:
        """What can be told without asking CC: a token is there and has not expired."""
        if not token:
            raise Denied(grpc.StatusCode.UNAUTHENTICATED, "No access token was sent")
        exp = token_expiry(token)
        if exp is not None and exp <= time.time():
            raise Denied(grpc.StatusCode.UNAUTHENTICATED, "The access token has expired")

    def check(self, token: str, scope: Scope, level: str) -> None:
        self.authenticate(token)
        if self.allowed and normalise_api(scope.api_endpoint) not in self.allowed:
            raise Denied(grpc.StatusCode.PERMISSION_DENIED,
                         f"This deploy engine does not serve the Cloud Foundry API {scope.api_endpoint}")
        roles = self._roles(token, scope)
        if level == READ and roles:
            return
        if level == WRITE and ("space_developer" in roles or "admin" in roles):
            return
        what = "read operations in" if level == READ else "deploy to or act on operations in"
        need = "a space role (developer, manager, auditor or supporter)" if level == READ else "the SpaceDeveloper role"
        has = ", ".join(sorted(roles)) or "no role"
        raise Denied(grpc.StatusCode.PERMISSION_DENIED,
                     f"You are not authorized to {what} space {scope.space_guid}: it needs {need}, you have {has}")

    def _roles(self, token: str, scope: Scope) -> frozenset[str]:
        key = (hashlib.sha256(token.encode()).hexdigest(), normalise_api(scope.api_endpoint), scope.space_guid)
        now = time.monotonic()
        with self._lock:
            hit = self._cache.get(key)
            if hit and hit[0] > now:
                return hit[1]
            for stale in [k for k, (until, _) in self._cache.items() if until <= now]:
                del self._cache[stale]
        found = claims(token)
        cc = self.cc_factory(scope.api_endpoint, StaticToken(token), verify=not scope.skip_ssl, timeout_s=15.0)
        try:
            if ADMIN_SCOPE in (found.get("scope") or []):
                roles = frozenset({"admin"} if cc_roles.space_visible(cc, scope.space_guid) else set())
            else:
                roles = frozenset(cc_roles.space_roles(cc, str(found.get("user_id") or ""), scope.space_guid))
        except Unauthenticated as exc:
            raise Denied(grpc.StatusCode.UNAUTHENTICATED, f"Cloud Controller refused the access token: {exc}") from None
        except BgDeployError as exc:
            raise Denied(grpc.StatusCode.UNAVAILABLE,
                         f"Could not check your roles with Cloud Controller: {exc}") from None
        finally:
            cc.close()
        with self._lock:
            self._cache[key] = (now + self.cache_s, roles)
        return roles


class AuthInterceptor(grpc.ServerInterceptor):
    """Authorises each Deployer call (Authorizer) and bounds each user's open streams (StreamLimits)."""

    def __init__(self, authorizer: Authorizer, limits: StreamLimits | None = None) -> None:
        self.authorizer = authorizer
        self.limits = limits or StreamLimits()

    def intercept_service(self, continuation: Callable[[Any], Any], details: Any) -> Any:
        handler = continuation(details)
        method = str(details.method or "")
        rule = RULES.get(method[len(SERVICE):]) if method.startswith(SERVICE) else None
        if handler is None or rule is None:
            return handler
        name = method[len(SERVICE):]
        kw = {"request_deserializer": handler.request_deserializer,
              "response_serializer": handler.response_serializer}
        if handler.request_streaming and handler.response_streaming:
            return grpc.stream_stream_rpc_method_handler(self._streams(rule, name, handler.stream_stream), **kw)
        if handler.request_streaming:
            return grpc.stream_unary_rpc_method_handler(self._stream_in(rule, name, handler.stream_unary), **kw)
        if handler.response_streaming:
            return grpc.unary_stream_rpc_method_handler(self._stream_out(rule, name, handler.unary_stream), **kw)
        return grpc.unary_unary_rpc_method_handler(self._unary(rule, handler.unary_unary), **kw)

    def _authenticate(self, context: grpc.ServicerContext) -> None:
        try:
            self.authorizer.authenticate(bearer_of(context))
        except Denied as exc:
            context.abort(exc.code, str(exc))

    def _authorize(self, rule: Rule, request: Any, context: grpc.ServicerContext) -> str:
        """The caller's user id, once CC allowed the call; aborts the call otherwise."""
        token = bearer_of(context)
        try:
            self.authorizer.check(token, self.authorizer.scope(rule, request), rule.level)
        except Denied as exc:
            context.abort(exc.code, str(exc))
        return str(claims(token).get("user_id") or "")

    def _unary(self, rule: Rule, behaviour: Callable[..., Any]) -> Callable[..., Any]:
        def call(request: Any, context: grpc.ServicerContext) -> Any:
            self._authorize(rule, request, context)
            return behaviour(request, context)

        return call

    def _stream_in(self, rule: Rule, name: str, behaviour: Callable[..., Any]) -> Callable[..., Any]:
        def call(requests: Iterator[Any], context: grpc.ServicerContext) -> Any:
            self._authenticate(context)
            requests = self.limits.idle_limited(requests, context)
            first = next(requests, None)
            if first is None:
                context.abort(grpc.StatusCode.INVALID_ARGUMENT, "The stream ended before its first message")
            user = self._authorize(rule, first, context)
            with self.limits.open(user, name, context):
                return behaviour(chain([first], requests), context)

        return call

    def _streams(self, rule: Rule, name: str, behaviour: Callable[..., Any]) -> Callable[..., Any]:
        def call(requests: Iterator[Any], context: grpc.ServicerContext) -> Iterator[Any]:
            self._authenticate(context)
            first = next(requests, None)
            if first is None:
                context.abort(grpc.StatusCode.INVALID_ARGUMENT, "The stream ended before its first message")
            user = self._authorize(rule, first, context)
            with self.limits.open(user, name, context):
                yield from behaviour(chain([first], requests), context)

        return call

    def _stream_out(self, rule: Rule, name: str, behaviour: Callable[..., Any]) -> Callable[..., Any]:
        def call(request: Any, context: grpc.ServicerContext) -> Iterator[Any]:
            user = self._authorize(rule, request, context)
            with self.limits.open(user, name, context):
                yield from behaviour(request, context)

        return call
