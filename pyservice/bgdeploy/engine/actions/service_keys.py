"""Service keys (`service-keys` of a managed resource), as the deploy service keeps them.

A key of the descriptor that is missing is created; one whose parameters changed (or whose creation failed)
is deleted and created again with --delete-service-keys, else left with a warning; one whose MTA metadata
differs gets it. Keys carry the MTA's labels (and `space_guid`), so the keys this MTA made and no longer
names are found after the apps are deployed and deleted then (`abandoned`).
"""

from __future__ import annotations

from bgdeploy import messages as msg
from bgdeploy.cc import bindings as cc_bindings
from bgdeploy.cc.errors import NotFound
from bgdeploy.cc.models import Binding
from bgdeploy.engine.actions.create import create_or_adopt
from bgdeploy.engine.actions.services import parameters_digest
from bgdeploy.engine.step import StepContext
from bgdeploy.errors import CloudControllerError
from bgdeploy.mta import metadata
from bgdeploy.mta.model import DeploymentModel, ServiceKeySpec, ServiceSpec

LABEL_SPACE_GUID = "space_guid"
BUSY = "busy"  # advance_keys: a key is being created or deleted by a request whose job this run does not know
PARAMETERS_ANNOTATION = "bgdeploy/parameters-digest"


def key_labels(mta_id: str, namespace: str, space_guid: str) -> dict[str, str]:
    return {**metadata.mta_labels(mta_id, namespace), LABEL_SPACE_GUID: space_guid}


def key_selector(mta_id: str, namespace: str, space_guid: str) -> str:
    return f"{metadata.label_selector(mta_id, namespace)},{LABEL_SPACE_GUID}={space_guid}"


def key_metadata(ctx: StepContext, key: ServiceKeySpec) -> dict[str, dict[str, str]]:
    model = ctx.model("live")
    annotations = {"mta_id": model.mta_id, "mta_version": model.version,
                   PARAMETERS_ANNOTATION: parameters_digest(key.parameters)}
    if model.namespace:
        annotations["mta_namespace"] = model.namespace
    return {"labels": key_labels(model.mta_id, model.namespace, ctx.op.space_guid), "annotations": annotations}


def advance_keys(ctx: StepContext, instance_guid: str, spec: ServiceSpec) -> str | None:
    """One pass over the resource's keys; the first job to wait for (create or delete), BUSY when a key is
    still being made or deleted (after a crash, say), None when done."""
    if spec.kind != "managed" or not spec.service_keys:
        return None
    have = {k.name: k for k in cc_bindings.keys(ctx.cc, instance_guid)}
    for key in spec.service_keys:
        found = have.get(key.name)
        if found is not None and found.busy:
            return BUSY
        meta = key_metadata(ctx, key)
        if found is None:
            ctx.log.info(msg.CREATING_SERVICE_KEY.format(key=key.name, name=spec.name))
            job = create_or_adopt(
                lambda k=key: "" if any(b.name == k.name for b in cc_bindings.keys(ctx.cc, instance_guid)) else None,
                lambda k=key, m=meta: cc_bindings.create_key(ctx.cc, instance_guid, k.name, k.parameters, m) or "")
            if job:
                return job
            continue
        if found.state == "failed" or _parameters_changed(ctx, found, key):
            if not ctx.options.delete_service_keys:
                if ctx.plan.once(f"key-not-updated:{spec.resource}/{key.name}"):
                    ctx.log.warn(msg.WILL_NOT_UPDATE_SERVICE_KEY.format(key=key.name, name=spec.name))
                continue
            ctx.log.info(msg.DELETING_SERVICE_KEY.format(key=key.name, name=spec.name))
            job = cc_bindings.delete(ctx.cc, found.guid)
            if job:
                return job
            return advance_keys(ctx, instance_guid, spec)  # gone at once: create it now
        if any(found.labels.get(k) != v for k, v in meta["labels"].items()) or any(
                found.annotations.get(k) != v for k, v in meta["annotations"].items()):
            cc_bindings.update_metadata(ctx.cc, found.guid, meta)
    return None


def keys_to_make(ctx: StepContext, instance_guid: str, spec: ServiceSpec) -> list[str]:
    """The resource's keys `advance_keys` would create, or delete and create again (reads only: a dry run
    reports them)."""
    if spec.kind != "managed" or not spec.service_keys:
        return []
    have = {k.name: k for k in cc_bindings.keys(ctx.cc, instance_guid)} if instance_guid else {}
    return [key.name for key in spec.service_keys if (found := have.get(key.name)) is None or (
        not found.busy and ctx.options.delete_service_keys
        and (found.state == "failed" or _parameters_changed(ctx, found, key)))]


def _parameters_changed(ctx: StepContext, found: Binding, key: ServiceKeySpec) -> bool:
    digest = found.annotations.get(PARAMETERS_ANNOTATION)
    if digest is not None:
        return digest != parameters_digest(key.parameters)
    try:  # made by another tool: ask CC (the broker) what it was created with
        return cc_bindings.parameters(ctx.cc, found.guid) != (key.parameters or {})
    except CloudControllerError:
        return False  # the broker cannot tell: nothing is known to differ


def wanted_keys(model: DeploymentModel) -> set[tuple[str, str]]:
    """(service name, key name) of every key the model creates or reads (existing-service-key)."""
    wanted = {(s.name, k.name) for s in model.services for k in s.service_keys}
    wanted |= {(s.name, s.key_name or s.resource) for s in model.services if s.kind == "existing-service-key"}
    return wanted


def abandoned(ctx: StepContext, instances: dict[str, str]) -> list[tuple[Binding, str]]:
    """Keys with this MTA's labels on `instances` (guid -> name) that the model no longer names."""
    model = ctx.model("live")
    wanted = wanted_keys(model)
    found = cc_bindings.keys_by_labels(ctx.cc, key_selector(ctx.op.mta_id, ctx.op.namespace, ctx.op.space_guid))
    return [(k, instances[k.instance_guid]) for k in found
            if k.instance_guid in instances and (instances[k.instance_guid], k.name) not in wanted]


def delete_key(ctx: StepContext, key: Binding, service: str) -> str | None:
    """Start deleting the key; its job, BUSY while CC still works on it (a deletion this run lost), or None."""
    if key.busy:
        return BUSY
    ctx.log.info(msg.DELETING_SERVICE_KEY.format(key=key.name, name=service))
    try:
        return cc_bindings.delete(ctx.cc, key.guid)
    except NotFound:
        return None

