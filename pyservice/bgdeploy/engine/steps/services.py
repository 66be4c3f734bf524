"""Services first: every MTA resource is created or updated before any app (both colours share them).

Batches (`processed-after`) run one after another, the services of a batch side by side, and the existing
services and keys a batch only reads after the ones it creates (an existing-service-key may name a key this
MTA makes). Per service: create it; or, when its type or offering changed, delete and create it again with
--delete-services (else fail in the deploy service's words); or update what differs, one aspect at a time
(`service_updates`); then its service keys (`service_keys`). A managed instance whose creation failed is
deleted and created again; an unchanged one is not touched.
"""

from __future__ import annotations

import dataclasses
from functools import partial

from bgdeploy import messages as msg
from bgdeploy.cc import services as cc_services
from bgdeploy.cc.errors import Unavailable
from bgdeploy.cc.models import ServiceInstance
from bgdeploy.engine.actions import jobs, service_updates
from bgdeploy.engine.actions.service_keys import BUSY as KEY_BUSY
from bgdeploy.engine.actions.service_keys import advance_keys
from bgdeploy.engine.actions.services import EXISTING_KINDS, create_service, delete_service_jobs
from bgdeploy.engine.concurrency import advance_together
from bgdeploy.engine.plan import ServiceWork
from bgdeploy.engine.polling import next_poll
from bgdeploy.engine.step import DONE, Step, StepContext, StepResult, Wait
from bgdeploy.errors import CloudControllerError, ContentError, StepTimeoutError
from bgdeploy.mta.model import ServiceSpec

ENSURE, UPDATE, KEYS, DONE_STAGE = "", "update", "keys", "done"
_LOOK = object()  # no lookup result at hand: ask CC
Seen = dict[str, ServiceInstance | None]  # instances as this run last saw them, by name (None: absent)
SeenEqual = dict[str, set[str]]  # update aspects this run found equal on the instance it saw last, by name


class CreateOrUpdateServices(Step):
    name = "services"
    error_message = "Error creating or updating services"

    def run(self, ctx: StepContext) -> StepResult:
        model = ctx.model("live")
        by_resource = {s.resource: s for s in model.services}
        # Every service still to look at, looked up in one request (with its plan's name).
        names = [s.name for s in model.services if (w := _work(ctx, s.resource)).stage == ENSURE and not w.job]
        found = cc_services.instances_with_plans(ctx.cc, ctx.op.space_guid, names) if names else {}
        seen: Seen = {name: found.get(name) for name in names}
        seen_equal: SeenEqual = {}
        with ctx.lock:  # the bindings need no lookup of their own (a recreated one gets its new guid when done)
            ctx.plan.service_guids.update({name: si.guid for name, si in found.items()})
        for batch in model.service_batches:
            specs = [by_resource[r] for r in batch if r in by_resource]
            own = [s for s in specs if s.kind not in EXISTING_KINDS]
            for group in (own, [s for s in specs if s.kind in EXISTING_KINDS]):
                todo = [s for s in group if _work(ctx, s.resource).stage != DONE_STAGE]
                if not todo:
                    continue
                again = advance_together(ctx, [partial(_advance, ctx, spec, seen, seen_equal) for spec in todo], 8)
                if again is not None:
                    return Wait(again)
        return DONE


def _work(ctx: StepContext, resource: str) -> ServiceWork:
    with ctx.lock:
        return ctx.plan.services.setdefault(resource, ServiceWork())


def _wait_for(ctx: StepContext, work: ServiceWork, job: str | None, what: str, aspect: str = "") -> None:
    work.job, work.job_what, work.aspect, work.since, work.polls = job or "", what, aspect, ctx.now(), 0
    ctx.save()


