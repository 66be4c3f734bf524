"""The processes, as ordered step lists that read top to bottom."""

from __future__ import annotations

from bgdeploy.engine.step import Step
from bgdeploy.engine.steps.apps import DeployApps
from bgdeploy.engine.steps.names import RenameIdleApps
from bgdeploy.engine.steps.prepare import CollectTargetFacts, DetectDeployedMta
from bgdeploy.engine.steps.services import CreateOrUpdateServices
from bgdeploy.engine.steps.switch import (
    AwaitConfirmation,
    MapProductiveRoutes,
    PrepareLiveApps,
    SettleRoutes,
    UnmapOldApps,
)
from bgdeploy.engine.steps.undeploy import DeleteDiscontinuedServices, UndeployMta, UndeployOldApps

BLUE_GREEN_DEPLOY: list[Step] = [
    CollectTargetFacts(),
    DetectDeployedMta(),
    CreateOrUpdateServices(),
    DeployApps(),  # new colour on temporary routes (first deploy: productive routes)
    SettleRoutes("after_deploy"),
    AwaitConfirmation(),  # ACTION_REQUIRED until resume
    PrepareLiveApps(),
    MapProductiveRoutes(),  # new colour joins the productive routes
    SettleRoutes("after_map"),
    UnmapOldApps(),  # old colour leaves them; temporary routes deleted
    SettleRoutes("after_unmap"),
    UndeployOldApps(),  # only now may the old colour stop
    RenameIdleApps(),  # idle/live names (deploy --strategy blue-green): X-idle becomes X
    DeleteDiscontinuedServices(),
]

DEPLOY: list[Step] = [
    CollectTargetFacts(),
    DetectDeployedMta(),
    CreateOrUpdateServices(),
    DeployApps(),
    SettleRoutes("after_deploy"),
    UnmapOldApps(),
    SettleRoutes("after_unmap"),
    UndeployOldApps(),
    DeleteDiscontinuedServices(),
]

UNDEPLOY: list[Step] = [UndeployMta()]

PROCESSES: dict[str, list[Step]] = {
    "BLUE_GREEN_DEPLOY": BLUE_GREEN_DEPLOY,
    "DEPLOY": DEPLOY,
    "UNDEPLOY": UNDEPLOY,
}
