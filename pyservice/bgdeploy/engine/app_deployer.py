"""Bring one app to its desired state: exists, env, process settings, bindings, bits, routes, running.

Every function reads Cloud Controller first and changes only what differs, so the deploy-apps step can
run again after any failure and do nothing twice.
"""

from __future__ import annotations

import hashlib
import tempfile
import threading
from dataclasses import dataclass
from typing import Any

from bgdeploy import messages as msg
from bgdeploy import mta
from bgdeploy.cc import apps as cc_apps
from bgdeploy.cc import bits as cc_bits
from bgdeploy.cc import processes as cc_processes
from bgdeploy.cc import routes as cc_routes
from bgdeploy.cc import services as cc_services
from bgdeploy.engine.context import OperationContext
from bgdeploy.errors import CloudControllerError, ContentError, InfrastructureError, StepTimeoutError
from bgdeploy.mta import metadata
from bgdeploy.mta.model import AppSpec, Route

DIGEST_ANNOTATION = "bgdeploy/content-digest"
_cache_lock = threading.Lock()


@dataclass
class AppOutcome:
    guid: str
    name: str
    changed: bool  # env, bits or bindings changed: a started app must restart


def timeouts(ctx: OperationContext, spec: AppSpec) -> tuple[int, int, int]:
    o, s = ctx.options, ctx.settings
    start = o.get("apps_start_timeout_s") or spec.start_timeout_s or s.default_start_timeout_s
    stage = o.get("apps_stage_timeout_s") or spec.stage_timeout_s or s.default_stage_timeout_s
    upload = o.get("apps_upload_timeout_s") or spec.upload_timeout_s or s.default_upload_timeout_s
    return int(start), int(stage), int(upload)


def app_metadata(ctx: OperationContext, spec: AppSpec, digest: str | None = None) -> dict[str, Any]:
    model = ctx.model("live")
    annotations: dict[str, Any] = dict(metadata.app_annotations(model, spec))
    if digest:
        annotations[DIGEST_ANNOTATION] = digest
    return {"labels": metadata.mta_labels(model.mta_id, model.namespace), "annotations": annotations}


def ensure_app(ctx: OperationContext, spec: AppSpec, name: str, env: dict[str, str]) -> tuple[dict, bool]:
    """Create the app or update it in place; returns (app, env_changed)."""
    cc, space = ctx.cc, ctx.op.space_guid
    app = cc_apps.find(cc, space, name)
    meta = app_metadata(ctx, spec)
    if app is None:
        ctx.info(msg.CREATING_APP.format(app=name, module=spec.module), app=name, module=spec.module)
        try:
            app = cc_apps.create(cc, space, name, buildpacks=spec.buildpacks, stack=spec.stack, env=env,
                                 metadata=meta, docker_image=spec.docker_image)
        except CloudControllerError as exc:
            if exc.status != 422 or "already exists" not in exc.detail:
                raise
            app = cc_apps.find(cc, space, name)  # created by an earlier attempt whose answer was lost
            assert app is not None
        return app, True
    ctx.info(msg.UPDATING_APP.format(app=name), app=name, module=spec.module)
    lifecycle_data: dict[str, Any] = {"buildpacks": spec.buildpacks}
    if spec.stack:
        lifecycle_data["stack"] = spec.stack
    body: dict[str, Any] = {"metadata": meta}
    if not spec.docker_image:
        body["lifecycle"] = {"type": "buildpack", "data": lifecycle_data}
    app = cc_apps.update(cc, app["guid"], body)
    return app, cc_apps.set_env(cc, app["guid"], env)


def ensure_process(ctx: OperationContext, spec: AppSpec, app_guid: str) -> bool:
    """Scale and configure the web process; True when a running app must restart to apply it."""
    cc = ctx.cc
    proc = cc_processes.web(cc, app_guid)
    scale: dict[str, Any] = {}
    if spec.instances is not None and proc.get("instances") != spec.instances:
        scale["instances"] = spec.instances
    if spec.memory_mb and proc.get("memory_in_mb") != spec.memory_mb:
        scale["memory_in_mb"] = spec.memory_mb
    if spec.disk_mb and proc.get("disk_in_mb") != spec.disk_mb:
        scale["disk_in_mb"] = spec.disk_mb
    if scale:
        cc_processes.scale(cc, proc["guid"], scale)
    patch: dict[str, Any] = {}
    if spec.command is not None and proc.get("command") != spec.command:
        patch["command"] = spec.command
    if spec.health_check is not None:
        hc: dict[str, Any] = {"type": spec.health_check.type, "data": {}}
        if spec.health_check.endpoint and spec.health_check.type == "http":
            hc["data"]["endpoint"] = spec.health_check.endpoint
        if spec.health_check.timeout_s:
            hc["data"]["timeout"] = spec.health_check.timeout_s
        if spec.health_check.invocation_timeout_s:
            hc["data"]["invocation_timeout"] = spec.health_check.invocation_timeout_s
        current = proc.get("health_check") or {}
        if current.get("type") != hc["type"] or any(
            (current.get("data") or {}).get(k) != v for k, v in hc["data"].items()
        ):
            patch["health_check"] = hc
    if patch:
        cc_processes.update(cc, proc["guid"], patch)
    return bool(patch) or "memory_in_mb" in scale or "disk_in_mb" in scale


