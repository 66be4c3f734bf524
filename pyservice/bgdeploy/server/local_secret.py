"""The per-user secret of a local engine on loopback TCP (Windows has no Unix sockets, so any local user could
connect to the port): every call must carry the secret that the shim keeps in a file only the user can read."""

from __future__ import annotations

import hmac
from collections.abc import Callable
from pathlib import Path
from typing import Any

import grpc

METADATA_KEY = "bgdeploy-local-secret"


def read_secret(path: str) -> str:
    secret = Path(path).read_text().strip()
    if not secret:
        raise ValueError(f"the local engine secret file {path} is empty")
    return secret


class LocalSecretInterceptor(grpc.ServerInterceptor):
    """Refuses (UNAUTHENTICATED) every call, health checks included, without the right secret."""

    def __init__(self, secret: str) -> None:
        self._secret = secret.encode()

    def intercept_service(self, continuation: Callable[[Any], Any], handler_call_details: Any) -> Any:
        for key, value in handler_call_details.invocation_metadata or ():
            if key == METADATA_KEY and hmac.compare_digest(str(value).encode(), self._secret):
                return continuation(handler_call_details)
        handler = continuation(handler_call_details)
        return None if handler is None else _refusal(handler)


def _refusal(handler: grpc.RpcMethodHandler) -> grpc.RpcMethodHandler:
    def refuse(_request: Any, context: grpc.ServicerContext) -> Any:
        context.abort(grpc.StatusCode.UNAUTHENTICATED, "This local deploy engine belongs to another user")

    if handler.request_streaming and handler.response_streaming:
        return grpc.stream_stream_rpc_method_handler(refuse)
    if handler.request_streaming:
        return grpc.stream_unary_rpc_method_handler(refuse)
    if handler.response_streaming:
        return grpc.unary_stream_rpc_method_handler(refuse)
    return grpc.unary_unary_rpc_method_handler(refuse)
