"""The proto's DeployOptions and the engine's stay in step: every flag that reaches the engine lands."""

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
