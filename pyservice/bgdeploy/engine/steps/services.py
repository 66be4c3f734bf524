"""Services first: every MTA resource is created or updated before any app (both colours share them)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from bgdeploy import messages as msg
from bgdeploy.cc import services as cc_services
from bgdeploy.engine.context import OperationContext
from bgdeploy.engine.step import DONE, Step, StepResult
from bgdeploy.errors import ContentError
from bgdeploy.mta import metadata
from bgdeploy.mta.model import ServiceSpec


class CreateOrUpdateServices(Step):
    name = "services"
    error_message = "Error creating or updating services"

    def run(self, ctx: OperationContext) -> StepResult:
        model = ctx.model("live")
        by_resource = {s.resource: s for s in model.services}
        for batch in model.service_batches:
            specs = [by_resource[r] for r in batch if r in by_resource]
            if not specs:
                continue
            with ThreadPoolExecutor(max_workers=min(8, len(specs))) as pool:
                for future in [pool.submit(self._one, ctx, spec) for spec in specs]:
                    future.result()
            ctx.check_aborted()
        return DONE

    def _one(self, ctx: OperationContext, spec: ServiceSpec) -> None:
        cc, space = ctx.cc, ctx.op.space_guid
        timeout = ctx.settings.service_timeout_s
        model = ctx.model("live")
        if spec.kind in ("existing-service", "existing-service-key"):
            if cc_services.find_instance(cc, space, spec.name) is None and not spec.optional:
                raise ContentError(f'Service "{spec.name}" of resource "{spec.resource}" does not exist')
            ctx.info(msg.EXISTING_SERVICE.format(name=spec.name))
            return
        meta = {"labels": metadata.mta_labels(model.mta_id, model.namespace),
                "annotations": metadata.service_annotations(model, spec)}
        existing = cc_services.find_instance(cc, space, spec.name)
        if existing is None:
            ctx.info(msg.CREATING_SERVICE.format(name=spec.name, resource=spec.resource))
            if spec.kind == "managed":
                plan = cc_services.plan_guid(cc, space, spec.offering or "", spec.plan or "")
                cc_services.create_managed(cc, space, spec.name, plan, parameters=spec.parameters,
                                           tags=spec.tags, metadata=meta, timeout_s=timeout)
            else:
                cc_services.create_user_provided(
                    cc, space, spec.name, credentials=spec.credentials, tags=spec.tags,
                    syslog_drain_url=spec.syslog_drain_url, route_service_url=spec.route_service_url,
                    metadata=meta)
        else:
            self._update(ctx, spec, existing, meta)
        self._keys(ctx, spec)

    def _update(self, ctx: OperationContext, spec: ServiceSpec, existing: dict, meta: dict) -> None:
        cc, timeout = ctx.cc, ctx.settings.service_timeout_s
        existing = cc_services.wait_idle(cc, existing["guid"], timeout, spec.name)
        kind = existing.get("type")
        if (kind == "managed") != (spec.kind == "managed"):
            raise ContentError(
                f'Service "{spec.name}" exists as {kind} but resource "{spec.resource}" wants {spec.kind}; '
                'delete the service or use "--delete-services"')
        if spec.skip_service_updates:
            ctx.info(msg.SERVICE_UNCHANGED.format(name=spec.name))
            return
        body: dict = {"metadata": meta}
        if sorted(existing.get("tags") or []) != sorted(spec.tags):
            body["tags"] = spec.tags
        if spec.kind == "managed":
            plan = cc_services.plan_of(cc, existing)
            if plan and plan.get("name") != spec.plan:
                body["relationships"] = {"service_plan": {"data": {
                    "guid": cc_services.plan_guid(cc, ctx.op.space_guid, spec.offering or "", spec.plan or "")}}}
            if spec.parameters:
                body["parameters"] = spec.parameters
        else:
            current = cc.get(f"/v3/service_instances/{existing['guid']}/credentials")
            if current != (spec.credentials or {}):
                body["credentials"] = spec.credentials or {}
            if spec.syslog_drain_url and existing.get("syslog_drain_url") != spec.syslog_drain_url:
                body["syslog_drain_url"] = spec.syslog_drain_url
        changed = set(body) - {"metadata"}
        if changed:
            ctx.info(msg.UPDATING_SERVICE.format(name=spec.name))
        try:
            cc_services.update(cc, existing["guid"], body, timeout, spec.name)
        except Exception:
            if spec.fail_on_service_update:
                raise
            ctx.warn(f'Updating service "{spec.name}" failed; continuing (fail-on-service-update: false)')
        if not changed:
            ctx.info(msg.SERVICE_UNCHANGED.format(name=spec.name))

    def _keys(self, ctx: OperationContext, spec: ServiceSpec) -> None:
        if not spec.service_keys:
            return
        inst = cc_services.find_instance(ctx.cc, ctx.op.space_guid, spec.name)
        assert inst is not None
        have = {k["name"] for k in cc_services.keys(ctx.cc, inst["guid"])}
        for key in spec.service_keys:
            if key.name not in have:
                ctx.info(msg.CREATING_SERVICE_KEY.format(key=key.name, name=spec.name))
                cc_services.create_key(ctx.cc, inst["guid"], key.name, key.parameters, ctx.settings.service_timeout_s)
