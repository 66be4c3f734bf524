"""The processes, as ordered step lists that read top to bottom."""

from __future__ import annotations

from bgdeploy.engine.step import Step
from bgdeploy.engine.steps.collect_target import CollectTargetFacts
from bgdeploy.engine.steps.delete_keys import DeleteAbandonedServiceKeys
from bgdeploy.engine.steps.delete_services import DeleteDiscontinuedServices
from bgdeploy.engine.steps.deploy_apps import DeployApps
from bgdeploy.engine.steps.detect_deployed import DetectDeployedMta
from bgdeploy.engine.steps.incremental_switch import IncrementalSwitch
from bgdeploy.engine.steps.map_live_routes import MapProductiveRoutes
from bgdeploy.engine.steps.old_app_hooks import BeforeUnmapRoutesHooks
from bgdeploy.engine.steps.pause import AwaitConfirmation
from bgdeploy.engine.steps.prepare_live import PrepareLiveApps
from bgdeploy.engine.steps.rename_idle import RenameIdleApps
from bgdeploy.engine.steps.services import CreateOrUpdateServices
from bgdeploy.engine.steps.settle import SettleRoutes
from bgdeploy.engine.steps.stop_old import StopOldApps
from bgdeploy.engine.steps.undeploy_mta import UndeployMta
from bgdeploy.engine.steps.undeploy_old import UndeployOldApps
from bgdeploy.engine.steps.unmap_old import UnmapOldApps

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
    IncrementalSwitch(),  # --strategy incremental-blue-green: instances move one at a time
    BeforeUnmapRoutesHooks(),  # hooks: before-unmap-routes
    UnmapOldApps(),  # old colour leaves them; temporary routes deleted
    SettleRoutes("after_unmap"),
    StopOldApps(),  # only now may the old colour stop (hooks before-stop/after-stop; dependency-aware order)
    UndeployOldApps(),  # then it goes
    RenameIdleApps(),  # idle/live names (deploy --strategy blue-green): X-idle becomes X
    DeleteAbandonedServiceKeys(),  # keys the MTA made and no longer names
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
    DeleteAbandonedServiceKeys(),
    DeleteDiscontinuedServices(),
]

UNDEPLOY: list[Step] = [UndeployMta()]

PROCESSES: dict[str, list[Step]] = {
    "BLUE_GREEN_DEPLOY": BLUE_GREEN_DEPLOY,
    "DEPLOY": DEPLOY,
    "UNDEPLOY": UNDEPLOY,
}
