"""Per service: what the services and delete-services steps would do, decided by the same reading
functions (`service_updates.type_change`, `service_updates.differences`, `service_keys.keys_to_make`,
`discontinued`)."""

from __future__ import annotations

from bgdeploy import messages as msg
from bgdeploy.cc import services as cc_services
from bgdeploy.engine.actions import service_updates
from bgdeploy.engine.actions.service_keys import keys_to_make
from bgdeploy.engine.actions.services import EXISTING_KINDS, discontinued, plan_guid
from bgdeploy.engine.dryrun import document as doc
from bgdeploy.engine.dryrun.document import ServicePlan
from bgdeploy.engine.step import StepContext
from bgdeploy.errors import ContentError
from bgdeploy.mta.model import ServiceSpec


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
    item = ServicePlan(spec.name, spec.kind, doc.UNCHANGED, resource=spec.resource)
    if spec.kind in EXISTING_KINDS:
        if existing is None and not spec.optional:
            raise ContentError(f'Service "{spec.name}" of resource "{spec.resource}" does not exist')
        item.note = "an existing service: the MTA binds it, never changes it" if existing else (
            "optional and does not exist")
        return item
    notes = []
    if existing is not None and existing.busy:
        notes.append(f"a {existing.last_operation_type} is in progress on it: the deploy waits for it to end first")
    recreate = existing is not None and existing.type == "managed" and existing.failed_creation
    if recreate:
        notes.append("its creation failed: deleted and created again")
    elif existing is not None and (mismatch := service_updates.type_change(ctx, spec, existing)) is not None:
        wanted, found = mismatch
        if not ctx.options.delete_services:
            raise ContentError(msg.SERVICE_NEEDS_RECREATION.format(resource=spec.resource, wanted=wanted,
                                                                   name=existing.name, existing=found))
        notes.append(f"of type [{found}], the resource wants [{wanted}]: deleted and created again")
        recreate = True
    if existing is None or recreate:
        if spec.kind == "managed":
            plan_guid(ctx, spec)  # a plan that does not exist fails the deploy: the plan too
        item.action = doc.RECREATE if recreate else doc.CREATE
        item.service_keys = [k.name for k in spec.service_keys] if spec.kind == "managed" else []
        item.note = "; ".join(notes) or None
        return item
    changes = service_updates.differences(ctx, spec, existing)
    skipped = sorted(a for a in changes if a in spec.skip_updates)
    if skipped:
        notes.append(f"skip-service-updates: {', '.join(skipped)} not updated")
    # a user-provided instance's "parameters" are its credentials
    item.changes = sorted("credentials" if a == service_updates.PARAMETERS and spec.kind != "managed" else a
                          for a in changes if a not in spec.skip_updates)
    item.service_keys = keys_to_make(ctx, existing.guid, spec)
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
