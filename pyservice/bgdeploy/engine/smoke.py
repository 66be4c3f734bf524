"""What the two smoke-test steps share: when they run, and the URLs of the new version.

They run in a blue-green deploy that has a live version (the new one is on its temporary routes), before
the pause, also with --no-confirm (the switch then follows only if they pass). A first deploy goes straight
to the productive routes, and --skip-idle-start leaves the new apps stopped: nothing to test there.
URLs take the Cloud Controller's scheme, as `${default-url}` does.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from bgdeploy import messages as msg
from bgdeploy.engine.step import StepContext
from bgdeploy.mta.model import Route


def wanted(ctx: StepContext) -> bool:
    """Smoke tests were asked for: descriptor checks or --smoke-test commands."""
    return ctx.options.smoke_tests > 0 or any(spec.smoke_tests for spec in ctx.model("idle").apps)


def applies(ctx: StepContext) -> bool:
    return ctx.plan.blue_green and ctx.plan.live_version and not ctx.options.skip_idle_start


def skipped_reason(ctx: StepContext) -> str:
    return msg.SMOKE_SKIPPED_IDLE_START if ctx.plan.live_version else msg.SMOKE_SKIPPED_FIRST


def route_url(ctx: StepContext, route: Route) -> str:
    scheme = urlsplit(ctx.op.api_endpoint).scheme or "https"
    return f"{scheme}://{route.url}"


def urls(ctx: StepContext) -> tuple[dict[str, str], dict[str, str]]:
    """(module -> temporary URL, module -> productive URL), the first route of each module that has one."""
    idle: dict[str, str] = {}
    live: dict[str, str] = {}
    for spec in ctx.model("idle").apps:
        if spec.no_route:
            continue
        if spec.idle_routes:
            idle[spec.module] = route_url(ctx, spec.idle_routes[0])
        if spec.routes:
            live[spec.module] = route_url(ctx, spec.routes[0])
    return idle, live


def counted(count: int, thing: str) -> str:
    """"1 smoke check", "2 smoke checks"."""
    return f"{count} {thing}" + ("" if count == 1 else "s")
