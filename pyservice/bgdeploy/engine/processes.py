"""The processes, as ordered step lists that read top to bottom."""

from __future__ import annotations

from bgdeploy.engine.step import Step
from bgdeploy.engine.steps.collect_target import CollectTargetFacts
from bgdeploy.engine.steps.confirm_routes import AFTER_DEPLOY, AFTER_MAP, AFTER_UNMAP, ConfirmRoutes
from bgdeploy.engine.steps.delete_services import DeleteDiscontinuedServices
from bgdeploy.engine.steps.deploy_apps import DeployApps
from bgdeploy.engine.steps.detect_deployed import DetectDeployedMta
from bgdeploy.engine.steps.map_live_routes import MapProductiveRoutes
from bgdeploy.engine.steps.pause import AwaitConfirmation
from bgdeploy.engine.steps.prepare_live import PrepareLiveApps
from bgdeploy.engine.steps.rename_idle import RenameIdleApps
from bgdeploy.engine.steps.services import CreateOrUpdateServices
from bgdeploy.engine.steps.undeploy_mta import UndeployMta
from bgdeploy.engine.steps.undeploy_old import UndeployOldApps
from bgdeploy.engine.steps.unmap_old import UnmapOldApps

BLUE_GREEN_DEPLOY: list[Step] = [
    CollectTargetFacts(),
    DetectDeployedMta(),
    CreateOrUpdateServices(),
    DeployApps(),  # new colour on temporary routes (first deploy: productive routes)
    ConfirmRoutes(AFTER_DEPLOY),  # temporary routes answer from every new instance
    AwaitConfirmation(),  # ACTION_REQUIRED until resume
    PrepareLiveApps(),
    MapProductiveRoutes(),  # new colour joins the productive routes
    ConfirmRoutes(AFTER_MAP),  # productive routes answer from every new instance
    UnmapOldApps(),  # old colour leaves them; temporary routes deleted
    ConfirmRoutes(AFTER_UNMAP),  # no router sends traffic to the old ones; drain
    UndeployOldApps(),  # only now may the old colour stop
    RenameIdleApps(),  # idle/live names (deploy --strategy blue-green): X-idle becomes X
    DeleteDiscontinuedServices(),
]

DEPLOY: list[Step] = [
    CollectTargetFacts(),
    DetectDeployedMta(),
    CreateOrUpdateServices(),
    DeployApps(),
    ConfirmRoutes(AFTER_DEPLOY),  # temporary routes answer from every new instance
    UnmapOldApps(),
    ConfirmRoutes(AFTER_UNMAP),  # no router sends traffic to the old ones; drain
    UndeployOldApps(),
    DeleteDiscontinuedServices(),
]

UNDEPLOY: list[Step] = [UndeployMta()]

PROCESSES: dict[str, list[Step]] = {
    "BLUE_GREEN_DEPLOY": BLUE_GREEN_DEPLOY,
    "DEPLOY": DEPLOY,
    "UNDEPLOY": UNDEPLOY,
}
