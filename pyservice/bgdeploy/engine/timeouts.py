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


DEFAULT_TASK_TIMEOUT_S = 12 * 3600  # the deploy service's appsTaskExecutionTimeout


def task_timeout(options: DeployOptions, spec: AppSpec | None) -> int:
    """--apps-task-execution-timeout, else the module's (or descriptor-wide) timeout, else 12 hours."""
    return int(options.apps_task_execution_timeout_s or (spec.task_timeout_s if spec else None)
               or DEFAULT_TASK_TIMEOUT_S)
