"""Service instances and keys: created, updated only when something differs, deleted with their bindings.

Asynchronous broker work leaves its job in the service's work item; the step polls it. `next_move`,
`update_body`, `missing_keys` and `discontinued` only read: a dry run reports what they decide.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from bgdeploy import messages as msg
from bgdeploy.cc import bindings as cc_bindings
from bgdeploy.cc import services as cc_services
from bgdeploy.cc.models import ServiceInstance
from bgdeploy.engine.actions.create import create_or_adopt
from bgdeploy.engine.actions.jobs import pending as jobs_pending
from bgdeploy.engine.plan import Pending, ServiceWork
from bgdeploy.engine.polling import next_poll
from bgdeploy.engine.step import StepContext
from bgdeploy.errors import ContentError
from bgdeploy.mta import metadata
from bgdeploy.mta.model import ServiceKeySpec, ServiceSpec

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


# What the services step does next with a resource's instance (`next_move`):
USE_EXISTING, CREATE, RECREATE, UPDATE, WAIT_IDLE = "use-existing", "create", "recreate", "update", "wait-idle"
EXISTING_KINDS = ("existing-service", "existing-service-key")


def next_move(spec: ServiceSpec, existing: ServiceInstance | None) -> str:
    """Decided from the instance as CC shows it (pure); a conflict the deploy cannot resolve is a ContentError."""
    if spec.kind in EXISTING_KINDS:
        if existing is None and not spec.optional:
            raise ContentError(f'Service "{spec.name}" of resource "{spec.resource}" does not exist')
        return USE_EXISTING
    if existing is None:
        return CREATE
    if existing.busy:
        return WAIT_IDLE  # a broker operation (not ours) runs on it
    if existing.type == "managed" and existing.failed_creation:
        return RECREATE  # a failed creation is not a service: delete it, then create it again
    if (existing.type == "managed") != (spec.kind == "managed"):
        raise ContentError(
            f'Service "{spec.name}" exists as {existing.type} but resource "{spec.resource}" wants {spec.kind}; '
            'delete the service or use "--delete-services"')
    return UPDATE


def discontinued(ctx: StepContext) -> list[ServiceInstance]:
    """Instances this MTA created that the new version no longer has."""
    wanted = {s.name for s in ctx.model("live").services}
    selector = metadata.label_selector(ctx.op.mta_id, ctx.op.namespace)
    return [s for s in cc_services.list_by_labels(ctx.cc, ctx.op.space_guid, selector) if s.name not in wanted]


def plan_guid(ctx: StepContext, spec: ServiceSpec) -> str:
    guid = cc_services.plan_guid(ctx.cc, ctx.op.space_guid, spec.offering or "", spec.plan or "")
    if guid is None:
        raise ContentError(f'Could not find service plan "{spec.plan}" of service offering "{spec.offering}"')
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
    create_or_adopt(find, lambda: cc_services.create_user_provided(
        cc, space, spec.name, credentials=spec.credentials, tags=spec.tags,
        syslog_drain_url=spec.syslog_drain_url, route_service_url=spec.route_service_url, metadata=meta) or "")
    return None


def update_body(ctx: StepContext, spec: ServiceSpec, existing: ServiceInstance) -> dict[str, Any]:
    """What differs between the instance and the resource (empty: nothing to do)."""
    body: dict[str, Any] = {}
    meta = desired_metadata(ctx, spec)
    if any(existing.labels.get(k) != v for k, v in meta["labels"].items()) or any(
            existing.annotations.get(k) != v for k, v in meta["annotations"].items()):
        body["metadata"] = meta
    if sorted(existing.tags) != sorted(spec.tags):
        body["tags"] = spec.tags
    if spec.kind == "managed":
        plan_name = existing.plan_name or (
            cc_services.plan_and_offering(ctx.cc, existing.plan_guid)[0] if existing.plan_guid else "")
        if plan_name and plan_name != spec.plan:
            body["relationships"] = {"service_plan": {"data": {"guid": plan_guid(ctx, spec)}}}
        if spec.parameters and existing.annotations.get(PARAMETERS_ANNOTATION) != parameters_digest(spec.parameters):
            body["parameters"] = spec.parameters
    else:
        if cc_services.credentials(ctx.cc, existing.guid) != (spec.credentials or {}):
            body["credentials"] = spec.credentials or {}
        if spec.syslog_drain_url and existing.syslog_drain_url != spec.syslog_drain_url:
            body["syslog_drain_url"] = spec.syslog_drain_url
    return body


def missing_keys(ctx: StepContext, spec: ServiceSpec, instance_guid: str) -> list[ServiceKeySpec]:
    """The resource's service keys the instance lacks (all of them for an instance still to be created)."""
    if not spec.service_keys:
        return []
    have = {k.name for k in cc_bindings.keys(ctx.cc, instance_guid)} if instance_guid else set()
    return [k for k in spec.service_keys if k.name not in have]


def create_keys(ctx: StepContext, work: ServiceWork, spec: ServiceSpec) -> list[str]:
    """Create the resource's missing service keys; returns their jobs."""
    pending = []
    for key in missing_keys(ctx, spec, work.guid):
        ctx.log.info(msg.CREATING_SERVICE_KEY.format(key=key.name, name=spec.name))

        def find(name: str = key.name) -> str | None:
            return "" if any(k.name == name for k in cc_bindings.keys(ctx.cc, work.guid)) else None

        job = create_or_adopt(find, lambda k=key: cc_bindings.create_key(ctx.cc, work.guid, k.name, k.parameters)
                              or "")
        if job:
            pending.append(job)
    return pending


def delete_service_jobs(ctx: StepContext, inst: ServiceInstance, *, keys_too: bool) -> tuple[list[str], bool]:
    """Start deleting the instance's bindings (and keys); once none is left, the instance.
    Returns (jobs to wait for, whether the instance's deletion was started)."""
    jobs = []
    for binding in cc_bindings.for_instance(ctx.cc, inst.guid):
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