def _advance(ctx: StepContext, spec: ServiceSpec, seen: Seen, seen_equal: SeenEqual) -> float | None:
    """Advance one service as far as it goes without waiting; when to come back, or None when done."""
    work = _work(ctx, spec.resource)
    while work.stage != DONE_STAGE:
        ctx.check_aborted()
        if work.job:
            if _job_left(ctx, work, spec):
                work.polls += 1
                return next_poll(ctx.now(), work.polls)
            if work.aspect:
                work.settled.append(work.aspect)
            work.job, work.aspect = "", ""
            ctx.save()
        if work.stage == ENSURE:
            again = _ensure(ctx, work, spec, seen)
        elif work.stage == UPDATE:
            again = _update(ctx, work, spec, seen, seen_equal)
        else:
            job = advance_keys(ctx, work.guid, spec)
            if job == KEY_BUSY:
                return _wait_idle(ctx, work, spec)
            work.since = 0.0
            if job:  # one at a time; the next pass finds the ones made already
                _wait_for(ctx, work, job, f'Creating or deleting service keys of "{spec.name}"')
                continue
            work.stage = DONE_STAGE
            with ctx.lock:
                ctx.plan.service_guids[spec.name] = work.guid
            ctx.save()
            again = None
        if again is not None:
            return again
    return None


def _job_left(ctx: StepContext, work: ServiceWork, spec: ServiceSpec) -> bool:
    """Whether the recorded job still runs; a failed update job fails or is tolerated as the rules say."""
    try:
        return bool(jobs.pending(ctx, [work.job], work.job_what, work.since, ctx.settings.service_timeout_s))
    except CloudControllerError as err:
        if not work.aspect or work.aspect == service_updates.METADATA:
            raise
        detail = err.detail.split(" failed: ", 1)[-1]
        if service_updates.fails(spec, work.aspect, broker_failed=True):
            raise CloudControllerError(err.status, err.title, msg.UPDATE_FAILED.format(
                name=spec.name, offering=spec.offering or "", plan=spec.plan or "", detail=detail), err.method,
                err.url) from err
        ctx.log.warn(msg.UPDATE_FAILED_IGNORED.format(name=spec.name, detail=detail))
        work.failed.append(work.aspect)
        return False


def _seen(ctx: StepContext, seen: Seen, name: str, guid: str = "") -> ServiceInstance | None:
    """The instance as the last lookup found it, used once (a second look asks CC again)."""
    with ctx.lock:
        known = seen.pop(name, _LOOK)
    if known is not _LOOK:
        assert known is None or isinstance(known, ServiceInstance)
        return known
    if guid:
        return cc_services.get_instance(ctx.cc, guid)
    return cc_services.find_instance(ctx.cc, ctx.op.space_guid, name)


def _ensure(ctx: StepContext, work: ServiceWork, spec: ServiceSpec, seen: Seen) -> float | None:
    existing = _seen(ctx, seen, spec.name)
    if spec.kind in EXISTING_KINDS:
        if existing is None and not spec.optional:
            raise ContentError(f'Service "{spec.name}" of resource "{spec.resource}" does not exist')
        if spec.kind == "existing-service":
            ctx.log.info(msg.EXISTING_SERVICE.format(name=spec.name))
        work.guid, work.stage = (existing.guid if existing else ""), DONE_STAGE
        if existing:
            with ctx.lock:
                ctx.plan.service_guids[spec.name] = existing.guid
        return None
    if existing is not None and existing.busy:
        return _wait_idle(ctx, work, spec)
    if existing is not None and existing.type == "managed" and existing.failed_creation:
        # A failed creation is not a service: delete it, then create it again.
        return _delete(ctx, work, spec, existing)
    work.since = 0.0
    if existing is None:
        job = create_service(ctx, spec)
        created = cc_services.find_instance(ctx.cc, ctx.op.space_guid, spec.name)
        work.guid, work.stage = (created.guid if created else ""), KEYS
        _wait_for(ctx, work, job, f'Creating service "{spec.name}"')
        return None
    mismatch = service_updates.type_change(ctx, spec, existing)
    if mismatch is not None:
        wanted, found = mismatch
        if not ctx.options.delete_services:
            raise ContentError(msg.SERVICE_NEEDS_RECREATION.format(resource=spec.resource, wanted=wanted,
                                                                   name=existing.name, existing=found))
        if ctx.plan.once(f"recreate:{spec.resource}"):
            ctx.log.info(msg.RECREATING_SERVICE.format(name=spec.name, existing=found, resource=spec.resource,
                                                       wanted=wanted))
        return _delete(ctx, work, spec, existing)
    work.guid, work.stage = existing.guid, UPDATE
    with ctx.lock:
        seen[spec.name] = existing  # what the first update pass compares with
    ctx.save()
    return None


