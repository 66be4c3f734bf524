"""App runner: each instance of a started app's process is a subprocess on its own port.

An instance runs `sh -c <command>` in its droplet directory with PORT, VCAP_APPLICATION,
VCAP_SERVICES, CF_INSTANCE_INDEX and the app's environment variables (kept on the instance, so the
state dump shows what each running instance got). Without a command, when the command's program
does not exist here, or for a docker droplet (images are not run), the built-in responder
(`responder.py`) runs instead.
States: STARTING (placed, `start_s`, then spawned) → RUNNING (health check passes: port accepts,
HTTP endpoint answers 200, or the process is alive for type `process`) → CRASHED (process exited or
health check timed out). Stopping sends SIGTERM to the process group, SIGKILL after `stop_grace_s`.
"""

from __future__ import annotations

import collections
import contextlib
import dataclasses
import http.client
import json
import logging
import os
import random
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .simulator import Simulator

log = logging.getLogger("ccsim.runner")
RESPONDER = str(Path(__file__).with_name("responder.py"))
SHELL_BUILTINS = {"cd", "exec", "export", ".", "source", "true", "echo", "set", "sleep", "exit", "eval", "env"}


@dataclasses.dataclass
class Instance:
    app_guid: str
    process_guid: str
    process_type: str
    index: int
    droplet_guid: str
    argv: list[str]
    cwd: str
    env: dict[str, str]
    health: dict[str, Any]
    spawn_at: float
    state: str = "STARTING"
    since: float = dataclasses.field(default_factory=time.time)
    port: int = 0
    proc: subprocess.Popen[bytes] | None = None
    builtin: bool = False
    started_at: float = 0.0
    details: str | None = None
    environment: dict[str, str] = dataclasses.field(default_factory=dict)  # what the app sees, without plumbing
    image: str | None = None  # docker image of the droplet


_recent_ports: collections.deque[int] = collections.deque(maxlen=512)
_ports_lock = threading.Lock()
_random_ports = random.Random()
# Below Linux's ephemeral range (32768-60999), where the kernel picks the local port of every outgoing
# connection and of every bind to port 0: under load one of those took an instance's port between this
# check and the instance's own bind, and the instance crashed after another process answered its health
# check. Several simulators side by side (pytest-xdist) draw at random from 22,000 ports.
INSTANCE_PORTS = range(10_000, 32_000)


def free_port() -> int:
    """A loopback port nobody listens on, outside the ephemeral range, never one handed out recently."""
    with _ports_lock:
        while True:
            port = _random_ports.choice(INSTANCE_PORTS)
            if port in _recent_ports:
                continue
            with socket.socket() as s:
                try:
                    s.bind(("127.0.0.1", port))
                except OSError:
                    continue
            _recent_ports.append(port)
            return port


def runnable(command: str, cwd: str, path: str) -> bool:
    """Whether the command's program exists here (so the app's own bits can run)."""
    try:
        words = shlex.split(command)
    except ValueError:
        return False
    while words and re.match(r"^[A-Za-z_][A-Za-z0-9_]*=", words[0]):
        words = words[1:]
    if not words:
        return False
    program = words[0]
    if program in SHELL_BUILTINS:
        return True
    if "/" in program:
        return os.access(os.path.join(cwd, program), os.X_OK) or os.access(program, os.X_OK)
    return shutil.which(program, path=path) is not None


