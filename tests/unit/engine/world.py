"""A small world for unit tests of steps: the simulator in-process, a store, a fake clock, the sample MTA.

    world = World(tmp_path)
    ctx = world.context("1.0.0")            # a fresh operation of the sample MTA, version 1.0.0
    world.run(DeployApps(), ctx)            # runs the step; Wait results advance the fake clock
    world.sim.mutations()                   # CC writes so far
"""

from __future__ import annotations

import sys
import threading
import time
from dataclasses import replace
from pathlib import Path

from bgdeploy import mta
from bgdeploy.cc import CloudController
from bgdeploy.engine.events import EventBus, ProgressLog
from bgdeploy.engine.operations import BLUE_GREEN_DEPLOY, FINAL_STATES, RUNNING
from bgdeploy.engine.options import DeployOptions
from bgdeploy.engine.plan import COLORS, DeploymentPlan
from bgdeploy.engine.preflight import platform_context
from bgdeploy.engine.settings import EngineSettings
from bgdeploy.engine.step import Done, History, Pause, Step, StepContext, StepResult, Wait
from bgdeploy.engine.tokens import StaticToken
from bgdeploy.store import OperationRecord, open_store
from ccsim.inprocess import InProcessSim

TESTS = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(TESTS / "sample"))
import build as sample_build  # noqa: E402


class FakeClock:
    """Jumps instead of sleeping; yields a moment of real time so the simulator's threads can move."""

    def __init__(self, start: float = 1_800_000_000.0) -> None:
        self.t = start
        self.waited = 0.0

    def now(self) -> float:
        return self.t

    def wait(self, event: threading.Event, seconds: float) -> bool:
        seconds = max(0.0, seconds)
        self.t += seconds
        self.waited += seconds
        time.sleep(0.003)
        return event.is_set()


class World:
    def __init__(self, tmp_path: Path, **sim_config: float) -> None:
        self.dir = tmp_path
        self.sim = InProcessSim(tmp_path / "sim", **sim_config)
        self.store = open_store(f"sqlite:///{tmp_path / 'state.db'}")
        self.bus = EventBus(self.store)
        self.clock = FakeClock()
        # The simulator's routers listen on a loopback port; the engine reaches them through its
        # documented override, as the e2e tests do (routers/addresses.py).
        self.router_port = self.sim.sim.router.start("127.0.0.1", 0)
        self.router_address = f"apps.sim.test=http://127.0.0.1:{self.router_port}"
        self.settings = EngineSettings(state_dir=str(tmp_path), route_settle_s=5.0,
                                       route_addresses=(self.router_address,))
        self.space = self.sim.sim.store.all("spaces")[0]
        self.org = self.sim.sim.store.all("organizations")[0]
        self._n = 0

    def archive(self, version: str, bits_version: str | None = None) -> Path:
        path = self.dir / f"sample-{version}-{bits_version or version}.mtar"
        if not path.exists():
            sample_build.main(version, str(path), bits_version)
        return path

    def cc(self) -> CloudController:
        return CloudController(self.sim.api_url, StaticToken(self.sim.bearer()), adapter=self.sim.adapter())

    def context(self, version: str = "1.0.0", *, process_type: str = BLUE_GREEN_DEPLOY, scheme: str = COLORS,
                options: DeployOptions | None = None, plan: DeploymentPlan | None = None,
                bits_version: str | None = None) -> StepContext:
        self._n += 1
        archive = self.archive(version, bits_version)
        op = OperationRecord(
            id=str(100000 + self._n), process_type=process_type, state=RUNNING, space_guid=self.space["guid"],
            org_guid=self.org["guid"], org_name="org", space_name="space", api_endpoint=self.sim.api_url,
            skip_ssl=False, started_by="admin", started_at=self.clock.now(), mta_id="bg.sample",
            mta_version=version, archive_name=archive.name, options=(options or DeployOptions()).plain(),
            locked=False)  # several operations of one MTA side by side: the step tests need no lock
        self.store.insert_operation(op)
        plan = plan or DeploymentPlan(scheme=scheme, default_domain="apps.sim.test")
        models = {}
        with mta.open_archive(str(archive), archive.name) as arc:
            for phase in ("live", "idle"):
                models[phase] = mta.resolve(arc.descriptor, [], platform_context(op, "apps.sim.test"), phase,
                                            archive=arc)
        aborted = threading.Event()
        return StepContext(
            op=op, plan=plan, options=options or DeployOptions(), models=models, cc=self.cc(),
            log=ProgressLog(self.bus, op.id), clock=self.clock, settings=self.settings,
            archive_path=str(archive), aborted=aborted, persist=self.store.save_operation,
            history=History(lambda: self.store.list_operations(op.space_guid, mta_id=op.mta_id,
                                                               states=FINAL_STATES)))

    def run(self, step: Step, ctx: StepContext, *, rounds: int = 2000) -> StepResult:
        """Run the step until it is done or pauses, letting the fake clock pass its waits."""
        for _ in range(rounds):
            result = step.run(ctx)
            if isinstance(result, Done | Pause):
                return result
            assert isinstance(result, Wait)
            self.clock.wait(ctx.aborted, result.until - self.clock.now())
        raise AssertionError(f"{step.name} still waiting after {rounds} rounds")

    def run_advance(self, item: object, *, rounds: int = 2000) -> None:
        """Advance one work item (`.advance()` returns when to call again, or None) until it is done."""
        for _ in range(rounds):
            again = item.advance()  # type: ignore[attr-defined]
            if again is None:
                return None
            self.clock.wait(threading.Event(), again - self.clock.now())
        raise AssertionError(f"still waiting after {rounds} rounds")

    def messages(self, ctx: StepContext) -> list[str]:
        return [e.text for e in self.store.events(ctx.op.id) if e.level != "DEBUG"]

    def app(self, name: str) -> dict | None:
        return next((a for a in self.sim.state()["apps"] if a["name"] == name), None)

    def close(self) -> None:
        self.sim.sim.router.stop()
        self.sim.close()
        self.store.close()


