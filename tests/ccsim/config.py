"""Run-time settings of the simulator: set at start (flags, --config-json) and via `POST /_sim/config`."""

from __future__ import annotations

import dataclasses
from typing import Any

from .errors import unprocessable


@dataclasses.dataclass
class SimConfig:
    token_lifetime_s: float = 600.0  # lifetime of access tokens issued by the UAA
    refresh_token_lifetime_s: float = 86400.0
    staging_s: float = 0.5  # time a build stays STAGING
    upload_s: float = 0.05  # time a package stays PROCESSING_UPLOAD
    start_s: float = 0.2  # time before an instance's process is spawned (container placement)
    route_propagation_s: float = 1.0  # delay before the router applies a route/instance change
    broker_s: float = 0.5  # time a managed service instance/binding operation takes
    job_s: float = 0.05  # time an app/route/package/droplet delete job takes
    stop_grace_s: float = 2.0  # SIGTERM → SIGKILL grace when stopping an instance
    latency_ms: float = 0.0  # extra latency on every API request
    router_latency_ms: float = 0.0  # extra latency on every router request
    router_max_attempts: int = 3  # like gorouter: a refused connection is retried on another endpoint
    backend_timeout_s: float = 30.0
    request_log_limit: int = 20000
    api_version: str = "3.195.0"

    def update(self, values: dict[str, Any]) -> None:
        """Merge `values` (JSON object) into the config; unknown keys and bad types are refused."""
        fields = {f.name: f for f in dataclasses.fields(self)}
        unknown = [k for k in values if k not in fields]
        if unknown:
            raise unprocessable("Unknown field(s): '" + "', '".join(unknown) + "'")
        for key, value in values.items():
            kind = fields[key].type
            number = isinstance(value, int | float) and not isinstance(value, bool)
            if kind == "float" and number:
                value = float(value)
            elif not ((kind == "int" and number and isinstance(value, int))
                      or (kind == "str" and isinstance(value, str))):
                raise unprocessable(f"{key} must be a {kind}")
            if isinstance(value, float) and value < 0:
                raise unprocessable(f"{key} must be >= 0")
            setattr(self, key, value)

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

