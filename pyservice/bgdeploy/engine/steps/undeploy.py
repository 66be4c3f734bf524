"""Removing apps and services: the old colour after a switch, obsolete modules, or a whole MTA."""

from __future__ import annotations

from bgdeploy import messages as msg
from bgdeploy.cc import apps as cc_apps
from bgdeploy.cc import routes as cc_routes
from bgdeploy.cc import services as cc_services
from bgdeploy.engine.context import OperationContext
from bgdeploy.engine.parallel import run_all
from bgdeploy.engine.step import DONE, Step, StepResult
from bgdeploy.engine.steps.prepare import deployed_apps, module_of
from bgdeploy.engine.steps.switch import old_apps
from bgdeploy.mta import metadata


def remove_app(ctx: OperationContext, guid: str, name: str) -> None:
    """Routes (deleted unless another app uses them), stop, bindings, app. Gone already = done."""
    cc = ctx.cc
    app = cc.get_or_none(f"/v3/apps/{guid}")
    if app is None:
        return
    for route in cc_routes.for_app(cc, guid):
        cc_routes.remove_app_destinations(cc, route, guid)
        fresh = cc_routes.get(cc, route["guid"])
        if fresh is not None and not fresh.get("destinations"):
            cc_routes.delete(cc, route["guid"])
        elif fresh is not None:
            ctx.info(msg.ROUTE_IN_USE.format(route=cc_routes.url(route)), route=cc_routes.url(route))
    if app.get("state") == "STARTED":
        ctx.info(msg.STOPPING_APP.format(app=name), app=name)
        cc_apps.stop(cc, guid)
    for binding in cc_services.bindings_for_app(cc, guid):
        cc_services.delete_binding(cc, binding["guid"], ctx.settings.service_timeout_s)
    ctx.info(msg.DELETING_APP.format(app=name), app=name)
    cc_apps.delete(cc, guid)


class UndeployOldApps(Step):
    name = "undeploy-old"
    error_message = "Error deleting the old applications"
    phase = "UNDEPLOY"

    def run(self, ctx: OperationContext) -> StepResult:
        def remove(old: dict) -> None:
            ctx.check_aborted()
            remove_app(ctx, old["guid"], old["name"])

        run_all(remove, old_apps(ctx), ctx.settings.max_parallel_apps)
        return DONE


class DeleteDiscontinuedServices(Step):
    name = "delete-services"
    error_message = "Error deleting discontinued services"

    def run(self, ctx: OperationContext) -> StepResult:
        wanted = {s.name for s in ctx.model("live").services}
        selector = metadata.label_selector(ctx.op.mta_id, ctx.op.namespace)
        owned = list(ctx.cc.list("/v3/service_instances", space_guids=[ctx.op.space_guid], label_selector=selector))
        discontinued = [s for s in owned if s["name"] not in wanted]
        if not discontinued:
            return DONE
        if not ctx.options.get("delete_services"):
            ctx.info(msg.SKIP_SERVICE_DELETION)
            return DONE
        for inst in discontinued:
            delete_service(ctx, inst)
        return DONE


def delete_service(ctx: OperationContext, inst: dict) -> None:
    timeout = ctx.settings.service_timeout_s
    for binding in ctx.cc.list("/v3/service_credential_bindings", service_instance_guids=[inst["guid"]]):
        cc_services.delete_binding(ctx.cc, binding["guid"], timeout)
    ctx.info(msg.DELETING_SERVICE.format(name=inst["name"]))
    cc_services.delete_instance(ctx.cc, inst["guid"], timeout, inst["name"])


class UndeployMta(Step):
    """`cf undeploy MTA_ID`: every app of the MTA; its services with --delete-services."""

    name = "undeploy-mta"
    error_message = "Error undeploying the MTA"
    phase = "UNDEPLOY"

    def run(self, ctx: OperationContext) -> StepResult:
        ctx.info(msg.UNDEPLOYING_MTA.format(id=ctx.op.mta_id))
        for app in deployed_apps(ctx):
            ctx.check_aborted()
            remove_app(ctx, app["guid"], app["name"])
            ctx.debug(f"module {module_of(app)} undeployed")
        selector = metadata.label_selector(ctx.op.mta_id, ctx.op.namespace)
        owned = list(ctx.cc.list("/v3/service_instances", space_guids=[ctx.op.space_guid], label_selector=selector))
        if owned and not ctx.options.get("delete_services"):
            ctx.info(msg.SKIP_SERVICE_DELETION)
            return DONE
        for inst in owned:
            if ctx.options.get("delete_service_keys") or ctx.options.get("delete_services"):
                for key in cc_services.keys(ctx.cc, inst["guid"]):
                    ctx.info(msg.DELETING_SERVICE_KEY.format(key=key["name"], name=inst["name"]))
                    cc_services.delete_binding(ctx.cc, key["guid"], ctx.settings.service_timeout_s)
            delete_service(ctx, inst)
        return DONE
