"""The proto's DeployOptions and the engine's stay in step: every flag that reaches the engine lands, and
explicit zeros of optional fields (--drain-seconds 0) survive the wire and the store."""

from __future__ import annotations

import dataclasses

from bgdeploy.engine.options import DeployOptions
from bgdeploy.server.convert import options
from bgdeploy.v1 import deployer_pb2 as pb


def test_every_proto_field_has_an_engine_field() -> None:
    engine = {f.name for f in dataclasses.fields(DeployOptions)}
    proto = {f.name for f in pb.DeployOptions.DESCRIPTOR.fields}
    assert proto == engine


def test_incremental_and_stop_order_arrive() -> None:
    got = options(pb.DeployOptions(strategy="incremental-blue-green", dependency_aware_stop_order=True,
                                   apps_task_execution_timeout_s=7))
    assert got.incremental and got.dependency_aware_stop_order and got.apps_task_execution_timeout_s == 7
    assert not options(pb.DeployOptions(strategy="blue-green")).incremental



def test_route_check_options_from_the_wire_and_back_from_the_store() -> None:
    wire = pb.DeployOptions(route_check="timer", drain_seconds=0, route_check_probes=4, route_check_spread_ms=300,
                            route_check_timeout_s=90)
    got = options(wire)
    assert (got.route_check, got.drain_seconds, got.route_check_probes) == ("timer", 0, 4)
    assert DeployOptions.of(got.plain()) == got
    unset = options(pb.DeployOptions())
    assert unset.drain_seconds is None and DeployOptions.of(unset.plain()).drain_seconds is None
