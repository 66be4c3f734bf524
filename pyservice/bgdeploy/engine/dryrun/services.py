"""Per service: what the services and delete-services steps would do, decided by the same functions
(`next_move`, `update_body`, `missing_keys`, `discontinued`)."""

from __future__ import annotations

from bgdeploy.cc import services as cc_services
from bgdeploy.engine.actions.services import (
    CREATE,
    RECREATE,
    USE_EXISTING,
    WAIT_IDLE,
    discontinued,
    missing_keys,
    next_move,
    plan_guid,
    update_body,
)
from bgdeploy.engine.dryrun import document as doc
from bgdeploy.engine.dryrun.document import ServicePlan
from bgdeploy.engine.step import StepContext
from bgdeploy.mta.model import ServiceSpec

# update_body's keys as the plan names them
_ASPECTS = {"relationships": "plan"}


def service_plans(ctx: StepContext) -> list[ServicePlan]:
    model = ctx.model("live")
    by_resource = {s.resource: s for s in model.services}
    plans = [_plan(ctx, by_resource[r]) for batch in model.service_batches for r in batch if r in by_resource]
    for inst in discontinued(ctx):
        keep = not ctx.options.delete_services
        plans.append(ServicePlan(inst.name, inst.type, doc.UNCHANGED if keep else doc.DELETE,
                                 note='no longer in the MTA; kept ("--delete-services" deletes it)' if keep
                                 else "no longer in the MTA"))
    return plans


def _plan(ctx: StepContext, spec: ServiceSpec) -> ServicePlan:
    existing = cc_services.find_instance(ctx.cc, ctx.op.space_guid, spec.name)
    move = next_move(spec, existing)
    item = ServicePlan(spec.name, spec.kind, doc.UNCHANGED, resource=spec.resource)
    if move == USE_EXISTING:
        item.note = "an existing service: the MTA binds it, never changes it" if existing else (
            "optional and does not exist")
        return item
    if move in (CREATE, RECREATE):
        if spec.kind == "managed":
            plan_guid(ctx, spec)  # a plan that does not exist fails the deploy: the plan too
        item.action = doc.CREATE if move == CREATE else doc.RECREATE
        item.service_keys = [k.name for k in spec.service_keys]
        if move == RECREATE:
            item.note = "its creation failed: deleted and created again"
        return item
    assert existing is not None
    notes = []
    if move == WAIT_IDLE:
        notes.append(f"a {existing.last_operation_type} is in progress on it: the deploy waits for it to end first")
    if spec.skip_service_updates:
        notes.append("skip-service-updates: not updated")
    else:
        item.changes = sorted(_ASPECTS.get(k, k) for k in update_body(ctx, spec, existing))
    item.service_keys = [k.name for k in missing_keys(ctx, spec, existing.guid)]
    item.note = "; ".join(notes) or None
    if item.changes or item.service_keys:
        item.action = doc.UPDATE
    return item


def service_warnings(ctx: StepContext) -> list[str]:
    """Values of a resource that differ between the testing (idle) and the productive phase: the services step
    uses the productive ones, even while the new apps are tested on their temporary routes."""
    if not ctx.plan.live_version or "idle" not in ctx.models:
        return []
    idle = {s.resource: s for s in ctx.model("idle").services}
    found = []
    for spec in ctx.model("live").services:
        other = idle.get(spec.resource)
        if other is None:
            continue
        differ = [f for f in ("parameters", "credentials", "tags", "syslog_drain_url", "route_service_url")
                  if getattr(other, f) != getattr(spec, f)]
        if differ:
            found.append(f'resource "{spec.resource}": {", ".join(differ)} differ while the new version is tested '
                         "(temporary routes); the service gets the productive values, also during the test phase")
    return found
