"""Services first: every MTA resource is created or updated before any app (both colours share them).

Batches (`processed-after`) run one after another, the services of a batch side by side. A managed
instance whose creation failed is deleted and created again; an unchanged one is not touched.
"""

from __future__ import annotations

from functools import partial

from bgdeploy import messages as msg
from bgdeploy.cc import services as cc_services
from bgdeploy.cc.models import ServiceInstance
from bgdeploy.engine.actions import jobs
from bgdeploy.engine.actions.services import (
    CREATE,
    RECREATE,
    USE_EXISTING,
    WAIT_IDLE,
    create_keys,
    create_service,
    delete_service_jobs,
    next_move,
    update_body,
)
from bgdeploy.engine.concurrency import advance_together
from bgdeploy.engine.plan import ServiceWork
from bgdeploy.engine.polling import next_poll
from bgdeploy.engine.step import DONE, Step, StepContext, StepResult, Wait
from bgdeploy.errors import BgDeployError, StepTimeoutError
from bgdeploy.mta.model import ServiceSpec

ENSURE, KEYS, DONE_STAGE = "", "keys", "done"
_LOOK = object()  # no lookup result at hand: look the instance up
UPDATING = "update"


class CreateOrUpdateServices(Step):
    name = "services"
    error_message = "Error creating or updating services"

    def run(self, ctx: StepContext) -> StepResult:
        model = ctx.model("live")
        by_resource = {s.resource: s for s in model.services}
        # Every service still to look at, looked up in one request (with its plan's name); None: absent.
        names = [s.name for s in model.services if (w := _work(ctx, s.resource)).stage == ENSURE and not w.job]
        found = cc_services.instances_with_plans(ctx.cc, ctx.op.space_guid, names)
        seen: dict[str, ServiceInstance | None] = {name: found.get(name) for name in names}
        for batch in model.service_batches:
            todo = [by_resource[r] for r in batch if r in by_resource and _work(ctx, r).stage != DONE_STAGE]
            if not todo:
                continue
            again = advance_together(ctx, [partial(_advance, ctx, spec, seen) for spec in todo], 8)
            if again is not None:
                return Wait(again)
        return DONE


def _work(ctx: StepContext, resource: str) -> ServiceWork:
    with ctx.lock:
        return ctx.plan.services.setdefault(resource, ServiceWork())


def _wait_for(ctx: StepContext, work: ServiceWork, job: str | None, what: str) -> None:
    work.job, work.job_what, work.since, work.polls = job or "", what, ctx.now(), 0
    ctx.save()


def _advance(ctx: StepContext, spec: ServiceSpec, seen: dict[str, ServiceInstance | None]) -> float | None:
    """Advance one service as far as it goes without waiting; when to come back, or None when done."""
    work = _work(ctx, spec.resource)
    while work.stage != DONE_STAGE:
        ctx.check_aborted()
        if work.job:
            try:
                left = jobs.pending(ctx, [work.job], work.job_what, work.since, ctx.settings.service_timeout_s)
            except BgDeployError:
                if work.job_what != UPDATING or spec.fail_on_service_update:
                    raise
                ctx.log.warn(f'Updating service "{spec.name}" failed; continuing (fail-on-service-update: false)')
                left = []
            if left:
                work.polls += 1
                return next_poll(ctx.now(), work.polls)
            work.job = ""
        if work.stage == ENSURE:
            again = _ensure(ctx, work, spec, seen.pop(spec.name, _LOOK))  # a second look asks CC again
            if again is not None:
                return again
        elif work.stage == KEYS:
            pending = create_keys(ctx, work, spec)
            if pending:  # one at a time; create_keys finds the ones made already
                _wait_for(ctx, work, pending[0], f'Creating service key for "{spec.name}"')
                continue
            work.stage = DONE_STAGE
            with ctx.lock:
                ctx.plan.service_guids[spec.name] = work.guid
            ctx.save()
    return None


def _ensure(ctx: StepContext, work: ServiceWork, spec: ServiceSpec, known: object) -> float | None:
    """`known`: the instance as this run's lookup found it (None: absent), or _LOOK to look now."""
    existing = cc_services.find_instance(ctx.cc, ctx.op.space_guid, spec.name) if known is _LOOK else known
    assert existing is None or isinstance(existing, ServiceInstance)
    move = next_move(spec, existing)
    if move == USE_EXISTING:
        ctx.log.info(msg.EXISTING_SERVICE.format(name=spec.name))
        work.guid, work.stage = (existing.guid if existing else ""), DONE_STAGE
        if existing:
            with ctx.lock:
                ctx.plan.service_guids[spec.name] = existing.guid
        return None
    if move == WAIT_IDLE:
        return _wait_idle(ctx, work, spec)
    work.since = 0.0
    if move == CREATE:
        job = create_service(ctx, spec)
        created = cc_services.find_instance(ctx.cc, ctx.op.space_guid, spec.name)
        work.guid, work.stage = (created.guid if created else ""), KEYS
        _wait_for(ctx, work, job, f'Creating service "{spec.name}"')
        return None
    assert existing is not None
    if move == RECREATE:
        pending, _ = delete_service_jobs(ctx, existing, keys_too=False)
        _wait_for(ctx, work, pending[0] if pending else None, f'Deleting service "{spec.name}"')
        return next_poll(ctx.now(), 0)
    _update(ctx, work, spec, existing)
    return None


def _wait_idle(ctx: StepContext, work: ServiceWork, spec: ServiceSpec) -> float:
    """A broker operation (not ours) runs on the instance: wait for it, within the service timeout."""
    if not work.since:
        work.since, work.polls = ctx.now(), 0
    if ctx.now() - work.since > ctx.settings.service_timeout_s:
        raise StepTimeoutError(f'Waiting for service "{spec.name}" did not finish within '
                               f"{int(ctx.settings.service_timeout_s)} seconds")
    work.polls += 1
    return next_poll(ctx.now(), work.polls)


def _update(ctx: StepContext, work: ServiceWork, spec: ServiceSpec, existing: ServiceInstance) -> None:
    work.guid = existing.guid
    work.stage = KEYS
    if spec.skip_service_updates:
        ctx.log.info(msg.SERVICE_UNCHANGED.format(name=spec.name))
        ctx.save()
        return
    body = update_body(ctx, spec, existing)
    changed = bool(set(body) - {"metadata"})
    ctx.log.info((msg.UPDATING_SERVICE if changed else msg.SERVICE_UNCHANGED).format(name=spec.name))
    if not body:
        ctx.save()
        return
    try:
        job = cc_services.update(ctx.cc, existing.guid, body)
    except BgDeployError:
        if spec.fail_on_service_update:
            raise
        ctx.log.warn(f'Updating service "{spec.name}" failed; continuing (fail-on-service-update: false)')
        job = None
    _wait_for(ctx, work, job, UPDATING)