class Runner:
    def __init__(self, sim: Simulator, work_dir: Path) -> None:
        self.sim = sim
        self.instances: dict[str, list[Instance]] = {}  # process guid → live instances
        self.terminating: list[tuple[Instance, float]] = []
        self.bin_dir = work_dir / "bin"
        self.bin_dir.mkdir(parents=True, exist_ok=True)
        for name in ("python", "python3"):
            link = self.bin_dir / name
            if not link.exists():
                link.symlink_to(sys.executable)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._monitor, name="ccsim-runner", daemon=True)
        self._thread.start()

    # ------------------------------------------------------------ desired state (lock held)
    def sync_app(self, app: dict[str, Any]) -> None:
        """Make the app's instances match its state, processes and instance counts."""
        store = self.sim.store
        processes = store.where("processes", app_guid=app["guid"])
        droplet = store.find("droplets", app.get("droplet_guid"))
        for process in processes:
            live = self.instances.setdefault(process["guid"], [])
            wanted = process["instances"] if app["state"] == "STARTED" and droplet else 0
            for inst in [i for i in live if i.index >= wanted]:
                self._terminate(inst)
            live[:] = [i for i in live if i.index < wanted]
            have = {i.index for i in live}
            for index in range(wanted):
                if index not in have:
                    assert droplet is not None
                    live.append(self._new_instance(app, process, droplet, index))
            live.sort(key=lambda i: i.index)
        known = {p["guid"] for p in processes}
        for guid, live in list(self.instances.items()):
            if guid not in known and live and live[0].app_guid == app["guid"]:
                for inst in self.instances.pop(guid):
                    self._terminate(inst)
        self.sim.router.refresh()

    def stop_app(self, app_guid: str) -> None:
        for guid, live in list(self.instances.items()):
            if live and live[0].app_guid == app_guid:
                for inst in live:
                    self._terminate(inst)
                del self.instances[guid]
        self.sim.router.refresh()

    def restart_instance(self, process_guid: str, index: int) -> bool:
        live = self.instances.get(process_guid, [])
        for inst in live:
            if inst.index == index:
                self._terminate(inst)
                live.remove(inst)
                app = self.sim.store.find("apps", inst.app_guid)
                if app:
                    self.sync_app(app)
                return True
        return False

    def _new_instance(self, app: dict[str, Any], process: dict[str, Any], droplet: dict[str, Any],
                      index: int) -> Instance:
        from .resources.apps import instance_environment

        cwd = droplet["_dir"]
        command = process.get("command") or droplet["process_types"].get(process["type"]) or ""
        path = f"{self.bin_dir}:{os.environ.get('PATH', '/usr/bin:/bin')}"
        port = free_port()
        environment = instance_environment(self.sim, app, process, index, port)
        env = {"PATH": path, "HOME": cwd, "LANG": os.environ.get("LANG", "C.UTF-8"), "TMPDIR": "/tmp", **environment}
        image = droplet.get("image") if droplet["lifecycle_type"] == "docker" else None
        builtin = image is not None or not command or not runnable(command, cwd, path)
        if builtin:
            argv = [sys.executable, RESPONDER]
            env.update(SIM_APP_NAME=app["name"], SIM_DROPLET_GUID=droplet["guid"])
            if image is not None:
                env.update(SIM_DOCKER_IMAGE=image, SIM_ENV_KEYS=",".join(environment))
        else:
            argv = ["sh", "-c", command]
        return Instance(
            app_guid=app["guid"], process_guid=process["guid"], process_type=process["type"], index=index,
            droplet_guid=droplet["guid"], argv=argv, cwd=cwd, env=env, health=dict(process["health_check"]),
            spawn_at=time.monotonic() + self.sim.config.start_s, port=port, builtin=builtin,
            environment=environment, image=image,
        )

    def _terminate(self, inst: Instance) -> None:
        inst.state = "STOPPING"
        proc = inst.proc
        if proc is not None and proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
            self.terminating.append((inst, time.monotonic() + self.sim.config.stop_grace_s))

    # ------------------------------------------------------------ observation (lock held)
    def app_instances(self, process_guid: str) -> list[Instance]:
        return list(self.instances.get(process_guid, []))

    def running_endpoints(self, app_guid: str, process_type: str) -> list[tuple[str, int, int]]:
        out = []
        for live in self.instances.values():
            for inst in live:
                if inst.app_guid == app_guid and inst.process_type == process_type and inst.state == "RUNNING":
                    out.append(("127.0.0.1", inst.port, inst.index))
        return out

    def dump(self) -> list[dict[str, Any]]:
        return [
            {"app_guid": i.app_guid, "process_guid": i.process_guid, "type": i.process_type, "index": i.index,
             "state": i.state, "port": i.port, "pid": i.proc.pid if i.proc else None,
             "droplet_guid": i.droplet_guid, "builtin_responder": i.builtin, "details": i.details,
             "docker_image": i.image, "environment": dict(i.environment)}
            for live in self.instances.values() for i in live
        ]

    # ------------------------------------------------------------ monitor thread
    def _monitor(self) -> None:
        while not self._stop.wait(0.03):
            try:
                self._tick()
            except Exception:
                log.exception("runner tick failed")

    def _tick(self) -> None:
        now = time.monotonic()
        with self.sim.lock:
            live = [i for lst in self.instances.values() for i in lst]
            terminating = list(self.terminating)
        changed = False
        for inst in live:
            if inst.state != "STARTING" and inst.state != "RUNNING":
                continue
            if inst.proc is None:
                if now >= inst.spawn_at:
                    self._spawn(inst)
                continue
            if inst.proc.poll() is not None:
                with self.sim.lock:
                    if inst.state in ("STARTING", "RUNNING"):
                        inst.state, inst.since = "CRASHED", time.time()
                        inst.details = f"process exited with status {inst.proc.returncode}"
                        changed = True
                continue
            if inst.state == "STARTING":
                if self._healthy(inst):
                    with self.sim.lock:
                        if inst.state == "STARTING":
                            inst.state, inst.since = "RUNNING", time.time()
                            changed = True
                elif now - inst.started_at > float(inst.health.get("data", {}).get("timeout") or 60):
                    with self.sim.lock:
                        self._terminate(inst)
                        inst.state, inst.since, inst.details = "CRASHED", time.time(), "health check timed out"
                        changed = True
        for inst, deadline in terminating:
            proc = inst.proc
            if proc is None or proc.poll() is not None:
                with self.sim.lock:
                    self.terminating = [t for t in self.terminating if t[0] is not inst]
            elif now >= deadline:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
        if changed:
            with self.sim.lock:
                self.sim.router.refresh()

    def _spawn(self, inst: Instance) -> None:
        try:
            proc = subprocess.Popen(
                inst.argv, cwd=inst.cwd, env=inst.env, stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
            )
        except OSError as exc:
            with self.sim.lock:
                inst.state, inst.since, inst.details = "CRASHED", time.time(), f"could not start: {exc}"
            return
        with self.sim.lock:
            inst.proc, inst.started_at = proc, time.monotonic()
            if inst.state == "STOPPING":
                self._terminate(inst)

    def _healthy(self, inst: Instance) -> bool:
        kind = inst.health.get("type", "port")
        if kind == "process":
            return True
        try:
            if kind == "http":
                conn = http.client.HTTPConnection("127.0.0.1", inst.port, timeout=1)
                conn.request("GET", inst.health.get("data", {}).get("endpoint") or "/")
                ok = conn.getresponse().status == 200
                conn.close()
                return ok
            with socket.create_connection(("127.0.0.1", inst.port), timeout=0.2):
                return True
        except OSError:
            return False

    # ------------------------------------------------------------ shutdown
    def shutdown(self) -> None:
        self._stop.set()
        with self.sim.lock:
            procs = [i.proc for lst in self.instances.values() for i in lst if i.proc]
            procs += [i.proc for i, _ in self.terminating if i.proc]
            self.instances.clear()
        for proc in procs:
            if proc.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGTERM)
        deadline = time.monotonic() + 2
        for proc in procs:
            try:
                proc.wait(max(0.01, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)


def vcap_services(bindings: list[dict[str, Any]]) -> str:
    out: dict[str, list[dict[str, Any]]] = {}
    for entry in bindings:
        out.setdefault(entry["label"], []).append(entry)
    return json.dumps(out)
