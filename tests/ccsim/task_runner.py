"""Runs tasks: `sh -c <command>` in the directory of the task's droplet, with the app's
environment (user env, VCAP_APPLICATION, VCAP_SERVICES, MEMORY_LIMIT, CF_INSTANCE_*; no PORT).

A task is RUNNING from its creation (CC marks it so once Diego accepted it); its process is spawned
after `start_s` (container placement). Exit 0 → SUCCEEDED; otherwise FAILED with Diego's
"APP/TASK/<name>: Exited with status N". A cancel makes it CANCELING, sends SIGTERM to its process
group (SIGKILL after `stop_grace_s`) and ends FAILED with "task was cancelled". Output goes to
`<work_dir>/tasks/<guid>.log` (its tail is in the state dump).
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .simulator import Simulator

Resource = dict[str, Any]
CANCELLED = "task was cancelled"
OUTPUT_TAIL = 4096


class TaskRunner:
    def __init__(self, sim: Simulator, work_dir: Path) -> None:
        self.sim = sim
        self.log_dir = work_dir / "tasks"
        self.procs: dict[str, subprocess.Popen[bytes]] = {}  # task guid → process

    # ------------------------------------------------------------ called with the simulator lock held
    def submit(self, task: Resource) -> None:
        task["_created"] = time.time()
        self.sim.clock.call_later(self.sim.config.start_s, lambda: self._spawn(task["guid"]))

    def cancel(self, task: Resource) -> None:
        task["state"] = "CANCELING"
        self.sim.store.touch(task)
        proc = self.procs.get(task["guid"])
        if proc is None:  # not spawned yet: Diego drops it at once
            self.sim.clock.call_later(0, lambda: self._finish(task["guid"], None))
            return
        self._signal(proc, signal.SIGTERM)
        self.sim.clock.call_later(self.sim.config.stop_grace_s, lambda: self._signal(proc, signal.SIGKILL))

    def forget_app(self, app_guid: str) -> None:
        """The app is deleted: its tasks go with it (CC cancels them)."""
        for task in self.sim.store.where("tasks", app_guid=app_guid):
            proc = self.procs.pop(task["guid"], None)
            if proc is not None:
                self._signal(proc, signal.SIGKILL)

    def reset(self) -> None:
        for proc in self.procs.values():
            self._signal(proc, signal.SIGKILL)
        self.procs.clear()

    def environment(self, task: Resource, app: Resource, cwd: str) -> dict[str, str]:
        from .resources.apps import vcap_application
        from .resources.service_bindings import vcap_services

        vcap_app = vcap_application(self.sim, app, None)
        vcap_app["limits"]["mem"] = task["memory_in_mb"]
        vcap_app["limits"]["disk"] = task["disk_in_mb"]
        for key in ("process_id", "process_type"):
            vcap_app.pop(key)
        env = {k: v if isinstance(v, str) else json.dumps(v) for k, v in app["env"].items()}
        env.update({
            "VCAP_APPLICATION": json.dumps(vcap_app), "VCAP_SERVICES": json.dumps(vcap_services(self.sim, app["guid"])),
            "MEMORY_LIMIT": f"{task['memory_in_mb']}m", "CF_INSTANCE_IP": "127.0.0.1",
            "CF_INSTANCE_INTERNAL_IP": "127.0.0.1", "CF_INSTANCE_PORT": "", "CF_INSTANCE_ADDR": "",
            "CF_INSTANCE_PORTS": "[]",
        })
        return env

    def _spawn(self, guid: str) -> None:
        task = self.sim.store.find("tasks", guid)
        if task is None or task["state"] != "RUNNING":
            return
        app = self.sim.store.tables["apps"][task["app_guid"]]
        droplet = self.sim.store.find("droplets", task["droplet_guid"])
        cwd = droplet["_dir"] if droplet else ""
        task["_environment"] = self.environment(task, app, cwd)
        env = {"PATH": f"{self.sim.runner.bin_dir}:{os.environ.get('PATH', '/usr/bin:/bin')}", "HOME": cwd,
               "LANG": os.environ.get("LANG", "C.UTF-8"), "TMPDIR": "/tmp", **task["_environment"]}
        self.log_dir.mkdir(parents=True, exist_ok=True)
        try:
            with self.log_path(guid).open("wb") as log:
                proc = subprocess.Popen(["sh", "-c", task["command"]], cwd=cwd or None, env=env,
                                        stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                        start_new_session=True)
        except OSError:
            task["state"], task["failure_reason"] = "FAILED", "Unable to request task to be run"
            task["_finished"] = time.time()
            self.sim.store.touch(task)
            return
        self.procs[guid] = proc
        task["_started"], task["_pid"] = time.time(), proc.pid
        threading.Thread(target=self._wait, args=(guid, proc), name=f"ccsim-task-{guid[:8]}", daemon=True).start()

    def _finish(self, guid: str, returncode: int | None) -> None:
        task = self.sim.store.find("tasks", guid)
        if task is None or task["state"] in ("SUCCEEDED", "FAILED"):
            return
        if task["state"] == "CANCELING":
            task["state"], task["failure_reason"] = "FAILED", CANCELLED
        elif returncode == 0:
            task["state"] = "SUCCEEDED"
        else:
            status = 128 - returncode if returncode is not None and returncode < 0 else returncode
            task["state"], task["failure_reason"] = "FAILED", f"APP/TASK/{task['name']}: Exited with status {status}"
        task["_finished"], task["_exit_code"] = time.time(), returncode
        self.sim.store.touch(task)

    @staticmethod
    def _signal(proc: subprocess.Popen[bytes], sig: signal.Signals) -> None:
        if proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, sig)

    # ------------------------------------------------------------ waiter threads
    def _wait(self, guid: str, proc: subprocess.Popen[bytes]) -> None:
        returncode = proc.wait()
        with self.sim.lock:
            if self.procs.get(guid) is proc:
                del self.procs[guid]
                self._finish(guid, returncode)

    # ------------------------------------------------------------ observation
    def log_path(self, guid: str) -> Path:
        return self.log_dir / f"{guid}.log"

    def dump(self) -> list[Resource]:
        out = []
        for task in sorted(self.sim.store.all("tasks"), key=lambda t: t["_seq"]):
            app = self.sim.store.find("apps", task["app_guid"]) or {}
            path = self.log_path(task["guid"])
            output = path.read_bytes()[-OUTPUT_TAIL:].decode(errors="replace") if path.exists() else ""
            out.append({
                "guid": task["guid"], "app_guid": task["app_guid"], "app_name": app.get("name"),
                "name": task["name"], "command": task["command"], "state": task["state"],
                "sequence_id": task["sequence_id"], "droplet_guid": task["droplet_guid"],
                "memory_in_mb": task["memory_in_mb"], "failure_reason": task["failure_reason"],
                "created_at": task.get("_created"), "started_at": task.get("_started"),
                "finished_at": task.get("_finished"), "exit_code": task.get("_exit_code"), "pid": task.get("_pid"),
                "environment": task.get("_environment"), "output": output,
            })
        return out
