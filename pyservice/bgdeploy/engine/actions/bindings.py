"""Service bindings of an app, and the service-instance lookups they need (once per operation)."""

from __future__ import annotations

from bgdeploy import messages as msg
from bgdeploy.cc import bindings as cc_bindings
from bgdeploy.cc import services as cc_services
from bgdeploy.cc.errors import AlreadyBound
from bgdeploy.engine.actions.apps import mark_restart
from bgdeploy.engine.actions.create import create_or_adopt
from bgdeploy.engine.plan import AppWork
from bgdeploy.engine.step import StepContext
from bgdeploy.errors import ContentError
from bgdeploy.mta.model import AppSpec, ServiceBinding


def service_guids(ctx: StepContext, names: list[str]) -> dict[str, str]:
    """name -> guid of existing service instances; each name is looked up at most once per operation."""
    with ctx.lock:
        missing = [n for n in names if n not in ctx.plan.service_guids]
    if missing:
        found = cc_services.instances_named(ctx.cc, ctx.op.space_guid, missing)
        with ctx.lock:
            ctx.plan.service_guids.update({n: si.guid for n, si in found.items()})
    with ctx.lock:
        return {n: ctx.plan.service_guids[n] for n in names if n in ctx.plan.service_guids}


def missing_bindings(spec: AppSpec, guids: dict[str, str], bound: set[str]) -> list[ServiceBinding]:
    """The module's bindings the app lacks (pure); one whose service has no guid (yet) is among them."""
    return [b for b in spec.bindings if b.service_name not in guids or guids[b.service_name] not in bound]


def no_such_service(spec: AppSpec, binding: ServiceBinding) -> ContentError:
    return ContentError(f'Service "{binding.service_name}" required by module "{spec.module}" does not exist')


def ensure_bindings(ctx: StepContext, work: AppWork, spec: AppSpec, app_guid: str, app_name: str) -> bool:
    """Bind the services the module requires; asynchronous bindings leave their jobs in `work.jobs`."""
    if not spec.bindings:
        return False
    guids = service_guids(ctx, [b.service_name for b in spec.bindings])
    bound = set() if work.fresh else {b.instance_guid for b in cc_bindings.for_app(ctx.cc, app_guid)}
    changed = False
    for binding in missing_bindings(spec, guids, bound):
        guid = guids.get(binding.service_name)
        if guid is None:
            raise no_such_service(spec, binding)
        ctx.log.info(msg.BINDING.format(service=binding.service_name, app=app_name), app=app_name,
                     module=spec.module)
        if spec.restart_on.get("vcap-services", True):  # `restart-on-env-change`
            mark_restart(ctx, work)

        def find(guid: str = guid) -> str | None:
            return "" if any(b.instance_guid == guid for b in cc_bindings.for_app(ctx.cc, app_guid)) else None

        try:
            job = create_or_adopt(find, lambda guid=guid, b=binding: cc_bindings.bind(
                ctx.cc, app_guid, guid, name=b.binding_name, parameters=b.parameters) or "")
        except AlreadyBound:
            job = ""
        if job:
            work.jobs.append(job)
        changed = True
    return changed