def ensure_bindings(ctx: OperationContext, spec: AppSpec, app_guid: str, app_name: str) -> bool:
    cc = ctx.cc
    bound = {b["relationships"]["service_instance"]["data"]["guid"] for b in cc_services.bindings_for_app(cc, app_guid)}
    changed = False
    for binding in spec.bindings:
        guid = service_guid(ctx, binding.service_name)
        if guid is None:
            raise ContentError(f'Service "{binding.service_name}" required by module "{spec.module}" does not exist')
        if guid in bound:
            continue
        ctx.info(msg.BINDING.format(service=binding.service_name, app=app_name), app=app_name, module=spec.module)
        try:
            cc_services.bind(cc, app_guid, guid, name=binding.binding_name, parameters=binding.parameters,
                             timeout_s=ctx.settings.service_timeout_s)
        except CloudControllerError as exc:
            if "already bound" not in exc.detail:
                raise
        changed = True
    return changed


def service_guid(ctx: OperationContext, name: str) -> str | None:
    """Service instances exist before any app is deployed: look each up once per run, not once per app."""
    with _cache_lock:
        if name in ctx.service_guids:
            return ctx.service_guids[name]
    inst = cc_services.find_instance(ctx.cc, ctx.op.space_guid, name)
    if inst is None:
        return None
    with _cache_lock:
        ctx.service_guids[name] = inst["guid"]
    return inst["guid"]


def ensure_bits(ctx: OperationContext, spec: AppSpec, app: dict, app_name: str) -> bool:
    """Upload and stage the module's content unless the current droplet was built from the same bits."""
    cc = ctx.cc
    if spec.content is None and not spec.docker_image:
        raise ContentError(f'Module "{spec.module}" has no content in the archive (no "path")')
    _start_t, stage_t, upload_t = timeouts(ctx, spec)
    with tempfile.TemporaryFile(dir=ctx.settings.state_dir) as bits:
        digest = _write_bits(ctx, spec, bits)
        annotations = (app.get("metadata") or {}).get("annotations") or {}
        if annotations.get(DIGEST_ANNOTATION) == digest and cc_apps.current_droplet_guid(cc, app["guid"]):
            ctx.info(msg.CONTENT_UNCHANGED.format(app=app_name), app=app_name, module=spec.module)
            return False
        ctx.info(msg.UPLOADING_APP.format(app=app_name), app=app_name, module=spec.module)
        package = cc_bits.create_package(cc, app["guid"])
        bits.seek(0)
        cc_bits.upload(cc, package["guid"], bits)
    cc_bits.wait_package_ready(cc, package["guid"], upload_t)
    ctx.info(msg.STAGING_APP.format(app=app_name), app=app_name, module=spec.module)
    build = _create_build(ctx, app["guid"], package["guid"])
    build = cc_bits.wait_build(cc, build["guid"], stage_t)
    ctx.info(msg.APP_STAGED.format(app=app_name), app=app_name, module=spec.module)
    cc_apps.set_current_droplet(cc, app["guid"], build["droplet"]["guid"])
    cc_apps.update(cc, app["guid"], {"metadata": {"annotations": {DIGEST_ANNOTATION: digest}}})
    return True


def _create_build(ctx: OperationContext, app_guid: str, package_guid: str) -> dict:
    try:
        return cc_bits.create_build(ctx.cc, package_guid)
    except CloudControllerError as exc:
        if exc.title != "CF-StagingInProgress":
            raise
        # An earlier attempt is still staging this app: wait for that build instead of failing.
        staging = [b for b in cc_bits.builds_for_app(ctx.cc, app_guid) if b["state"] == "STAGING"]
        if not staging:
            raise
        return staging[0]


def _write_bits(ctx: OperationContext, spec: AppSpec, out: Any) -> str:
    class Hashing:
        def __init__(self) -> None:
            self.h = hashlib.sha256()

        def write(self, chunk: bytes) -> int:
            self.h.update(chunk)
            return out.write(chunk)

        def flush(self) -> None:
            out.flush()

    sink = Hashing()
    with mta.open_archive(ctx.archive_path, ctx.op.archive_name) as archive:
        archive.write_module_bits(spec.module, sink)
    out.flush()
    return sink.h.hexdigest()


