"""Which timeout applies to an app: the command line's, the module's, then the engine's default."""

from __future__ import annotations

from dataclasses import dataclass

from bgdeploy.engine.options import DeployOptions
from bgdeploy.engine.settings import EngineSettings
from bgdeploy.mta.model import AppSpec


@dataclass(frozen=True)
class AppTimeouts:
    start_s: int
    stage_s: int
    upload_s: int


def app_timeouts(options: DeployOptions, settings: EngineSettings, spec: AppSpec) -> AppTimeouts:
    return AppTimeouts(
        start_s=int(options.apps_start_timeout_s or spec.start_timeout_s or settings.default_start_timeout_s),
        stage_s=int(options.apps_stage_timeout_s or spec.stage_timeout_s or settings.default_stage_timeout_s),
        upload_s=int(options.apps_upload_timeout_s or spec.upload_timeout_s or settings.default_upload_timeout_s),
    )
