"""Engine-wide settings (from the serve command's flags)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class EngineSettings:
    state_dir: str
    # How long routers may keep sending traffic to a route's old destinations after CC accepted a change.
    # Real gorouters learn of changes within seconds (route-emitter syncs; see docs): 20 s is safe there.
    route_settle_s: float = 20.0
    default_start_timeout_s: int = 3600
    default_stage_timeout_s: int = 3600
    default_upload_timeout_s: int = 3600
    service_timeout_s: int = 3600
    max_parallel_apps: int = 16
    token_wait_s: float = 30.0
