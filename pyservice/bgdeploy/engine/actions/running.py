"""Starting and restarting apps, and watching their instances come up (polled by the step)."""

from __future__ import annotations

from bgdeploy import messages as msg
from bgdeploy.cc import apps as cc_apps
from bgdeploy.cc import processes as cc_processes
from bgdeploy.engine.plan import AppWork
from bgdeploy.engine.step import StepContext
from bgdeploy.errors import InfrastructureError, StepTimeoutError


def begin_start(ctx: StepContext, work: AppWork, *, started: bool, module: str) -> None:
    """(Re)start the app; the caller then polls `instances_running` until they are up."""
    name = work.name
    if started:
        ctx.log.info(msg.RESTARTING_APP.format(app=name), app=name, module=module)
        cc_apps.restart(ctx.cc, work.guid)
    else:
        ctx.log.info(msg.STARTING_APP.format(app=name), app=name, module=module)
        cc_apps.start(ctx.cc, work.guid)
    work.since, work.polls = ctx.now(), 0


def instances_running(ctx: StepContext, work: AppWork, timeout_s: int) -> bool:
    """One look at the instances (one request: the web process's stats, an entry per instance): True
    when all run; raises when one crashed or time is up."""
    states = cc_processes.web_instance_states(ctx.cc, work.guid)
    if "CRASHED" in states:
        raise InfrastructureError(f'Application "{work.name}" crashed while starting')
    if states.count("RUNNING") >= len(states) >= work.instances:
        return True
    if ctx.now() - work.since > timeout_s:
        raise StepTimeoutError(f'Application "{work.name}" did not start within {timeout_s} seconds')
    work.polls += 1
    return False


def all_running(ctx: StepContext, app_guid: str) -> bool:
    proc = cc_processes.web(ctx.cc, app_guid)
    states = cc_processes.instance_states(ctx.cc, proc.guid)
    return proc.instances == 0 or (len(states) >= proc.instances and states.count("RUNNING") >= proc.instances)


def say_started(ctx: StepContext, work: AppWork, module: str, urls: list[str]) -> None:
    if urls:
        ctx.log.info(msg.APP_STARTED.format(app=work.name, urls=", ".join(urls)), app=work.name, module=module)
    else:
        ctx.log.info(msg.APP_STARTED_NO_ROUTE.format(app=work.name), app=work.name, module=module)
