"""Removing an app: its routes (unless another app uses them), stop, the app (with its bindings). Gone = done.

Each call advances one app's `Removal` as far as it can without waiting; it returns the wall time to be
called again while CC jobs run, or None when the app is gone.
"""

from __future__ import annotations

from bgdeploy import messages as msg
from bgdeploy.cc import apps as cc_apps
from bgdeploy.cc import bindings as cc_bindings
from bgdeploy.cc import routes as cc_routes
from bgdeploy.cc.errors import NotFound
from bgdeploy.engine.actions import jobs
from bgdeploy.engine.plan import Removal
from bgdeploy.engine.polling import FIRST_S, next_poll
from bgdeploy.engine.step import StepContext
from bgdeploy.errors import CloudControllerError

JOB_TIMEOUT_S = 600
UNBIND_FIRST = "unbind-first"
DELETE_POLL_S = 0.05  # the last wait of a switch: look soon (back-off from there costs at most a GET or two)


def removal_of(ctx: StepContext, guid: str, name: str) -> Removal:
    with ctx.lock:
        return ctx.plan.removals.setdefault(guid, Removal(name=name))


def advance_removal(ctx: StepContext, guid: str, work: Removal, *, unmapped: bool = False,
                    stopped: bool = False) -> float | None:
    """Routes, stop, then the app: CC deletes its bindings with it (as `cf delete` relies on). Where a
    broker unbinds asynchronously CC fails that deletion; then the bindings go first, one by one.
    `unmapped`: the switch took the app off all its routes already, so it is stopped (unless `stopped`:
    stop-old did) and deleted without reading it first (these are the last requests of a switch)."""
    cc = ctx.cc
    if work.stage == "gone":
        return None
    if work.jobs and work.due > ctx.now():  # stop-old started it: its first look is still to come
        return work.due
    if work.jobs:
        try:
            work.jobs = jobs.pending(ctx, work.jobs, "Deleting the application", work.since, JOB_TIMEOUT_S)
        except CloudControllerError as exc:
            if work.stage != "deleted":
                raise
            ctx.log.debug(f"deleting {work.name} with its bindings failed ({exc}); unbinding first")
            work.stage, work.jobs = UNBIND_FIRST, []
            ctx.save()
        if work.jobs:
            work.polls += 1
            # the app's deletion is the last wait of a switch: its looks stay as close as they began
            work.due = next_poll(ctx.now(), work.polls, DELETE_POLL_S if work.stage == "deleted" else FIRST_S)
            return work.due
        if work.stage == "deleted":
            work.stage = "gone"
            ctx.save()
            return None
    if unmapped and not work.stage:
        if not stopped:
            ctx.log.info(msg.STOPPING_APP.format(app=work.name), app=work.name)
            try:
                cc_apps.stop(cc, guid)
            except NotFound:
                work.stage = "gone"
                ctx.save()
                return None
        return _delete(ctx, guid, work)
    app = cc_apps.get(cc, guid)
    if app is None:
        work.stage = "gone"
        ctx.save()
        return None
    ctx.check_aborted()
    for route in cc_routes.for_app(cc, guid):
        for dest in route.destinations_of(guid):
            cc_routes.remove_destination(cc, route.guid, dest.guid)
        fresh = cc_routes.get(cc, route.guid)
        if fresh is not None and not fresh.destinations:
            _collect(ctx, work, cc_routes.delete(cc, route.guid))
        elif fresh is not None:
            ctx.log.info(msg.ROUTE_IN_USE.format(route=route.url), route=route.url)
    if app.state == "STARTED":
        ctx.log.info(msg.STOPPING_APP.format(app=work.name), app=work.name)
        cc_apps.stop(cc, guid)
    if work.stage == UNBIND_FIRST:
        for binding in cc_bindings.for_app(cc, guid):
            _collect(ctx, work, cc_bindings.delete(cc, binding.guid))
        if work.jobs:
            return next_poll(ctx.now(), 0)  # bindings go before the app
    return _delete(ctx, guid, work)


def _delete(ctx: StepContext, guid: str, work: Removal) -> float | None:
    ctx.log.info(msg.DELETING_APP.format(app=work.name), app=work.name)
    work.stage = "deleted"
    job = cc_apps.delete(ctx.cc, guid)
    if job:
        _collect(ctx, work, job)  # saves
    else:
        ctx.save()
    if not work.jobs:
        work.stage = "gone"
        return None
    work.due = next_poll(ctx.now(), 0, DELETE_POLL_S)
    return work.due


def _collect(ctx: StepContext, work: Removal, job: str | None) -> None:
    if job:
        if not work.jobs:
            work.since, work.polls = ctx.now(), 0
        work.jobs.append(job)
        ctx.save()