# -- routes -----------------------------------------------------------------------------------------

def _domain_guid(ctx: OperationContext, name: str) -> str:
    cache = ctx.data("domains")
    with _cache_lock:
        if name in cache:
            return cache[name]
    found = cc_routes.domain_by_name(ctx.cc, name)
    if found is None:
        raise ContentError(f'Domain "{name}" does not exist in Cloud Foundry')
    with _cache_lock:
        cache[name] = found["guid"]
    return found["guid"]


def find_route(ctx: OperationContext, route: Route) -> dict | None:
    try:
        domain = _domain_guid(ctx, route.domain)
    except ContentError:
        return None
    return cc_routes.find(ctx.cc, domain, route.host, route.path)


def ensure_route(ctx: OperationContext, route: Route) -> dict:
    domain = _domain_guid(ctx, route.domain)
    found = cc_routes.find(ctx.cc, domain, route.host, route.path)
    if found is not None:
        return found
    try:
        return cc_routes.create(ctx.cc, ctx.op.space_guid, domain, route.host, route.path)
    except CloudControllerError as exc:
        if exc.status == 422 and "already exists" in exc.detail:
            found = cc_routes.find(ctx.cc, domain, route.host, route.path)
            if found is not None:
                return found
        raise


def map_routes(ctx: OperationContext, app_guid: str, app_name: str, wanted: list[Route], *,
               unmap_others: bool) -> bool:
    """Map `wanted` to the app; with unmap_others, take the app off every other route. True if changed."""
    changed = False
    mapped = {cc_routes.url(r): r for r in cc_routes.for_app(ctx.cc, app_guid)}
    for route in wanted:
        if route.url in mapped:
            continue
        ctx.info(msg.MAPPING_ROUTE.format(route=route.url, app=app_name), app=app_name, route=route.url)
        cc_routes.add_destination(ctx.cc, ensure_route(ctx, route)["guid"], app_guid)
        changed = True
    if unmap_others:
        wanted_urls = {r.url for r in wanted}
        for url, route in mapped.items():
            if url not in wanted_urls:
                ctx.info(msg.UNMAPPING_ROUTE.format(route=url, app=app_name), app=app_name, route=url)
                cc_routes.remove_app_destinations(ctx.cc, route, app_guid)
                changed = True
    return changed


# -- running ----------------------------------------------------------------------------------------

def ensure_running(ctx: OperationContext, spec: AppSpec, app: dict, app_name: str, *, restart: bool,
                   urls: list[str]) -> bool:
    """Start (or restart) unless already running as wanted; True when instances were (re)started."""
    cc = ctx.cc
    start_t, _, _ = timeouts(ctx, spec)
    if app.get("state") == "STARTED" and not restart and _all_running(ctx, app["guid"], spec):
        return False
    if app.get("state") == "STARTED":
        ctx.info(msg.RESTARTING_APP.format(app=app_name), app=app_name, module=spec.module)
        cc_apps.stop(cc, app["guid"])
    else:
        ctx.info(msg.STARTING_APP.format(app=app_name), app=app_name, module=spec.module)
    cc_apps.start(cc, app["guid"])
    wait_running(ctx, spec, app["guid"], app_name, start_t)
    if urls:
        ctx.info(msg.APP_STARTED.format(app=app_name, urls=", ".join(urls)), app=app_name, module=spec.module)
    else:
        ctx.info(msg.APP_STARTED_NO_ROUTE.format(app=app_name), app=app_name, module=spec.module)
    return True


def _all_running(ctx: OperationContext, app_guid: str, spec: AppSpec) -> bool:
    proc = cc_processes.web(ctx.cc, app_guid)
    states = cc_processes.instance_states(ctx.cc, proc["guid"])
    want = proc.get("instances", 1)
    return want == 0 or (len(states) >= want and states.count("RUNNING") >= want)


def wait_running(ctx: OperationContext, spec: AppSpec, app_guid: str, app_name: str, timeout_s: int) -> None:
    proc = cc_processes.web(ctx.cc, app_guid)

    def check() -> bool | None:
        ctx.check_aborted()
        states = cc_processes.instance_states(ctx.cc, proc["guid"])
        if "CRASHED" in states:
            raise InfrastructureError(f'Application "{app_name}" crashed while starting')
        want = proc.get("instances", 1)
        return True if want == 0 or states.count("RUNNING") >= want else None

    try:
        cc_bits.poll(check, timeout_s, f'Starting application "{app_name}"', first_delay=0.1)
    except StepTimeoutError as exc:
        raise StepTimeoutError(f'Application "{app_name}" did not start within {timeout_s} seconds') from exc
