"""The simulator object: state, clock, UAA, runner, router, faults and the request log in one place."""

from __future__ import annotations

import collections
import itertools
import logging
import shutil
import threading
from pathlib import Path
from typing import Any

from .config import SimConfig
from .faults import Faults
from .openapi_check import OpenApiChecker
from .router import Router
from .runner import Runner
from .seed import seed_store
from .state import Clock, Store
from .task_runner import TaskRunner
from .uaa import Uaa

log = logging.getLogger("ccsim")


class Simulator:
    def __init__(self, work_dir: Path, config: SimConfig | None = None, seed: int = 0,
                 catalog: list[dict[str, Any]] | None = None) -> None:
        self.lock = threading.RLock()
        self.work_dir = work_dir
        work_dir.mkdir(parents=True, exist_ok=True)
        self.config = config or SimConfig()
        self.initial_config = SimConfig(**self.config.as_dict())
        self.faults = Faults(seed)
        self.catalog = catalog or []
        self.store = Store()
        self.clock = Clock(self.lock)
        self.uaa = Uaa()
        self.router = Router(self)
        self.runner = Runner(self, work_dir)
        self.tasks = TaskRunner(self, work_dir)
        self.api_url = ""
        self.router_url = ""
        self.requests: collections.deque[dict[str, Any]] = collections.deque(maxlen=self.config.request_log_limit)
        self._request_seq = itertools.count(1)
        self.openapi: OpenApiChecker | None = None
        self.openapi_checked = 0
        self.openapi_violations: list[str] = []
        seed_store(self.store, self.catalog)

    # ------------------------------------------------------------ request log
    def log_request(self, entry: dict[str, Any]) -> None:
        entry["seq"] = next(self._request_seq)
        self.requests.append(entry)

    def request_log(self, since: int = 0) -> list[dict[str, Any]]:
        return [e for e in list(self.requests) if e["seq"] > since]

    def record_openapi(self, problems: list[str]) -> None:
        with self.lock:
            self.openapi_checked += 1
            self.openapi_violations.extend(problems)

    # ------------------------------------------------------------ paths
    def droplet_dir(self, guid: str) -> Path:
        return self.work_dir / "droplets" / guid

    def package_file(self, guid: str) -> Path:
        return self.work_dir / "packages" / f"{guid}.zip"

    # ------------------------------------------------------------ control
    def reset(self) -> None:
        """Forget everything the tests created; keep users, org, space, domains, catalog."""
        with self.lock:
            for guid in list(self.runner.instances):
                for inst in self.runner.instances.pop(guid):
                    self.runner._terminate(inst)
            self.tasks.reset()
            self.store = Store()
            seed_store(self.store, self.catalog)
            self.config = SimConfig(**self.initial_config.as_dict())
            self.faults.configure({"seed": self.faults.seed})
            self.faults.injected.clear()
            self.requests.clear()
            with self.router._outcome_lock:
                self.router.outcomes.clear()
            self.router.refresh()
        for sub in ("droplets", "packages", "tasks"):
            shutil.rmtree(self.work_dir / sub, ignore_errors=True)

    def dump(self) -> dict[str, Any]:
        with self.lock:
            store = self.store
            apps = []
            for app in store.all("apps"):
                procs = store.where("processes", app_guid=app["guid"])
                apps.append({
                    "guid": app["guid"], "name": app["name"], "state": app["state"],
                    "space_guid": app["space_guid"], "droplet_guid": app.get("droplet_guid"),
                    "environment_variables": app["env"], "metadata": app["metadata"],
                    "lifecycle": app["lifecycle"], "features": app["features"],
                    "processes": [{"guid": p["guid"], "type": p["type"], "instances": p["instances"],
                                   "memory_in_mb": p["memory_in_mb"], "disk_in_mb": p["disk_in_mb"],
                                   "command": p["command"], "health_check": p["health_check"]} for p in procs],
                })
            routes = []
            for route in store.all("routes"):
                domain = store.find("domains", route["domain_guid"])
                names = [(store.find("apps", d["app"]["guid"]) or {}).get("name") for d in route["destinations"]]
                routes.append({"guid": route["guid"], "host": route["host"], "path": route["path"],
                               "domain": domain["name"] if domain else None,
                               "destinations": [{"guid": d["guid"], "app_guid": d["app"]["guid"], "app_name": n,
                                                 "process_type": d["app"]["process"]["type"]}
                                                for d, n in zip(route["destinations"], names, strict=True)]})
            return {
                "api_url": self.api_url, "router_url": self.router_url,
                "config": self.config.as_dict(), "faults": self.faults.as_dict(),
                "counts": {kind: len(table) for kind, table in store.tables.items()},
                "apps": apps, "routes": routes, "instances": self.runner.dump(), "tasks": self.tasks.dump(),
                "spaces": [{"guid": s["guid"], "name": s["name"], "quota_guid": s.get("quota_guid")}
                           for s in store.all("spaces")],
                "space_quotas": [{"guid": q["guid"], "name": q["name"], "apps": q["apps"],
                                  "space_guids": [s["guid"] for s in store.all("spaces")
                                                  if s.get("quota_guid") == q["guid"]]}
                                 for q in store.all("space_quotas")],
                "packages": [{"guid": p["guid"], "app_guid": p["app_guid"], "type": p["type"], "state": p["state"],
                              "image": p["image"]} for p in store.all("packages")],
                "droplets": [{"guid": d["guid"], "app_guid": d["app_guid"], "state": d["state"],
                              "lifecycle_type": d["lifecycle_type"], "image": d["image"],
                              "package_guid": d["package_guid"], "process_types": d["process_types"]}
                             for d in store.all("droplets")],
                "service_instances": [{"guid": s["guid"], "name": s["name"], "type": s["type"],
                                       "last_operation": s["last_operation"], **self._offering_and_plan(s),
                                       "tags": s["tags"], "parameters": s["parameters"],
                                       "credentials": s["credentials"], "metadata": s["metadata"]}
                                      for s in store.all("service_instances")],
                "service_credential_bindings": [{"guid": b["guid"], "type": b["type"], "name": b["name"],
                                                 "app_guid": b["app_guid"], "service_instance_guid": b["si_guid"],
                                                 "state": b["last_operation"]["state"],
                                                 "parameters": b["parameters"], "metadata": b["metadata"]}
                                                for b in store.all("service_credential_bindings")],
                "jobs": [{"guid": j["guid"], "operation": j["operation"], "state": j["state"]}
                         for j in store.all("jobs")],
                "router": self.router.describe(),
                "tokens_issued": self.uaa.issued,
                "openapi": {"enabled": self.openapi is not None, "checked": self.openapi_checked,
                            "violations": len(self.openapi_violations)},
                "requests_logged": len(self.requests),
            }

    def _offering_and_plan(self, si: dict[str, Any]) -> dict[str, str | None]:
        plan = self.store.tables["service_plans"].get(si.get("plan_guid") or "")
        if plan is None:
            return {"offering": None, "plan": None}
        return {"offering": self.store.tables["service_offerings"][plan["offering_guid"]]["name"], "plan": plan["name"]}

    def shutdown(self) -> None:
        self.router.stop()
        with self.lock:
            self.tasks.reset()
        self.runner.shutdown()
        self.clock.stop()
