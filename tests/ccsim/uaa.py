"""UAA: password and refresh_token grants issuing signed JWTs (HS256 with a per-run secret), and
`GET /userinfo`. Expired, forged or malformed tokens get 401: `CF-InvalidAuthToken` from CC,
`{"error": "invalid_token"}` from UAA.

The access token carries `exp`, `iat`, `user_name`, `user_id`, `origin`, `client_id`, `scope`, `jti`.
The payload is padded with a `sim_pad` claim until its base64url form has no `-`/`_`, because the
cf CLI's legacy plugin RPCs (`Username`, `UserGuid`) decode it with standard base64.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from typing import Any

from .errors import invalid_auth_token, not_authenticated

CLIENTS = {"cf": ""}
SCOPES = ["openid", "cloud_controller.read", "cloud_controller.write", "uaa.user"]


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class OAuthError(Exception):
    def __init__(self, status: int, error: str, description: str) -> None:
        super().__init__(description)
        self.status = status
        self.body = {"error": error, "error_description": description}


class Uaa:
    def __init__(self, issuer: str = "http://127.0.0.1/oauth/token") -> None:
        self.secret = secrets.token_bytes(32)
        self.issuer = issuer
        self.refresh_tokens: dict[str, dict[str, Any]] = {}
        self.issued = 0

    def issue(self, user: dict[str, Any], lifetime_s: float, refresh_lifetime_s: float,
              refresh_token: str | None = None) -> dict[str, Any]:
        now = int(time.time())
        jti = secrets.token_hex(16)
        claims: dict[str, Any] = {
            "jti": jti, "sub": user["guid"], "scope": SCOPES, "client_id": "cf", "cid": "cf", "azp": "cf",
            "grant_type": "password", "user_id": user["guid"], "origin": "uaa",
            "user_name": user["username"], "email": user["email"], "auth_time": now, "iat": now,
            "exp": now + max(1, round(lifetime_s)), "iss": self.issuer, "zid": "uaa",
            "aud": ["cloud_controller", "openid", "cf", "uaa"],
        }
        token = self._sign(claims)
        if refresh_token is None:
            refresh_token = secrets.token_hex(24) + "-r"
            self.refresh_tokens[refresh_token] = {"user_guid": user["guid"], "exp": now + refresh_lifetime_s}
        self.issued += 1
        return {
            "access_token": token, "token_type": "bearer", "refresh_token": refresh_token,
            "expires_in": int(claims["exp"] - now), "scope": " ".join(SCOPES), "jti": jti,
        }

    def _sign(self, claims: dict[str, Any]) -> str:
        header = _b64(json.dumps({"alg": "HS256", "kid": "sim-key", "typ": "JWT"}).encode())
        pad = 0
        while True:
            claims["sim_pad"] = "x" * pad
            payload = _b64(json.dumps(claims, separators=(",", ":")).encode())
            if "-" not in payload and "_" not in payload:
                break
            pad += 1
        signing_input = f"{header}.{payload}".encode()
        signature = _b64(hmac.new(self.secret, signing_input, hashlib.sha256).digest())
        return f"{header}.{payload}.{signature}"

    def verify(self, authorization: str | None) -> dict[str, Any]:
        """Claims of a valid bearer token; CC's 401 answers otherwise."""
        if not authorization:
            raise not_authenticated()
        if self._problem(authorization) is not None:
            raise invalid_auth_token()
        return self._claims(authorization)

    def verify_for_uaa(self, authorization: str | None) -> dict[str, Any]:
        """Claims of a valid bearer token; UAA's 401 answers (OAuth error bodies) otherwise."""
        if not authorization:
            raise OAuthError(401, "unauthorized", "Full authentication is required to access this resource")
        problem = self._problem(authorization)
        if problem is not None:
            raise OAuthError(401, "invalid_token", problem)
        return self._claims(authorization)

    def _problem(self, authorization: str) -> str | None:
        """Why the bearer token is not valid, or None."""
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or token.count(".") != 2:
            return "Invalid access token"
        header, payload, signature = token.split(".")
        expected = _b64(hmac.new(self.secret, f"{header}.{payload}".encode(), hashlib.sha256).digest())
        if not hmac.compare_digest(expected, signature):
            return "Could not verify token signature."
        try:
            claims = json.loads(_unb64(payload))
        except ValueError:
            return "Invalid access token"
        if not isinstance(claims, dict) or not isinstance(claims.get("exp"), int):
            return "Invalid access token"
        if claims["exp"] <= time.time():
            return "The token expired, was revoked, or the token ID is incorrect."
        return None

    @staticmethod
    def _claims(authorization: str) -> dict[str, Any]:
        payload = authorization.partition(" ")[2].split(".")[1]
        return dict(json.loads(_unb64(payload)))

    def refresh(self, token: str) -> str:
        """User guid of a valid refresh token."""
        entry = self.refresh_tokens.get(token)
        if entry is None:
            raise OAuthError(401, "invalid_token", "Invalid refresh token (expired or unknown)")
        if entry["exp"] <= time.time():
            raise OAuthError(401, "invalid_token", f"Invalid refresh token (expired): {token}")
        return str(entry["user_guid"])


def check_client(authorization: str | None, form: dict[str, str]) -> None:
    client_id, secret = form.get("client_id"), form.get("client_secret", "")
    if authorization and authorization.lower().startswith("basic "):
        try:
            decoded = base64.b64decode(authorization[6:]).decode()
        except ValueError as exc:
            raise OAuthError(401, "unauthorized", "Bad credentials") from exc
        client_id, _, secret = decoded.partition(":")
    if client_id is None:
        raise OAuthError(401, "unauthorized", "Full authentication is required to access this resource")
    if CLIENTS.get(client_id) != secret:
        raise OAuthError(401, "invalid_client", "Bad credentials")