def with_options(ctx: StepContext, **values: object) -> StepContext:
    ctx.options = replace(ctx.options, **values)  # type: ignore[arg-type]
    return ctx


def engine_for(world: World) -> tuple[object, object]:
    """A real Engine on the world's store and clock, talking to the in-process simulator; and its target."""
    from bgdeploy.engine.api import Engine
    from bgdeploy.engine.operations import Target

    def cc_factory(api: str, tokens: object, *, verify: bool = True, stopped: object = None,
                   request_tag: str = "") -> CloudController:
        return CloudController(api, tokens, verify=verify, stopped=stopped, adapter=world.sim.adapter(),  # type: ignore[arg-type]
                               request_tag=request_tag)

    engine = Engine(world.store, world.settings, clock=world.clock, cc_factory=cc_factory)
    target = Target(world.sim.api_url, False, world.org["guid"], "org", world.space["guid"], "space", "admin")
    return engine, target


def upload(world: World, path: Path) -> str:
    """Store an archive as the shim's Upload would; returns its file id."""
    import hashlib

    from bgdeploy.server.files import FileStore

    data = path.read_bytes()
    rec, _ = FileStore(world.store, str(world.dir)).save(
        [data], file_name=path.name, kind="ARCHIVE", size=len(data), sha256=hashlib.sha256(data).hexdigest(),
        space_guid=world.space["guid"])
    return rec.id


def wait_state(world: World, op_id: str, *states: str, timeout_s: float = 30.0) -> OperationRecord:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        op = world.store.get_operation(op_id)
        if op is not None and op.state in states:
            return op
        time.sleep(0.01)
    raise AssertionError(f"operation {op_id} not in {states}: {world.store.get_operation(op_id)}")


def deploy(world: World, version: str, *, scheme: str = COLORS, process_type: str = BLUE_GREEN_DEPLOY,
           options: DeployOptions | None = None, until: str = "", bits_version: str | None = None) -> StepContext:
    """Run the process's steps in-process for `version` (up to, not including, the step named `until`)."""
    from bgdeploy.engine.processes import PROCESSES
    from bgdeploy.engine.step import Pause as PauseResult

    ctx = world.context(version, process_type=process_type, scheme=scheme, options=options,
                        bits_version=bits_version)
    for step in PROCESSES[process_type]:
        if step.name == until:
            break
        if isinstance(world.run(step, ctx), PauseResult):
            ctx.plan.resumed = True
            world.run(step, ctx)
    return ctx
