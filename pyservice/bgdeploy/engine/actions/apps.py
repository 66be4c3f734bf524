"""Apps: exist with the desired lifecycle, metadata, environment and process settings.

What differs is decided by pure functions (`env_patch`, `process_changes`, `metadata_differs`, ...) that the
writers below act on and a dry run (`engine/dryrun`) reports, so the two cannot disagree."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bgdeploy import messages as msg
from bgdeploy.cc import apps as cc_apps
from bgdeploy.cc import processes as cc_processes
from bgdeploy.cc.models import App, Process
from bgdeploy.engine.actions.create import create_or_adopt
from bgdeploy.engine.plan import AppWork
from bgdeploy.engine.step import StepContext
from bgdeploy.mta import metadata
from bgdeploy.mta.model import AppSpec, HealthCheck

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
    lifecycle = desired_lifecycle(spec)
    meta = app_metadata(ctx, spec)
    # An app this MTA does not have yet is created at once; a name taken by an app we did not see is
    # found and updated instead. Only an app this call created counts as fresh (nothing bound or mapped).
    app = None if will_create(ctx, work, name) else cc_apps.find(cc, space, name)
    if app is None:
        ctx.log.info(msg.CREATING_APP.format(app=name, module=spec.module), app=name, module=spec.module)
        if spec.docker_image:
            ctx.log.info(msg.CREATING_APP_FROM_DOCKER.format(app=name, image=spec.docker_image), app=name,
                         module=spec.module)
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
    if metadata_differs(app, meta) or lifecycle_differs(app, lifecycle):
        app = cc_apps.update(cc, app.guid, lifecycle=lifecycle, metadata=meta)
    apply_env(ctx, work, app.guid, env, keep_others=spec.keep_existing_env,
              restart=spec.restart_on.get("user-provided", True))
    return app


def desired_lifecycle(spec: AppSpec) -> dict[str, Any]:
    return cc_apps.lifecycle(spec.buildpacks, spec.stack, docker=bool(spec.docker_image))


# -- what differs (pure: the actions write it, a dry run shows it) ------------------------------------


def metadata_differs(app: App, meta: dict[str, Any]) -> bool:
    return any(app.labels.get(k) != v for k, v in meta["labels"].items()) or any(
        app.annotations.get(k) != v for k, v in meta["annotations"].items())


def lifecycle_differs(app: App, lifecycle: dict[str, Any]) -> bool:
    if lifecycle["type"] != "buildpack":
        return False
    have = app.lifecycle.get("data") or {}
    want = lifecycle["data"]
    return list(have.get("buildpacks") or []) != want["buildpacks"] or (
        "stack" in want and have.get("stack") != want["stack"])


def env_patch(current: dict[str, str], desired: dict[str, str], *, keep_others: bool = False
              ) -> dict[str, str | None]:
    """The PATCH that makes the user env `desired` (None removes a variable; with `keep_others`, as for
    `keep-existing: env`, variables the descriptor does not name stay); empty when it is already."""
    patch: dict[str, str | None] = {k: v for k, v in desired.items() if current.get(k) != v}
    if not keep_others:
        patch.update({k: None for k in current if k not in desired})
    return patch


@dataclass(frozen=True)
class ProcessChanges:
    scale: dict[str, Any]  # body of the scale action (instances, memory_in_mb, disk_in_mb)
    patch: dict[str, Any]  # body of the process update (command, health checks)
    restart_on_settings: bool = True  # `restart-on-env-change: {vcap-application: false}` says no

    @property
    def restart(self) -> bool:
        """Instances pick up memory, disk, command and health checks only when they restart."""
        changed = bool(self.patch) or "memory_in_mb" in self.scale or "disk_in_mb" in self.scale
        return changed and self.restart_on_settings


def check_body(check: HealthCheck) -> dict[str, Any]:
    """A process health check (liveness or readiness) as CC takes it."""
    data: dict[str, Any] = {}
    if check.endpoint and check.type == "http":
        data["endpoint"] = check.endpoint
    for key, value in (("timeout", check.timeout_s), ("invocation_timeout", check.invocation_timeout_s),
                       ("interval", check.interval_s)):
        if value:
            data[key] = value
    return {"type": check.type, "data": data}


def process_changes(proc: Process, spec: AppSpec) -> ProcessChanges:
    """What differs between the web process and the module's settings (unset settings are left alone)."""
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
    for field, wanted, current in (("health_check", spec.health_check, proc.health_check),
                                   ("readiness_health_check", spec.readiness_check, proc.readiness_check)):
        if wanted is None:
            continue
        hc = check_body(wanted)
        if current.type != hc["type"] or any(current.data.get(k) != v for k, v in hc["data"].items()):
            patch[field] = hc
    # Process settings are the app's attributes (VCAP_APPLICATION): `restart-on-env-change` may say not to.
    return ProcessChanges(scale, patch, spec.restart_on.get("vcap-application", True))


# -- writes ---------------------------------------------------------------------------------------------


def apply_env(ctx: StepContext, work: AppWork, app_guid: str, desired: dict[str, str], *,
              keep_others: bool = False, restart: bool = True) -> bool:
    """Make the app's user env `desired`; a change means the instances must restart, unless
    `restart-on-env-change: {user-provided: false}` (`restart=False`)."""
    patch = env_patch(cc_apps.env(ctx.cc, app_guid), desired, keep_others=keep_others)
    if not patch:
        return False
    if restart:
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
    if work.fresh:  # created by this operation: configured without reading it first
        return _configure_fresh(ctx, spec, app_guid)
    proc = cc_processes.web(ctx.cc, app_guid)
    changes = process_changes(proc, spec)
    if changes.restart:
        mark_restart(ctx, work)
    if changes.scale:
        cc_processes.scale(ctx.cc, proc.guid, changes.scale)
    if changes.patch:
        cc_processes.update(ctx.cc, proc.guid, changes.patch)
    return int(changes.scale.get("instances", proc.instances))


def _configure_fresh(ctx: StepContext, spec: AppSpec, app_guid: str) -> int:
    scale: dict[str, Any] = {k: v for k, v in (("instances", spec.instances), ("memory_in_mb", spec.memory_mb),
                                               ("disk_in_mb", spec.disk_mb)) if v}
    instances = cc_processes.scale_web(ctx.cc, app_guid, scale).instances if scale else 1
    patch: dict[str, Any] = {}
    if spec.command is not None:
        patch["command"] = spec.command
    if spec.health_check is not None:
        patch["health_check"] = check_body(spec.health_check)
    if spec.readiness_check is not None:
        patch["readiness_health_check"] = check_body(spec.readiness_check)
    if patch:
        cc_processes.update_web(ctx.cc, app_guid, patch)
    return spec.instances if spec.instances is not None else instances
