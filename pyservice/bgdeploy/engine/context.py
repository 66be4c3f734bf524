"""Everything a step may use while it runs: the operation record, Cloud Controller, the archive, the
resolved model, a progress logger. Steps get explicit inputs from here and store their results in
`op.data[<step name>]`, which is persisted after every change."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from bgdeploy.cc import CloudController
from bgdeploy.engine.events import EventBus
from bgdeploy.engine.settings import EngineSettings
from bgdeploy.errors import BgDeployError
from bgdeploy.mta.model import DeploymentModel, Phase
from bgdeploy.store import OperationRecord, Store


class OperationAborted(BgDeployError):
    """Raised inside a step when the user aborted the operation meanwhile."""


@dataclass
class OperationContext:
    op: OperationRecord
    store: Store
    cc: CloudController
    bus: EventBus
    settings: EngineSettings
    archive_path: str
    extension_paths: list[tuple[str, str]]  # (file name, path)
    aborted: threading.Event
    service_guids: dict[str, str] = field(default_factory=dict)  # in memory for one run of the steps
    _lock: threading.RLock = field(default_factory=threading.RLock)
    _models: dict[str, DeploymentModel] = field(default_factory=dict)

    # -- progress ---------------------------------------------------------------------------------

    def info(self, text: str, **kw: str) -> None:
        self.bus.emit(self.op.id, text, **kw)

    def warn(self, text: str, **kw: str) -> None:
        self.bus.emit(self.op.id, text, level="WARN", **kw)

    def debug(self, text: str, **kw: str) -> None:
        self.bus.emit(self.op.id, text, level="DEBUG", **kw)

    def check_aborted(self) -> None:
        if self.aborted.is_set():
            raise OperationAborted("The operation was aborted")

    # -- persisted step data ----------------------------------------------------------------------

    def data(self, step: str) -> dict[str, Any]:
        with self._lock:
            return self.op.data.setdefault(step, {})

    def update(self, step: str, **values: Any) -> None:
        with self._lock:
            self.op.data.setdefault(step, {}).update(values)
            self.store.save_operation(self.op)

    def save(self, **fields_: Any) -> None:
        with self._lock:
            for key, value in fields_.items():
                setattr(self.op, key, value)
            self.store.save_operation(self.op)

    # -- the MTA ----------------------------------------------------------------------------------

    def model(self, phase: Phase) -> DeploymentModel:
        """The resolved MTA for this target; resolution is pure, so it is recomputed, not stored."""
        with self._lock:
            if phase not in self._models:
                from bgdeploy.engine.mta_loader import resolve_for

                self._models[phase] = resolve_for(self, phase)
            return self._models[phase]

    @property
    def options(self) -> dict[str, Any]:
        return self.op.options

    @property
    def is_blue_green(self) -> bool:
        return self.op.process_type == "BLUE_GREEN_DEPLOY"
