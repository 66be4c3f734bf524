"""The processes, as ordered step lists that read top to bottom."""

from __future__ import annotations

from bgdeploy.engine.step import Step
from bgdeploy.engine.steps.backup_old import KeepOldApps, RecordBackup
from bgdeploy.engine.steps.collect_target import CollectTargetFacts
from bgdeploy.engine.steps.confirm_routes import AFTER_DEPLOY, AFTER_MAP, AFTER_UNMAP, ConfirmRoutes
from bgdeploy.engine.steps.delete_keys import DeleteAbandonedServiceKeys
from bgdeploy.engine.steps.delete_services import DeleteDiscontinuedServices
from bgdeploy.engine.steps.deploy_apps import DeployApps
from bgdeploy.engine.steps.detect_deployed import DetectDeployedMta
from bgdeploy.engine.steps.incremental_switch import IncrementalSwitch
from bgdeploy.engine.steps.keep_routes import MapKeptRoutes
from bgdeploy.engine.steps.map_live_routes import MapProductiveRoutes
from bgdeploy.engine.steps.old_app_hooks import BeforeUnmapRoutesHooks
from bgdeploy.engine.steps.pause import AwaitConfirmation
from bgdeploy.engine.steps.prepare_live import PrepareLiveApps
from bgdeploy.engine.steps.rename_idle import RenameIdleApps
from bgdeploy.engine.steps.replace_backup import ReplaceBackup
from bgdeploy.engine.steps.rollback_detect import DetectRollbackTarget
from bgdeploy.engine.steps.rollback_start import StartKeptApps
from bgdeploy.engine.steps.services import CreateOrUpdateServices
from bgdeploy.engine.steps.smoke_checks import DescriptorSmokeChecks
from bgdeploy.engine.steps.smoke_tests import ShimSmokeTests
from bgdeploy.engine.steps.stop_old import StopOldApps
from bgdeploy.engine.steps.undeploy_mta import UndeployMta
from bgdeploy.engine.steps.undeploy_old import UndeployOldApps
from bgdeploy.engine.steps.unmap_old import UnmapOldApps

BLUE_GREEN_DEPLOY: list[Step] = [
    CollectTargetFacts(),
    DetectDeployedMta(),
    ReplaceBackup(),  # apps an earlier resume kept for rollback go (--backup-previous-version)
    CreateOrUpdateServices(),
    DeployApps(),  # new colour on temporary routes (first deploy: productive routes)
    ConfirmRoutes(AFTER_DEPLOY),  # temporary routes answer from every new instance
    DescriptorSmokeChecks(),  # bg-smoke-tests of the descriptor against the temporary routes
    ShimSmokeTests(),  # --smoke-test commands, run by the attached cf CLI
    AwaitConfirmation(),  # ACTION_REQUIRED until resume
    PrepareLiveApps(),
    RecordBackup(),  # --backup-previous-version: the old apps' routes and instances, before the switch
    MapProductiveRoutes(),  # new colour joins the productive routes
    MapKeptRoutes(),  # keep-existing-routes: and the live app's other routes
    ConfirmRoutes(AFTER_MAP),  # productive routes answer from every new instance
    IncrementalSwitch(),  # --strategy incremental-blue-green: instances move one at a time
    BeforeUnmapRoutesHooks(),  # hooks: before-unmap-routes
    UnmapOldApps(),  # old colour leaves them; temporary routes deleted
    ConfirmRoutes(AFTER_UNMAP),  # no router sends traffic to the old ones; drain
    StopOldApps(),  # only now may the old colour stop (hooks before-stop/after-stop; dependency-aware order)
    KeepOldApps(),  # --backup-previous-version: it stays, stopped and unmapped, marked for rollback-mta
    UndeployOldApps(),  # then it goes (unless kept)
    RenameIdleApps(),  # idle/live names (deploy --strategy blue-green): X-idle becomes X
    DeleteAbandonedServiceKeys(),  # keys the MTA made and no longer names
    DeleteDiscontinuedServices(),
]

DEPLOY: list[Step] = [
    CollectTargetFacts(),
    DetectDeployedMta(),
    ReplaceBackup(),
    CreateOrUpdateServices(),
    DeployApps(),
    ConfirmRoutes(AFTER_DEPLOY),  # temporary routes answer from every new instance
    UnmapOldApps(),
    ConfirmRoutes(AFTER_UNMAP),  # no router sends traffic to the old ones; drain
    UndeployOldApps(),
    DeleteAbandonedServiceKeys(),
    DeleteDiscontinuedServices(),
]

UNDEPLOY: list[Step] = [UndeployMta()]


def resume_switch(steps: list[Step]) -> list[Step]:
    """Resume's own steps, from the new apps joining the productive routes to the last rename (without the
    backup's): a rollback switches back with exactly these, whatever they become."""
    names = [s.name for s in steps]
    return [s for s in steps[names.index("map-live-routes"): names.index("rename-idle") + 1]
            if not isinstance(s, KeepOldApps)]


# Back to the version a resume kept: it starts, the switch of resume moves the routes to it, the newer goes.
ROLLBACK_MTA: list[Step] = [
    DetectRollbackTarget(),
    StartKeptApps(),
    *resume_switch(BLUE_GREEN_DEPLOY),
]

PROCESSES: dict[str, list[Step]] = {
    "BLUE_GREEN_DEPLOY": BLUE_GREEN_DEPLOY,
    "DEPLOY": DEPLOY,
    "UNDEPLOY": UNDEPLOY,
    "ROLLBACK_MTA": ROLLBACK_MTA,
}
