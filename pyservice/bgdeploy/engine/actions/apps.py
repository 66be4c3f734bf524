"""Apps: exist with the desired lifecycle, metadata, environment and process settings."""

from __future__ import annotations

from typing import Any

from bgdeploy import messages as msg
from bgdeploy.cc import apps as cc_apps
from bgdeploy.cc import processes as cc_processes
from bgdeploy.cc.models import App
from bgdeploy.engine.actions.create import create_or_adopt
from bgdeploy.engine.plan import AppWork
from bgdeploy.engine.step import StepContext
from bgdeploy.mta import metadata
from bgdeploy.mta.model import AppSpec

DIGEST_ANNOTATION = "bgdeploy/content-digest"


def app_metadata(ctx: StepContext, spec: AppSpec) -> dict[str, Any]:
    model = ctx.model("live")
    return {"labels": metadata.mta_labels(model.mta_id, model.namespace),
            "annotations": dict(metadata.app_annotations(model, spec))}


def will_create(ctx: StepContext, work: AppWork, name: str) -> bool:
    """Whether `ensure_app` creates the app without looking for it (this MTA has no app of that name)."""
    return not work.guid and not any(a.name == name for a in ctx.plan.deployed)


def ensure_app(ctx: StepContext, work: AppWork, spec: AppSpec, name: str, env: dict[str, str], *,
               digest: str = "") -> App:
    """Create the app (with its env), or update it in place (its env too, recording a needed restart).
    A digest known before the creation is annotated with it (its droplet will have those bits)."""
    cc, space = ctx.cc, ctx.op.space_guid
    lifecycle = cc_apps.lifecycle(spec.buildpacks, spec.stack, docker=bool(spec.docker_image))
    meta = app_metadata(ctx, spec)
    # An app this MTA does not have yet is created at once; a name taken by an app we did not see is
    # found and updated instead. Only an app this call created counts as fresh (nothing bound or mapped).
    app = None if will_create(ctx, work, name) else cc_apps.find(cc, space, name)
    if app is None:
        ctx.log.info(msg.CREATING_APP.format(app=name, module=spec.module), app=name, module=spec.module)
        made: list[App] = []
        created_meta = {**meta, "annotations": {**meta["annotations"], **({DIGEST_ANNOTATION: digest} if digest
                                                                          else {})}}

        def create() -> App:
            made.append(cc_apps.create(cc, space, name, lifecycle=lifecycle, env=env, metadata=created_meta))
            return made[-1]

        app = create_or_adopt(lambda: cc_apps.find(cc, space, name), create)
        work.guid, work.name, work.fresh = app.guid, name, bool(made) and made[-1].guid == app.guid
        if work.fresh:
            work.annotated_digest = digest
            return app
    ctx.log.info(msg.UPDATING_APP.format(app=name), app=name, module=spec.module)
    work.guid, work.name = app.guid, name
    if _differs(app, lifecycle, meta):
        app = cc_apps.update(cc, app.guid, lifecycle=lifecycle, metadata=meta)
    apply_env(ctx, work, app.guid, env)
    return app


def _differs(app: App, lifecycle: dict[str, Any], meta: dict[str, Any]) -> bool:
    if any(app.labels.get(k) != v for k, v in meta["labels"].items()):
        return True
    if any(app.annotations.get(k) != v for k, v in meta["annotations"].items()):
        return True
    if lifecycle["type"] != "buildpack":
        return False
    have = app.lifecycle.get("data") or {}
    want = lifecycle["data"]
    return list(have.get("buildpacks") or []) != want["buildpacks"] or (
        "stack" in want and have.get("stack") != want["stack"])


def apply_env(ctx: StepContext, work: AppWork, app_guid: str, desired: dict[str, str]) -> bool:
    """Make the app's user env exactly `desired`; a change means the instances must restart."""
    current = cc_apps.env(ctx.cc, app_guid)
    patch: dict[str, str | None] = {k: v for k, v in desired.items() if current.get(k) != v}
    patch.update({k: None for k in current if k not in desired})
    if not patch:
        return False
    mark_restart(ctx, work)
    cc_apps.patch_env(ctx.cc, app_guid, patch)
    return True


def mark_restart(ctx: StepContext, work: AppWork) -> None:
    """Persist "must restart" before the write that makes it true: a crash after it still restarts."""
    if not work.restart:
        work.restart = True
        ctx.save()


def ensure_process(ctx: StepContext, work: AppWork, spec: AppSpec, app_guid: str) -> int:
    """Scale and configure the web process; returns its instance count. A fresh app's process is set
    without reading it first (nothing runs yet, so nothing restarts)."""
    if work.fresh:
        return _configure_fresh(ctx, spec, app_guid)
    proc = cc_processes.web(ctx.cc, app_guid)
    scale: dict[str, Any] = {}
    if spec.instances is not None and proc.instances != spec.instances:
        scale["instances"] = spec.instances
    if spec.memory_mb and proc.memory_mb != spec.memory_mb:
        scale["memory_in_mb"] = spec.memory_mb
    if spec.disk_mb and proc.disk_mb != spec.disk_mb:
        scale["disk_in_mb"] = spec.disk_mb
    patch: dict[str, Any] = {}
    if spec.command is not None and proc.command != spec.command:
        patch["command"] = spec.command
    if spec.health_check is not None:
        hc = _health_check(spec)
        current = proc.health_check
        if current.type != hc["type"] or any(current.data.get(k) != v for k, v in hc["data"].items()):
            patch["health_check"] = hc
    if patch or "memory_in_mb" in scale or "disk_in_mb" in scale:
        mark_restart(ctx, work)
    if scale:
        cc_processes.scale(ctx.cc, proc.guid, scale)
    if patch:
        cc_processes.update(ctx.cc, proc.guid, patch)
    return int(scale.get("instances", proc.instances))


def _configure_fresh(ctx: StepContext, spec: AppSpec, app_guid: str) -> int:
    scale: dict[str, Any] = {k: v for k, v in (("instances", spec.instances), ("memory_in_mb", spec.memory_mb),
                                               ("disk_in_mb", spec.disk_mb)) if v}
    instances = cc_processes.scale_web(ctx.cc, app_guid, scale).instances if scale else 1
    patch = _process_patch(spec)
    if patch:
        cc_processes.update_web(ctx.cc, app_guid, patch)
    return spec.instances if spec.instances is not None else instances


def _process_patch(spec: AppSpec) -> dict[str, Any]:
    patch: dict[str, Any] = {}
    if spec.command is not None:
        patch["command"] = spec.command
    if spec.health_check is not None:
        patch["health_check"] = _health_check(spec)
    return patch


def _health_check(spec: AppSpec) -> dict[str, Any]:
    assert spec.health_check is not None
    hc: dict[str, Any] = {"type": spec.health_check.type, "data": {}}
    if spec.health_check.endpoint and spec.health_check.type == "http":
        hc["data"]["endpoint"] = spec.health_check.endpoint
    if spec.health_check.timeout_s:
        hc["data"]["timeout"] = spec.health_check.timeout_s
    if spec.health_check.invocation_timeout_s:
        hc["data"]["invocation_timeout"] = spec.health_check.invocation_timeout_s
    return hc
