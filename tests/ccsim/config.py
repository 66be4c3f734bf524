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
    route_propagation_s: float = 1.0  # delay before a router instance applies a route/instance change
    router_instances: int = 1  # gorouters behind the one router port, each with its own routing table
    # one delay per router instance (overrides route_propagation_s); empty: all use route_propagation_s
    router_propagation_s: list[float] = dataclasses.field(default_factory=list)
    broker_s: float = 0.5  # time a managed service instance/binding operation takes
    job_s: float = 0.05  # time an app/route/package/droplet delete job takes
    stop_grace_s: float = 2.0  # SIGTERM → SIGKILL grace when stopping an instance
    latency_ms: float = 0.0  # extra latency on every API request
    router_latency_ms: float = 0.0  # extra latency on every router request
    router_max_attempts: int = 3  # like gorouter: a refused connection is retried on another endpoint
    backend_timeout_s: float = 30.0
    request_log_limit: int = 20000  # entries kept in the API request log and in the router request log
    api_version: str = "3.195.0"

    def update(self, values: dict[str, Any]) -> None:
        """Merge `values` (JSON object) into the config; unknown keys and bad values refuse the whole update."""
        fields = {f.name: f for f in dataclasses.fields(self)}
        unknown = [k for k in values if k not in fields]
        if unknown:
            raise unprocessable("Unknown field(s): '" + "', '".join(unknown) + "'")
        checked = {key: _checked(key, str(fields[key].type), value) for key, value in values.items()}
        instances = checked.get("router_instances", self.router_instances)
        delays = checked.get("router_propagation_s", self.router_propagation_s)
        if instances < 1:
            raise unprocessable("router_instances must be >= 1")
        if delays and len(delays) != instances:
            raise unprocessable("router_propagation_s must be empty or have one entry per router instance "
                                f"({instances})")
        for key, value in checked.items():
            setattr(self, key, value)

    def propagation_s(self, instance: int) -> float:
        """The delay with which router instance `instance` learns a change."""
        delays = self.router_propagation_s
        return delays[instance] if instance < len(delays) else self.route_propagation_s

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _checked(key: str, kind: str, value: Any) -> Any:
    if kind == "float" and _number(value) and value >= 0:
        return float(value)
    if kind == "int" and _number(value) and isinstance(value, int) and value >= 0:
        return value
    if kind == "str" and isinstance(value, str):
        return value
    if kind == "list[float]" and isinstance(value, list) and all(_number(v) and v >= 0 for v in value):
        return [float(v) for v in value]
    wanted = {"float": "a number >= 0", "int": "an integer >= 0", "str": "a string",
              "list[float]": "a list of numbers >= 0"}[kind]
    raise unprocessable(f"{key} must be {wanted}")
