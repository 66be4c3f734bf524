"""Engine-wide settings (from the serve command's flags)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class EngineSettings:
    state_dir: str
    # How long routers may keep sending traffic to a route's old destinations after CC accepted a change.
    # Real gorouters learn of changes within seconds (route-emitter syncs; see docs): 20 s is safe there.
    route_settle_s: float = 20.0  # the fixed wait of --route-check timer (and of the fallback from probe)
    route_addresses: tuple[str, ...] = ()  # DOMAIN=[SCHEME://]HOST:PORT overrides (routers/addresses.py)
    # Defaults of the deploy flags of the route check (engine/route_check.py):
    route_check_probes: int = 3  # consecutive confirming rounds per route and instance
    route_check_spread_s: float = 0.05  # ... spanning at least this (the count, not the time, spreads them)
    route_check_timeout_s: float = 300.0  # longer than route-emitter's 60 s sync and NATS hiccups
    drain_s: float = 2.0  # requests in flight on the old apps finish before they stop
    default_start_timeout_s: int = 3600
    default_stage_timeout_s: int = 3600
    default_upload_timeout_s: int = 3600
    service_timeout_s: int = 3600
    max_parallel_apps: int = 16
    token_wait_s: float = 30.0
    # Shared engines (several instances on one PostgreSQL database):
    lease_s: float = 15.0  # an instance that stops renewing loses its operations after this long
    heartbeat_s: float = 1.0  # how often leases are renewed and aborts through other instances noticed
    takeover: bool = False  # claim RUNNING operations of dead instances (PostgreSQL); else mark them ERROR
    adopt_wait_s: float = 60.0  # a taken-over operation waits this long for its user's shim to bring a token
    # Retention:
    keep_files: bool = False  # keep uploads after their operation ended
    file_ttl_s: float = 24 * 3600.0  # uploads are deleted after this long at the latest (unless in use)
    idle_ttl_s: float = 5 * 24 * 3600.0  # ACTION_REQUIRED/ERROR operations are aborted after this long
