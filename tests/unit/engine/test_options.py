"""DeployOptions: every proto field has its engine field of the same name; explicit zeros of optional
fields (--drain-seconds 0) survive the wire and the store."""

from __future__ import annotations

import dataclasses

from bgdeploy.engine.options import DeployOptions
from bgdeploy.server import convert
from bgdeploy.v1 import deployer_pb2 as pb


def test_proto_and_engine_options_have_the_same_fields() -> None:
    assert {f.name for f in pb.DeployOptions.DESCRIPTOR.fields} == {f.name for f in dataclasses.fields(DeployOptions)}


def test_route_check_options_from_the_wire_and_back_from_the_store() -> None:
    wire = pb.DeployOptions(route_check="timer", drain_seconds=0, route_check_probes=4, route_check_spread_ms=300,
                            route_check_timeout_s=90)
    options = convert.options(wire)
    assert (options.route_check, options.drain_seconds, options.route_check_probes) == ("timer", 0, 4)
    assert DeployOptions.of(options.plain()) == options
    unset = convert.options(pb.DeployOptions())
    assert unset.drain_seconds is None and DeployOptions.of(unset.plain()).drain_seconds is None
