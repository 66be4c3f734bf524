"""A dry run: resolve the deploy as pre-flight does, look at the live space through a read-only session, and
say what the deploy would do, in the words of the actions that would do it.

Nothing is stored (no operation, no lock, no event) and nothing is written to Cloud Foundry: every CC
session here is read-only (`forbid_writes`), so a write would fail before it is sent rather than happen.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from bgdeploy import messages as msg
from bgdeploy.cc import CloudController
from bgdeploy.clock import Clock
from bgdeploy.engine import detection, observe
from bgdeploy.engine.actions.take_over import unlabelled
from bgdeploy.engine.dryrun.document import CREATE, RECREATE, Colors, DryRunPlan, MtaVersions, Rename
from bgdeploy.engine.dryrun.modules import module_plans
from bgdeploy.engine.dryrun.services import service_plans, service_warnings
from bgdeploy.engine.events import ProgressLog
from bgdeploy.engine.operations import BLUE_GREEN_DEPLOY, FINAL_STATES, RUNNING, Target
from bgdeploy.engine.options import DeployOptions
from bgdeploy.engine.plan import COLORS, IDLE_LIVE, DeploymentPlan
from bgdeploy.engine.preflight import resolve_operation
from bgdeploy.engine.settings import EngineSettings
from bgdeploy.engine.step import History, StepContext
from bgdeploy.engine.support import unsupported
from bgdeploy.engine.tokens import StaticToken
from bgdeploy.mta import versions
from bgdeploy.store import OperationRecord, Store

log = logging.getLogger(__name__)
DRY_RUN_ID = "dry-run"


class _DebugOnly(ProgressLog):
    """A dry run tells the user nothing through events (it has no operation): lines go to the engine log."""

    def __init__(self) -> None:
        pass

    def info(self, text: str, **about: str) -> None:
        log.debug("dry run: %s", text)

    warn = error = debug = info


def preview(store: Store, settings: EngineSettings, clock: Clock, cc_factory: Callable[..., CloudController],
            target: Target, token: str, process_type: str, scheme: str, *, archive_id: str,
            extension_ids: list[str], options: DeployOptions) -> DryRunPlan:
    def read_only(*args: Any, **kwargs: Any) -> CloudController:
        return cc_factory(*args, **kwargs).forbid_writes()

    op = OperationRecord(
        id=DRY_RUN_ID, process_type=process_type, state=RUNNING, space_guid=target.space_guid,
        org_guid=target.org_guid, org_name=target.org_name, space_name=target.space_name,
        api_endpoint=target.api_endpoint, skip_ssl=target.skip_ssl_validation, started_by=target.user_name,
        started_at=clock.now(), namespace=options.namespace, archive_id=archive_id, ext_ids=list(extension_ids),
        options=options.plain())
    default_domain, models = resolve_operation(store, op, target, token, read_only)
    archive = store.get_file(archive_id)
    cc = read_only(target.api_endpoint, StaticToken(token), verify=not target.skip_ssl_validation)
    try:
        ctx = StepContext(
            op=op, plan=DeploymentPlan(scheme=scheme, default_domain=default_domain), options=options,
            models=models, cc=cc, log=_DebugOnly(), clock=clock, settings=settings,
            archive_path=archive.path if archive else "", aborted=threading.Event(), persist=lambda _op: None,
            history=History(lambda: store.list_operations(op.space_guid, mta_id=op.mta_id, states=FINAL_STATES)))
        return _plan(ctx, store)
    finally:
        cc.close()


def _plan(ctx: StepContext, store: Store) -> DryRunPlan:
    model = ctx.model("live")
    found = observe.serving_apps(ctx)
    if ctx.plan.scheme in (COLORS, IDLE_LIVE):
        found += unlabelled(ctx, found)  # as the detect step takes them over
    deployed = detection.deployed_version(found)
    if found:  # as the detect step: a version the rule refuses is the plan's one error
        versions.check_version_rule(ctx.options.version_rule or "SAME_HIGHER", deployed or None, model.version)
    seen = detection.detect(ctx.plan.scheme, found, detection.last_blue_green_run(ctx))
    plan = ctx.plan
    plan.deployed, plan.detected, plan.live_version = seen.apps, True, seen.live_version
    if seen.decision is not None and plan.scheme == COLORS:
        plan.live_color, plan.idle_color = seen.decision.live or "", seen.decision.idle
    doc = DryRunPlan(
        mta=MtaVersions(model.mta_id, model.version, deployed or None, model.namespace or None),
        archive=ctx.op.archive_name, org=ctx.op.org_name, space=ctx.op.space_name,
        process="blue-green" if ctx.op.process_type == BLUE_GREEN_DEPLOY else "deploy",
        strategy=ctx.options.strategy or "default", naming=plan.scheme,
        colors=Colors(plan.live_color or None, plan.idle_color) if plan.scheme == COLORS else None,
        test_phase=observe.pauses_for_testing(ctx),
        renames=[Rename(r.old, r.new) for r in seen.renames], leftovers=[a.name for a in seen.stale])
    doc.services = service_plans(ctx)
    doc.modules, doc.routes = module_plans(ctx, {s.name for s in doc.services if s.action in (CREATE, RECREATE)})
    doc.warnings = [*model.warnings, *unsupported(model), *_deploy_warnings(ctx, seen, store),
                    *service_warnings(ctx)]
    doc.changes = doc.has_changes()
    return doc


def _deploy_warnings(ctx: StepContext, seen: detection.Detection, store: Store) -> list[str]:
    found = []
    if seen.both_colors and seen.decision is not None:
        found.append(msg.BOTH_COLORS.format(id=ctx.op.mta_id, color=seen.decision.live, why=seen.decision.why))
    holder = store.lock_holder(ctx.op.space_guid, ctx.op.mta_id, ctx.op.namespace)
    if holder is not None:
        found.append(f'Operation {holder.id} ({holder.state}) is active for this MTA: a deploy now conflicts with it '
                     "(-f aborts it first), and this plan may change once it ends")
    return found
