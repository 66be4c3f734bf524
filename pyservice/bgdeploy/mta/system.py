"""System parameters: the values the deploy service injects under the user's parameters.

User values win over system values, except read-only ones (`default-*`, `org`, `space`, `user`, ...), which a
descriptor may not set at all. In the blue-green idle phase `default-host`, `default-uri` and `default-url`
take the temporary (idle) values; `default-live-*` always give the productive ones. The idle variants
(`default-idle-host`, `idle-host`, `idle-domain`, ...) are present in both phases so the idle routes can be
computed whenever the engine asks.
"""

from __future__ import annotations

import hashlib
import secrets
import string
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from .model import PlatformContext
from .names import default_host, namespaced

READ_ONLY_GLOBAL = frozenset(
    {
        "org",
        "org-guid",
        "space",
        "space-guid",
        "user",
        "default-domain",
        "default-idle-domain",
        "controller-url",
        "xs-api-url",
        "authorization-url",
        "xs-auth-url",
        "xs-type",
    }
)
READ_ONLY_MODULE = frozenset(
    {
        "default-app-name",
        "default-live-app-name",
        "default-host",
        "default-idle-host",
        "default-live-host",
        "default-uri",
        "default-idle-uri",
        "default-live-uri",
        "default-url",
        "default-idle-url",
        "default-live-url",
        "default-instances",
        "default-domain",
        "generated-user",
        "generated-password",
    }
)
READ_ONLY_RESOURCE = frozenset(
    {"default-service-name", "default-container-name", "default-xsappname", "generated-user", "generated-password"}
)

_CREDENTIAL_ALPHABET = string.ascii_letters + string.digits + "-_.()[]!"
_CREDENTIAL_LENGTH = 16


@dataclass
class Generated:
    """${generated-*} and ${timestamp}: stable for one resolve() call, and across calls given ctx.seed."""

    seed: str
    timestamp: str
    _values: dict[str, str] = field(default_factory=dict)

    @classmethod
    def for_context(cls, ctx: PlatformContext) -> Generated:
        stamp = ctx.timestamp or datetime.now(UTC).strftime("%Y%m%d%H%M%S")
        return cls(seed=ctx.seed or secrets.token_hex(16), timestamp=stamp)

    def credential(self, owner: str, kind: str) -> str:
        key = f"{owner}\0{kind}"
        if key not in self._values:
            digest = hashlib.sha256(f"{self.seed}\0{key}".encode()).digest()
            self._values[key] = "".join(_CREDENTIAL_ALPHABET[b % len(_CREDENTIAL_ALPHABET)] for b in digest)[
                :_CREDENTIAL_LENGTH
            ]
        return self._values[key]


def protocol_of(ctx: PlatformContext) -> str:
    return urlsplit(ctx.api_url).scheme or "https"


def global_parameters(ctx: PlatformContext, mta_id: str, version: str, generated: Generated) -> dict[str, Any]:
    return {
        "org": ctx.org,
        "org-guid": ctx.org_guid,
        "space": ctx.space,
        "space-guid": ctx.space_guid,
        "user": ctx.user,
        "default-domain": ctx.default_domain,
        "default-idle-domain": ctx.default_domain,
        "controller-url": ctx.api_url,
        "xs-api-url": ctx.api_url,
        "authorization-url": ctx.authorization_url,
        "xs-auth-url": ctx.authorization_url,
        "xs-type": "CF",
        "deploy-target": f"{ctx.org} {ctx.space}",
        "mta-id": mta_id,
        "mta-version": version,
        "timestamp": generated.timestamp,
        "protocol": protocol_of(ctx),
    }


@dataclass(frozen=True)
class NamespaceRules:
    namespace: str
    app_names: bool
    service_names: bool
    app_routes: bool
    as_suffix: bool


def module_parameters(
    ctx: PlatformContext,
    module_name: str,
    user_params: dict[str, Any],
    idle: bool,
    ns: NamespaceRules,
    apply_app_name: bool,
    generated: Generated,
) -> dict[str, Any]:
    def host_for(name: str) -> str:
        name = namespaced(name, ns.namespace, apply=ns.app_routes, as_suffix=ns.as_suffix, max_length=1024)
        return default_host(ctx.org, ctx.space, name)

    live_host = host_for(module_name)
    idle_host = host_for(module_name + "-idle")
    path = "${route-path}" if user_params.get("route-path") is not None else ""
    idle_uri = "${idle-host}.${idle-domain}" + path
    return {
        "default-app-name": namespaced(
            module_name, ns.namespace, apply=apply_app_name, as_suffix=ns.as_suffix, max_length=1024
        ),
        "app-name": "${default-app-name}",
        "default-live-app-name": "${app-name}",
        "default-instances": 1,
        "instances": "${default-instances}",
        "timestamp": generated.timestamp,
        "domain": "${default-domain}",
        "idle-domain": "${default-idle-domain}",
        "default-live-host": live_host,
        "default-idle-host": idle_host,
        "default-host": idle_host if idle else live_host,
        "host": "${default-host}",
        "idle-host": "${default-idle-host}",
        "default-idle-uri": idle_uri,
        "default-live-uri": "${default-live-host}.${domain}" + path,
        "default-uri": idle_uri if idle else "${host}.${domain}" + path,
        "default-idle-url": "${protocol}://${default-idle-uri}",
        "default-live-url": "${protocol}://${default-live-uri}",
        "default-url": "${protocol}://${default-uri}",
        "protocol": protocol_of(ctx),
        "generated-user": generated.credential(f"module:{module_name}", "user"),
        "generated-password": generated.credential(f"module:{module_name}", "password"),
    }


def resource_parameters(
    ctx: PlatformContext, resource_name: str, service_name: str, generated: Generated
) -> dict[str, Any]:
    container = f"{ctx.org}_{ctx.space}_{resource_name}".upper()
    container = "".join(c if c.isalnum() or c == "_" else "_" for c in container)[:64]
    xsappname = "".join(c if c.isalnum() or c in "._-\\/" else "_" for c in resource_name)[:240] or "_"
    return {
        "default-service-name": service_name,
        "service-name": "${default-service-name}",
        "default-container-name": container,
        "default-xsappname": xsappname,
        "generated-user": generated.credential(f"resource:{resource_name}", "user"),
        "generated-password": generated.credential(f"resource:{resource_name}", "password"),
    }
