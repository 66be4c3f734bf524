"""Typed views of the Cloud Controller resources the engine reads: only the fields it uses.

Each has `of(json)`; the wire format stays in cc/, so the engine never indexes raw CC JSON.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

Json = dict[str, Any]


def _meta(res: Json) -> tuple[dict[str, str], dict[str, str]]:
    meta = res.get("metadata") or {}
    return dict(meta.get("labels") or {}), dict(meta.get("annotations") or {})


def _rel(res: Json, name: str) -> str:
    return (((res.get("relationships") or {}).get(name) or {}).get("data") or {}).get("guid") or ""


@dataclass(frozen=True)
class App:
    guid: str
    name: str
    state: str  # STARTED | STOPPED
    created_at: str
    lifecycle_type: str
    labels: dict[str, str] = field(default_factory=dict)
    annotations: dict[str, str] = field(default_factory=dict)
    lifecycle: dict[str, Any] = field(default_factory=dict)  # as CC shows it: {"type", "data"}

    @classmethod
    def of(cls, res: Json) -> App:
        labels, annotations = _meta(res)
        lifecycle = res.get("lifecycle") or {}
        return cls(res["guid"], res["name"], res.get("state", ""), res.get("created_at", ""),
                   lifecycle.get("type", ""), labels, annotations, dict(lifecycle))

    @property
    def module(self) -> str:
        """The MTA module this app was deployed from (the `mta_module` annotation), if any."""
        try:
            return str(json.loads(self.annotations.get("mta_module") or "{}").get("name", ""))
        except (ValueError, AttributeError):
            return ""


@dataclass(frozen=True)
class HealthCheckSettings:
    type: str
    data: dict[str, Any]


@dataclass(frozen=True)
class Process:
    guid: str
    type: str
    instances: int
    memory_mb: int
    disk_mb: int
    command: str | None
    health_check: HealthCheckSettings
    readiness_check: HealthCheckSettings = HealthCheckSettings("process", {})
    app_guid: str = ""

    @classmethod
    def of(cls, res: Json) -> Process:
        hc = res.get("health_check") or {}
        ready = res.get("readiness_health_check") or {}
        return cls(res["guid"], res.get("type", "web"), int(res.get("instances", 1)),
                   int(res.get("memory_in_mb") or 0), int(res.get("disk_in_mb") or 0), res.get("command"),
                   HealthCheckSettings(hc.get("type", "port"), dict(hc.get("data") or {})),
                   HealthCheckSettings(ready.get("type", "process"), dict(ready.get("data") or {})), _rel(res, "app"))


@dataclass(frozen=True)
class Destination:
    guid: str
    app_guid: str
    process_type: str


@dataclass(frozen=True)
class Route:
    guid: str
    host: str
    path: str
    url: str
    domain_guid: str
    destinations: tuple[Destination, ...]

    @classmethod
    def of(cls, res: Json) -> Route:
        dests = tuple(Destination(d["guid"], d["app"]["guid"], (d["app"].get("process") or {}).get("type", "web"))
                      for d in res.get("destinations", []))
        return cls(res["guid"], res.get("host", ""), res.get("path", ""), res.get("url", ""),
                   _rel(res, "domain"), dests)

    def destinations_of(self, app_guid: str) -> list[Destination]:
        return [d for d in self.destinations if d.app_guid == app_guid]


@dataclass(frozen=True)
class Package:
    guid: str
    state: str  # AWAITING_UPLOAD | PROCESSING_UPLOAD | READY | FAILED | COPYING | EXPIRED
    error: str
    annotations: dict[str, str]

    @classmethod
    def of(cls, res: Json) -> Package:
        _, annotations = _meta(res)
        return cls(res["guid"], res.get("state", ""), str((res.get("data") or {}).get("error") or ""), annotations)


@dataclass(frozen=True)
class Build:
    guid: str
    state: str  # STAGING | STAGED | FAILED
    package_guid: str
    droplet_guid: str
    error: str

    @classmethod
    def of(cls, res: Json) -> Build:
        return cls(res["guid"], res.get("state", ""), (res.get("package") or {}).get("guid", ""),
                   (res.get("droplet") or {}).get("guid", ""), str(res.get("error") or ""))


@dataclass(frozen=True)
class Droplet:
    guid: str
    state: str  # AWAITING_UPLOAD | PROCESSING_UPLOAD | COPYING | STAGED | FAILED | EXPIRED
    created_at: str
    error: str

    @classmethod
    def of(cls, res: Json) -> Droplet:
        return cls(res["guid"], res.get("state", ""), res.get("created_at", ""), str(res.get("error") or ""))


@dataclass(frozen=True)
class ServiceInstance:
    guid: str
    name: str
    type: str  # managed | user-provided
    plan_guid: str
    tags: tuple[str, ...]
    last_operation_type: str
    last_operation_state: str
    syslog_drain_url: str
    labels: dict[str, str] = field(default_factory=dict)
    annotations: dict[str, str] = field(default_factory=dict)
    # when the lookup asked for them (cc.services.instances_with_plans); "" otherwise
    plan_name: str = ""
    offering_name: str = ""
    broker_name: str = ""

    @classmethod
    def of(cls, res: Json) -> ServiceInstance:
        labels, annotations = _meta(res)
        last = res.get("last_operation") or {}
        return cls(res["guid"], res["name"], res.get("type", ""), _rel(res, "service_plan"),
                   tuple(res.get("tags") or ()), last.get("type", ""), last.get("state", ""),
                   res.get("syslog_drain_url") or "", labels, annotations)

    @property
    def busy(self) -> bool:
        return self.last_operation_state in ("initial", "in progress")

    @property
    def failed_creation(self) -> bool:
        return self.last_operation_type == "create" and self.last_operation_state == "failed"


@dataclass(frozen=True)
class Binding:
    guid: str
    name: str
    type: str  # app | key
    app_guid: str
    instance_guid: str
    state: str
    labels: dict[str, str] = field(default_factory=dict)
    annotations: dict[str, str] = field(default_factory=dict)
    operation: str = ""  # the last operation's type: create | delete

    @classmethod
    def of(cls, res: Json) -> Binding:
        labels, annotations = _meta(res)
        last = res.get("last_operation") or {}
        return cls(res["guid"], res.get("name") or "", res.get("type", ""), _rel(res, "app"),
                   _rel(res, "service_instance"), last.get("state", ""), labels, annotations, last.get("type", ""))

    @property
    def busy(self) -> bool:
        """A broker creates or deletes it right now (no other request about it would be accepted)."""
        return self.state in ("initial", "in progress")


@dataclass(frozen=True)
class Job:
    state: str  # PROCESSING | POLLING | COMPLETE | FAILED
    error_title: str
    error_detail: str

    @classmethod
    def of(cls, res: Json) -> Job:
        err = (res.get("errors") or [{}])[0]
        return cls(res.get("state", ""), err.get("title", ""), err.get("detail", ""))


@dataclass(frozen=True)
class Task:
    guid: str
    name: str
    state: str  # PENDING | RUNNING | CANCELING | SUCCEEDED | FAILED
    failure_reason: str
    annotations: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, res: Json) -> Task:
        _, annotations = _meta(res)
        return cls(res["guid"], res.get("name", ""), res.get("state", ""),
                   str((res.get("result") or {}).get("failure_reason") or ""), annotations)

    @property
    def finished(self) -> bool:
        return self.state in ("SUCCEEDED", "FAILED")
