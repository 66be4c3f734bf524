"""Root documents (`/`, `/v3`, `/v3/info`) and the UAA endpoints (`/login`, `/oauth/token`, `/userinfo`)."""

from __future__ import annotations

import urllib.parse

from ..api import Req, Resp, endpoint
from ..uaa import OAuthError, check_client

V3_LINKS = (
    "app_usage_events", "apps", "audit_events", "buildpacks", "builds", "deployments", "domains", "droplets",
    "environment_variable_groups", "feature_flags", "info", "isolation_segments", "organizations",
    "organization_quotas", "packages", "processes", "resource_matches", "roles", "routes", "security_groups",
    "service_brokers", "service_instances", "service_offerings", "service_plans", "service_usage_events",
    "spaces", "space_quotas", "stacks", "tasks", "users",
)


@endpoint("GET", "/", auth=False)
def root(req: Req) -> Resp:
    base = req.base_url
    host = urllib.parse.urlsplit(base).hostname or "127.0.0.1"
    version = req.sim.config.api_version
    return Resp(200, {"links": {
        "self": {"href": base},
        "bits_service": None,
        # v2 is not served: the link is there because CC always announces it (cf v8 ignores it)
        "cloud_controller_v2": {"href": f"{base}/v2", "meta": {"version": "2.200.0"}},
        "cloud_controller_v3": {"href": f"{base}/v3", "meta": {"version": version}},
        "network_policy_v0": None,
        "network_policy_v1": {"href": f"{base}/networking/v1/external"},
        "login": {"href": base},
        "uaa": {"href": base},
        "credhub": None,
        "routing": None,
        # logging endpoints are not served (no logs are simulated); the links only keep the shape
        "logging": {"href": f"ws://{host}:1"},
        "log_cache": {"href": f"{base}/log-cache-not-simulated"},
        "log_stream": {"href": f"{base}/log-stream-not-simulated"},
        "app_ssh": {"href": f"{host}:2222", "meta": {"host_key_fingerprint": "sim", "oauth_client": "ssh-proxy"}},
    }})


@endpoint("GET", "/v3", auth=False)
def v3_root(req: Req) -> Resp:
    links = {"self": req.link("/v3")}
    links.update({name: req.link(f"/v3/{name}") for name in V3_LINKS})
    return Resp(200, {"links": links})


@endpoint("GET", "/v3/info", auth=False)
def info(req: Req) -> Resp:
    return Resp(200, {
        "build": "ccsim", "cli_version": {"minimum": "", "recommended": ""}, "custom": {},
        "description": "Cloud Controller simulator", "name": "ccsim", "version": 0,
        "osbapi_version": "2.15", "rate_limits": {"enabled": False, "general_limit": None,
                                                  "reset_interval_in_minutes": None},
        "links": {"self": req.link("/v3/info"), "support": {"href": "https://example.invalid/support"}},
    })


@endpoint("GET", "/login", auth=False)
def login_info(req: Req) -> Resp:
    return Resp(200, {
        "app": {"version": "4.30.0"}, "showLoginLinks": True, "links": {"uaa": req.base_url, "login": req.base_url},
        "zone_name": "uaa", "entityID": "ccsim", "commit_id": "sim", "idpDefinitions": {},
        "prompts": {"username": ["text", "Email"], "password": ["password", "Password"]},
        "timestamp": "2025-01-01T00:00:00+0000",
    })


@endpoint("POST", "/oauth/token", auth=False)
def token(req: Req) -> Resp:
    sim = req.sim
    form = dict(urllib.parse.parse_qsl(req.body.decode("utf-8", "replace"), keep_blank_values=True))
    try:
        check_client(req.headers.get("authorization"), form)
        grant = form.get("grant_type")
        if grant == "password":
            users = [u for u in sim.store.all("users") if u["username"] == form.get("username")]
            if not users or users[0]["password"] != form.get("password"):
                raise OAuthError(401, "unauthorized", "Bad credentials")
            body = sim.uaa.issue(users[0], sim.config.token_lifetime_s, sim.config.refresh_token_lifetime_s)
        elif grant == "refresh_token":
            refresh = form.get("refresh_token") or ""
            user = sim.store.find("users", sim.uaa.refresh(refresh))
            if user is None:
                raise OAuthError(401, "invalid_token", "Invalid refresh token")
            body = sim.uaa.issue(user, sim.config.token_lifetime_s, sim.config.refresh_token_lifetime_s,
                                 refresh_token=refresh)
        else:
            raise OAuthError(400, "unsupported_grant_type", f"Unsupported grant type: {grant}")
    except OAuthError as err:
        return Resp(err.status, err.body, {"Cache-Control": "no-store"})
    return Resp(200, body, {"Cache-Control": "no-store"})


@endpoint("GET", "/userinfo", auth=False)
def userinfo(req: Req) -> Resp:
    """UAA's OpenID Connect user info for the bearer token's user."""
    try:
        claims = req.sim.uaa.verify_for_uaa(req.headers.get("authorization"))
        user = req.sim.store.find("users", claims.get("user_id"))
        if user is None:
            raise OAuthError(401, "invalid_token", "Invalid access token")
    except OAuthError as err:
        return Resp(err.status, err.body, {"WWW-Authenticate": f'Bearer error="{err.body["error"]}"'})
    name = user["username"]
    return Resp(200, {"user_id": user["guid"], "sub": user["guid"], "user_name": name, "given_name": name,
                      "family_name": "", "email": user["email"], "email_verified": True, "phone_number": None,
                      "previous_logon_time": None, "name": name})