def _delete(ctx: StepContext, work: ServiceWork, spec: ServiceSpec, existing: ServiceInstance) -> float:
    """Delete the instance with its bindings and keys; ENSURE then finds it gone (or busy) and creates it."""
    pending, _ = delete_service_jobs(ctx, existing, keys_too=True)
    _wait_for(ctx, work, pending[0] if pending else None, f'Deleting service "{spec.name}"')
    return next_poll(ctx.now(), 0)


def _wait_idle(ctx: StepContext, work: ServiceWork, spec: ServiceSpec) -> float:
    """A broker operation (not ours) runs on the instance: wait for it, within the service timeout."""
    if not work.since:
        work.since, work.polls = ctx.now(), 0
    if ctx.now() - work.since > ctx.settings.service_timeout_s:
        raise StepTimeoutError(f'Waiting for service "{spec.name}" did not finish within '
                               f"{int(ctx.settings.service_timeout_s)} seconds")
    work.polls += 1
    return next_poll(ctx.now(), work.polls)


def _update(ctx: StepContext, work: ServiceWork, spec: ServiceSpec, seen: Seen, seen_equal: SeenEqual
            ) -> float | None:
    """Send the next aspect's update, or go on to the keys once nothing is left."""
    existing = _seen(ctx, seen, spec.name, work.guid)
    if existing is None:  # gone meanwhile: create it again
        work.stage = ENSURE
        return None
    if existing.busy:
        return _wait_idle(ctx, work, spec)
    work.since = 0.0
    with ctx.lock:
        equal = seen_equal.pop(spec.name, set())
    update = service_updates.next_update(ctx, work, spec, existing, equal)
    if update is None:
        if not (set(work.settled) - {service_updates.METADATA}) and ctx.plan.once(f"unchanged:{spec.resource}"):
            ctx.log.info(msg.SERVICE_UNCHANGED.format(name=spec.name))
        work.stage = KEYS
        ctx.save()
        return None
    aspect, body = update
    service_updates.announce(ctx, spec, aspect)
    try:
        job, updated = cc_services.update(ctx.cc, existing.guid, body)
    except Unavailable:
        raise
    except CloudControllerError as err:
        if aspect == service_updates.METADATA or service_updates.fails(spec, aspect, broker_failed=False):
            raise CloudControllerError(err.status, err.title, msg.UPDATE_REFUSED.format(
                aspect=service_updates.aspect_word(aspect), name=spec.name, detail=err.detail), err.method,
                err.url) from err
        ctx.log.warn(msg.UPDATE_REFUSED_IGNORED.format(name=spec.name, aspect=service_updates.aspect_word(aspect)))
        work.failed.append(aspect)
        work.settled.append(aspect)
        ctx.save()
        return None
    if job:
        _wait_for(ctx, work, job, f'Updating service "{spec.name}"', aspect)
    else:
        work.settled.append(aspect)
        if updated is not None and updated.plan_guid == existing.plan_guid:
            # CC's answer is the instance after the update: the next pass compares with it (same plan: its
            # names as looked up before); the aspects this pass found equal before this one need no new look
            with ctx.lock:
                seen[spec.name] = dataclasses.replace(updated, plan_name=existing.plan_name,
                                                      offering_name=existing.offering_name,
                                                      broker_name=existing.broker_name)
                seen_equal[spec.name] = set(service_updates.ORDER[:service_updates.ORDER.index(aspect)])
        ctx.save()
    return None
