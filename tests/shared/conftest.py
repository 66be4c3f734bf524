"""Fixtures of the shared-engine tests: the simulator (users of different roles), a PostgreSQL server
that tests may stop and start, a certificate, and engine instances as real processes."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from ccsim.launcher import SimHandle, start_simulator
from pgserver import PgServer, postgres_server
from shared.harness import Client, EngineProcess, cert_pair, sim_target


@pytest.fixture
def sim(tmp_path: Path) -> Iterator[SimHandle]:
    handle = start_simulator(tmp_path / "sim", staging_s=0.2, start_s=0.1, route_propagation_s=0.5)
    try:
        yield handle
    finally:
        handle.stop()


@pytest.fixture
def pg() -> Iterator[PgServer]:
    with postgres_server() as server:
        yield server


@pytest.fixture
def cert(tmp_path: Path) -> tuple[Path, Path]:
    return cert_pair(tmp_path / "tls")


@pytest.fixture
def engines(tmp_path: Path, sim: SimHandle, pg: PgServer,
            cert: tuple[Path, Path]) -> Iterator[Callable[..., EngineProcess]]:
    """engines("a") starts instance a (on the one database); all are killed at the end."""
    started: list[EngineProcess] = []

    def start(name: str, **kw: object) -> EngineProcess:
        engine = EngineProcess(tmp_path, name, pg.url, sim.api_url, cert, **kw).start()  # type: ignore[arg-type]
        started.append(engine)
        return engine

    yield start
    for engine in started:
        engine.kill()


@pytest.fixture
def client_of(sim: SimHandle, cert: tuple[Path, Path]) -> Iterator[Callable[[EngineProcess], Client]]:
    made: list[Client] = []
    target = sim_target(sim)

    def make(engine: EngineProcess) -> Client:
        c = Client(engine.port, cert[0], target)
        made.append(c)
        return c

    yield make
    for c in made:
        c.close()
