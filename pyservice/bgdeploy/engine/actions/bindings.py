"""Service bindings of an app, and the service-instance lookups they need (once per operation).

As the deploy service does: the services the module requires are bound, with the binding `config` and
`binding-name` of the requires entry; a binding whose parameters or name changed is bound again; bindings
to services not in the descriptor are unbound. With `keep-existing: {service-bindings: true}` no binding
is touched, and a new colour also gets the bindings the old app had to services outside the descriptor
(bound by hand, say), so they outlive the switch.
"""

from __future__ import annotations

from bgdeploy import messages as msg
from bgdeploy.cc import bindings as cc_bindings
from bgdeploy.cc import services as cc_services
from bgdeploy.cc.errors import AlreadyBound, NotFound
from bgdeploy.cc.models import Binding
from bgdeploy.engine.actions.apps import mark_restart
from bgdeploy.engine.actions.create import create_or_adopt
from bgdeploy.engine.plan import AppWork
from bgdeploy.engine.step import StepContext
from bgdeploy.errors import CloudControllerError, ContentError
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
    """Make the app's bindings what the module asks for. Asynchronous binds and unbinds leave their jobs in
    `work.jobs`; a binding to be made again once its unbinding finished sets `work.bind_again` (call again
    after the jobs). True when something changed."""
    guids = service_guids(ctx, [b.service_name for b in spec.bindings])
    wanted: dict[str, ServiceBinding] = {}
    for binding in spec.bindings:
        guid = guids.get(binding.service_name)
        if guid is None:
            raise no_such_service(spec, binding)
        wanted[guid] = binding
    # an app this operation created has no bindings yet: no need to read them
    current = {} if work.fresh else {b.instance_guid: b for b in cc_bindings.for_app(ctx.cc, app_guid)}
    keep = spec.keep_existing_bindings
    changed, work.bind_again = False, False
    rebind: dict[str, bool] = {}  # instance guid -> its unbinding runs asynchronously
    for guid, have in current.items():
        want = wanted.get(guid)
        if have.busy:  # being made (it counts as bound) or deleted (bind it again once it is gone)
            if have.operation == "delete" and want is not None:
                rebind[guid] = True
            continue
        if want is None:
            if not keep:
                _unbind(ctx, work, have, _instance_name(ctx, guid), app_name, spec)
                changed = True
            continue
        if keep:
            if ctx.plan.once(f"keep-binding:{app_guid}:{guid}"):
                ctx.log.info(msg.WILL_NOT_REBIND_KEEP_EXISTING.format(service=want.service_name, app=app_name),
                             app=app_name, module=spec.module)
            continue
        if have.state == "failed" or have.name != (want.binding_name or "") or \
                _parameters(ctx, have) != (want.parameters or {}):
            ctx.log.info(msg.REBINDING.format(service=want.service_name, app=app_name), app=app_name,
                         module=spec.module)
            rebind[guid] = _unbind(ctx, work, have, want.service_name, app_name, spec)
            changed = True
    for guid, want in wanted.items():
        if guid in current and guid not in rebind:
            continue
        if rebind.get(guid):  # its unbinding runs: bind once it finished
            work.bind_again = True
            continue
        _bind(ctx, work, app_guid, guid, app_name, spec, want.service_name, want.binding_name,
              want.parameters)
        changed = True
    if keep:
        changed = _carry_over(ctx, work, spec, app_guid, app_name, set(wanted) | set(current)) or changed
    return changed


def _parameters(ctx: StepContext, binding: Binding) -> dict:
    """What the binding was made with; a user-provided instance's binding has none (CC refuses to tell)."""
    try:
        return cc_bindings.parameters(ctx.cc, binding.guid)
    except CloudControllerError:
        return {}


def _instance_name(ctx: StepContext, guid: str) -> str:
    inst = cc_services.get_instance(ctx.cc, guid)
    return inst.name if inst is not None else guid


def _unbind(ctx: StepContext, work: AppWork, binding: Binding, service: str, app_name: str, spec: AppSpec) -> bool:
    """Unbind; True while CC still works on it (its job is in `work.jobs`)."""
    ctx.log.info(msg.DELETING_BINDING.format(service=service, app=app_name), app=app_name, module=spec.module)
    _restart_for(ctx, work, spec)
    try:
        job = cc_bindings.delete(ctx.cc, binding.guid)
    except NotFound:
        job = None
    if job:
        work.jobs.append(job)
    return bool(job)


def _bind(ctx: StepContext, work: AppWork, app_guid: str, guid: str, app_name: str, spec: AppSpec, service: str,
          name: str | None, parameters: dict | None) -> None:
    ctx.log.info(msg.BINDING.format(service=service, app=app_name), app=app_name, module=spec.module)
    _restart_for(ctx, work, spec)

    def find() -> str | None:
        return "" if any(b.instance_guid == guid for b in cc_bindings.for_app(ctx.cc, app_guid)) else None

    try:
        job = create_or_adopt(find, lambda: cc_bindings.bind(ctx.cc, app_guid, guid, name=name,
                                                             parameters=parameters) or "")
    except AlreadyBound:
        job = ""
    if job:
        work.jobs.append(job)


def _restart_for(ctx: StepContext, work: AppWork, spec: AppSpec) -> None:
    """A changed binding changes VCAP_SERVICES: the app restarts, unless `restart-on-env-change` says not."""
    if spec.restart_on.get("vcap-services", True):
        mark_restart(ctx, work)


def _carry_over(ctx: StepContext, work: AppWork, spec: AppSpec, app_guid: str, app_name: str,
                bound: set[str]) -> bool:
    """keep-existing service-bindings on a new colour: the old app's bindings outside the descriptor."""
    if not ctx.plan.live_version:
        return False
    old = next((a for a in ctx.plan.deployed if a.module == spec.module and a.guid != app_guid), None)
    if old is None:
        return False
    changed = False
    for have in cc_bindings.for_app(ctx.cc, old.guid):
        if have.instance_guid in bound or have.state == "failed":
            continue
        service = _instance_name(ctx, have.instance_guid)
        ctx.log.info(msg.KEEPING_BINDING.format(service=service, app=app_name), app=app_name, module=spec.module)
        _bind(ctx, work, app_guid, have.instance_guid, app_name, spec, service, have.name or None,
              _parameters(ctx, have) or None)
        bound.add(have.instance_guid)
        changed = True
    return changed
