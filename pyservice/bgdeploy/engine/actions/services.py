"""Service instances: created (or found again after a lost answer), deleted with their bindings and keys.

Asynchronous broker work leaves its job in the service's work item; the step polls it. `discontinued`
only reads: a dry run reports what it finds.
"""

from __future__ import annotations

import hashlib
import json

from bgdeploy import messages as msg
from bgdeploy.cc import bindings as cc_bindings
from bgdeploy.cc import services as cc_services
from bgdeploy.cc.models import ServiceInstance
from bgdeploy.engine.actions.create import create_or_adopt
from bgdeploy.engine.actions.jobs import pending as jobs_pending
from bgdeploy.engine.plan import Pending
from bgdeploy.engine.polling import next_poll
from bgdeploy.engine.step import StepContext
from bgdeploy.errors import ContentError
from bgdeploy.mta import metadata
from bgdeploy.mta.model import ServiceSpec

PARAMETERS_ANNOTATION = "bgdeploy/parameters-digest"


def desired_metadata(ctx: StepContext, spec: ServiceSpec) -> dict[str, dict[str, str]]:
    model = ctx.model("live")
    annotations = dict(metadata.service_annotations(model, spec))
    if spec.kind == "managed":
        annotations[PARAMETERS_ANNOTATION] = parameters_digest(spec.parameters)
    return {"labels": metadata.mta_labels(model.mta_id, model.namespace), "annotations": annotations}


def parameters_digest(parameters: dict | None) -> str:
    """Brokers do not always return parameters, so the ones we applied are remembered as a digest."""
    return hashlib.sha256(json.dumps(parameters or {}, sort_keys=True).encode()).hexdigest()[:32]


EXISTING_KINDS = ("existing-service", "existing-service-key")  # the MTA reads them, never changes them


def discontinued(ctx: StepContext) -> list[ServiceInstance]:
    """Instances this MTA created that the new version no longer has."""
    wanted = {s.name for s in ctx.model("live").services}
    selector = metadata.label_selector(ctx.op.mta_id, ctx.op.namespace)
    return [s for s in cc_services.list_by_labels(ctx.cc, ctx.op.space_guid, selector) if s.name not in wanted]


def plan_guid(ctx: StepContext, spec: ServiceSpec) -> str:
    guid = cc_services.plan_guid(ctx.cc, ctx.op.space_guid, spec.offering or "", spec.plan or "", spec.broker)
    if guid is None:
        of_broker = f' of service broker "{spec.broker}"' if spec.broker else ""
        raise ContentError(f'Could not find service plan "{spec.plan}" of service offering "{spec.offering}"'
                           f"{of_broker}")
    return guid


def create_service(ctx: StepContext, spec: ServiceSpec) -> str | None:
    """Create the instance (or find it again after a lost answer); the broker job to wait for, if any."""
    cc, space = ctx.cc, ctx.op.space_guid
    meta = desired_metadata(ctx, spec)
    ctx.log.info(msg.CREATING_SERVICE.format(name=spec.name, resource=spec.resource))

    def find() -> str | None:
        found = cc_services.find_instance(cc, space, spec.name)
        return "" if found is not None else None

    if spec.kind == "managed":
        plan = plan_guid(ctx, spec)
        return create_or_adopt(find, lambda: cc_services.create_managed(
            cc, space, spec.name, plan, parameters=spec.parameters, tags=spec.tags, metadata=meta) or "") or None

    def create_user_provided() -> str:
        cc_services.create_user_provided(cc, space, spec.name, credentials=spec.credentials, tags=spec.tags,
                                         syslog_drain_url=spec.syslog_drain_url,
                                         route_service_url=spec.route_service_url, metadata=meta)
        return ""  # no job: CC creates it at once

    create_or_adopt(find, create_user_provided)
    return None


def delete_service_jobs(ctx: StepContext, inst: ServiceInstance, *, keys_too: bool) -> tuple[list[str], bool]:
    """Start deleting the instance's bindings (and keys); once none is left, the instance.
    Returns (jobs to wait for, whether the instance's deletion was started)."""
    jobs = []
    bindings = cc_bindings.for_instance(ctx.cc, inst.guid)
    if any(b.busy for b in bindings):
        return [], False  # a broker works on one (a deletion whose job was lost): look again later
    for binding in bindings:
        if binding.type == "key" and keys_too:
            ctx.log.info(msg.DELETING_SERVICE_KEY.format(key=binding.name, name=inst.name))
        if job := cc_bindings.delete(ctx.cc, binding.guid):
            jobs.append(job)
    if jobs:
        return jobs, False
    ctx.log.info(msg.DELETING_SERVICE.format(name=inst.name))
    job = cc_services.delete_instance(ctx.cc, inst.guid)
    return ([job] if job else []), True


def advance_deletion(ctx: StepContext, inst: ServiceInstance, *, keys_too: bool) -> float | None:
    """Delete one instance with its bindings, one look at a time; when to come back, or None when gone."""
    with ctx.lock:
        work = ctx.plan.deletions.setdefault(inst.guid, Pending())
    if work.jobs:
        work.jobs = jobs_pending(ctx, work.jobs, f'Deleting service "{inst.name}"', work.since,
                                 ctx.settings.service_timeout_s)
        if work.jobs:
            work.polls += 1
            return next_poll(ctx.now(), work.polls)
    current = cc_services.get_instance(ctx.cc, inst.guid)
    if current is None:
        return None
    if current.busy:
        work.polls += 1
        return next_poll(ctx.now(), work.polls)
    work.jobs, _ = delete_service_jobs(ctx, current, keys_too=keys_too)
    work.since, work.polls = ctx.now(), 0
    ctx.save()
    return next_poll(ctx.now(), 0)
