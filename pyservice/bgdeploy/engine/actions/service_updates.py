"""Updating an existing service instance one aspect at a time, as the deploy service does: plan, parameters
(managed `config`, or a user-provided instance's credentials), tags, log streaming URL, then metadata.

Each aspect is its own request, so `skip-service-updates` and `fail-on-service-update` apply to it alone
and a failed broker operation is known to be about that aspect. The aspects are observed afresh on every
call (an update that took effect shows no difference any more); `settled` holds the ones this operation
is done with, `failed` those whose failure it was told to tolerate.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from bgdeploy import messages as msg
from bgdeploy.cc import services as cc_services
from bgdeploy.cc.models import ServiceInstance
from bgdeploy.engine.actions.services import PARAMETERS_ANNOTATION, desired_metadata, parameters_digest, plan_guid
from bgdeploy.engine.plan import ServiceWork
from bgdeploy.engine.step import StepContext
from bgdeploy.mta.model import ServiceSpec

PLAN, PARAMETERS, TAGS, SYSLOG, METADATA = "plan", "parameters", "tags", "syslog-drain-url", "metadata"
ORDER = (PLAN, PARAMETERS, TAGS, SYSLOG, METADATA)
USER_PROVIDED_TYPE = "user-provided-service"
SKIP_TEXTS = {PLAN: msg.SKIP_PLAN_UPDATE, PARAMETERS: msg.SKIP_PARAMETERS_UPDATE, TAGS: msg.SKIP_TAGS_UPDATE,
              SYSLOG: msg.SKIP_SYSLOG_UPDATE}


def fails(spec: ServiceSpec, aspect: str, *, broker_failed: bool) -> bool:
    """Whether a failed update of `aspect` fails the deployment. `optional` resources never do; an explicit
    `fail-on-service-update` decides; otherwise a refused request fails and a failed broker operation
    (asynchronous, after CC accepted the request) is only warned about."""
    if spec.optional:
        return False
    explicit = spec.fail_on.get(aspect)
    if explicit is not None:
        return explicit
    return not broker_failed


def differences(ctx: StepContext, spec: ServiceSpec, existing: ServiceInstance,
                work: ServiceWork | None = None) -> dict[str, dict[str, Any]]:
    """aspect -> PATCH body of every aspect that differs, skipped ones included (reads only: a dry run can
    report them)."""
    work = work or ServiceWork()
    return {a: body for a in ORDER if (body := _difference(ctx, work, spec, existing, a)) is not None}


def type_change(ctx: StepContext, spec: ServiceSpec, existing: ServiceInstance) -> tuple[str, str] | None:
    """(wanted type, existing type) in the deploy service's words when the instance must be recreated:
    managed vs user-provided, another service offering, or (`service-broker`) another broker's offering.
    Reads only."""
    wanted = USER_PROVIDED_TYPE if spec.kind == "user-provided" else f"{spec.offering}/{spec.plan}"
    if existing.type == "user-provided":
        return (wanted, USER_PROVIDED_TYPE) if spec.kind != "user-provided" else None
    if existing.offering_name:  # the lookup brought the names along
        plan, offering, broker = existing.plan_name, existing.offering_name, existing.broker_name
    elif existing.plan_guid:
        plan, offering, broker = cc_services.plan_offering_broker(ctx.cc, existing.plan_guid)
    else:
        plan = offering = broker = ""
    found = f"{offering or 'unknown label'}/{plan or 'unknown plan'}"
    if spec.kind == "user-provided" or (offering and offering != spec.offering):
        return wanted, found
    if spec.broker and broker and broker != spec.broker:
        return f"{wanted} of service broker {spec.broker}", f"{found} of service broker {broker}"
    return None


def next_update(ctx: StepContext, work: ServiceWork, spec: ServiceSpec, existing: ServiceInstance,
                known_equal: Collection[str] = ()) -> tuple[str, dict[str, Any]] | None:
    """The first aspect that still differs and may be updated, with its PATCH body; None when none is left.
    `known_equal`: aspects just found equal on this very instance (not compared again)."""
    for aspect in ORDER:
        if aspect in work.settled or aspect in known_equal:
            continue
        body = _difference(ctx, work, spec, existing, aspect)
        if body is None:
            continue
        if aspect in spec.skip_updates:
            if ctx.plan.once(f"skip-{aspect}:{spec.resource}"):
                ctx.log.warn(SKIP_TEXTS[aspect].format(name=spec.name))
            work.settled.append(aspect)
            continue
        return aspect, body
    return None


def _difference(ctx: StepContext, work: ServiceWork, spec: ServiceSpec, existing: ServiceInstance,
                aspect: str) -> dict[str, Any] | None:
    managed = spec.kind == "managed"
    if aspect == PLAN and managed and existing.plan_guid:
        plan_name = existing.plan_name or cc_services.plan_and_offering(ctx.cc, existing.plan_guid)[0]
        if plan_name and plan_name != spec.plan:
            return {"relationships": {"service_plan": {"data": {"guid": plan_guid(ctx, spec)}}}}
    elif aspect == PARAMETERS and managed:
        if spec.parameters and existing.annotations.get(PARAMETERS_ANNOTATION) != parameters_digest(spec.parameters):
            return {"parameters": spec.parameters}
    elif aspect == PARAMETERS:
        if cc_services.credentials(ctx.cc, existing.guid) != (spec.credentials or {}):
            return {"credentials": spec.credentials or {}}
    elif aspect == TAGS and sorted(existing.tags) != sorted(spec.tags):
        return {"tags": spec.tags}
    elif aspect == SYSLOG and not managed and spec.syslog_drain_url \
            and existing.syslog_drain_url != spec.syslog_drain_url:
        return {"syslog_drain_url": spec.syslog_drain_url}
    elif aspect == METADATA:
        meta = metadata_after(ctx, work, spec, existing)
        if any(existing.labels.get(k) != v for k, v in meta["labels"].items()) or any(
                existing.annotations.get(k) != v for k, v in meta["annotations"].items()):
            return {"metadata": meta}
    return None


def metadata_after(ctx: StepContext, work: ServiceWork, spec: ServiceSpec,
                   existing: ServiceInstance) -> dict[str, dict[str, str]]:
    """The MTA metadata; the parameters digest claims only parameters the instance really has."""
    meta = desired_metadata(ctx, spec)
    if spec.kind == "managed" and (PARAMETERS in work.failed or PARAMETERS in spec.skip_updates):
        kept = existing.annotations.get(PARAMETERS_ANNOTATION)
        if kept is None:
            meta["annotations"].pop(PARAMETERS_ANNOTATION, None)
        else:
            meta["annotations"][PARAMETERS_ANNOTATION] = kept
    return meta


def announce(ctx: StepContext, spec: ServiceSpec, aspect: str) -> None:
    """'Updating service ...' once per service (metadata alone is not an update a user asked for)."""
    if aspect == TAGS:
        ctx.log.info(msg.UPDATING_SERVICE_TAGS.format(name=spec.name))
    elif aspect != METADATA and ctx.plan.once(f"updating:{spec.resource}"):
        ctx.log.info(msg.UPDATING_SERVICE.format(name=spec.name))


def aspect_word(aspect: str) -> str:
    return {SYSLOG: "log streaming URL"}.get(aspect, aspect)
