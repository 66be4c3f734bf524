"""EngineControl: the engine's version and contract revision for the shim's skew check, and Shutdown for a
per-user local engine (the plugin's uninstall stops it; a shared engine refuses)."""

from __future__ import annotations

import logging
from collections.abc import Callable

import grpc

from bgdeploy.v1 import deployer_pb2 as pb
from bgdeploy.v1 import deployer_pb2_grpc as pb_grpc
from bgdeploy.version import VERSION

log = logging.getLogger(__name__)

# The newest revision of bgdeploy.v1 this engine serves: the last one its stubs know.
REVISION = max(pb.Revision.values())


class EngineControl(pb_grpc.EngineControlServicer):
    def __init__(self, *, local: bool, on_shutdown: Callable[[], None]) -> None:
        self.local = local
        self.on_shutdown = on_shutdown

    def GetInfo(self, request: pb.GetInfoRequest, context: grpc.ServicerContext) -> pb.EngineInfo:
        log.debug("plugin %s (revision %d) connected", request.client_version, request.client_revision)
        return pb.EngineInfo(version=VERSION, revision=REVISION, local=self.local)

    def Shutdown(self, request: pb.ShutdownRequest, context: grpc.ServicerContext) -> pb.ShutdownResponse:
        if not self.local:
            context.abort(grpc.StatusCode.PERMISSION_DENIED, "A shared deploy engine is not stopped by its clients")
        log.info("stopping: the plugin asked (it is being uninstalled)")
        self.on_shutdown()
        return pb.ShutdownResponse()


def add_to_server(server: grpc.Server, *, local: bool, on_shutdown: Callable[[], None]) -> None:
    pb_grpc.add_EngineControlServicer_to_server(EngineControl(local=local, on_shutdown=on_shutdown), server)
