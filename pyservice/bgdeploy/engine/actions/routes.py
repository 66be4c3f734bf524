"""Routes and their destinations: exist once, map to the apps that should serve them."""

from __future__ import annotations

from collections.abc import Callable

from bgdeploy import messages as msg
from bgdeploy.cc import routes as cc_routes
from bgdeploy.cc.models import Route as CcRoute
from bgdeploy.engine.actions.create import create_or_adopt
from bgdeploy.engine.step import StepContext
from bgdeploy.errors import ContentError
from bgdeploy.mta.model import Route


def domain_guid(ctx: StepContext, name: str) -> str:
    """Looked up once per operation (kept in the plan; apps deployed side by side wait for one lookup)."""
    with ctx.lock:
        if name not in ctx.plan.domains:
            guid = cc_routes.domain_guid(ctx.cc, name)
            if guid is None:
                raise ContentError(f'Domain "{name}" does not exist in Cloud Foundry')
            ctx.plan.domains[name] = guid
        return ctx.plan.domains[name]


def find_route(ctx: StepContext, route: Route) -> CcRoute | None:
    try:
        domain = domain_guid(ctx, route.domain)
    except ContentError:
        return None
    return cc_routes.find(ctx.cc, domain, route.host, route.path)


def ensure_route(ctx: StepContext, route: Route) -> CcRoute:
    domain = domain_guid(ctx, route.domain)
    found = cc_routes.find(ctx.cc, domain, route.host, route.path)
    if found is not None:
        return found
    return create_or_adopt(lambda: cc_routes.find(ctx.cc, domain, route.host, route.path),
                           lambda: cc_routes.create(ctx.cc, ctx.op.space_guid, domain, route.host, route.path))


def create_route(ctx: StepContext, route: Route) -> CcRoute:
    """The route, created first and looked up only if it exists already (for routes usually new)."""
    domain = domain_guid(ctx, route.domain)

    def find() -> CcRoute | None:
        return cc_routes.find(ctx.cc, domain, route.host, route.path)

    return create_or_adopt(find, lambda: cc_routes.create(ctx.cc, ctx.op.space_guid, domain, route.host, route.path))


def map_routes(ctx: StepContext, app_guid: str, app_name: str, wanted: list[Route], *, unmap_others: bool,
               fresh: bool = False, before_change: Callable[[], None] = lambda: None) -> bool:
    """Map `wanted` to the app; with unmap_others, take the app off every other route. True if changed.
    A fresh app (created by this operation) has no routes yet: nothing is read first. `before_change` runs
    once before the first write (to save the intent that routers must learn it)."""
    mapped = {} if fresh else {r.url: r for r in cc_routes.for_app(ctx.cc, app_guid)}
    to_map, to_unmap = route_changes(list(mapped), wanted, unmap_others=unmap_others)
    if to_map or to_unmap:
        before_change()
    for route in to_map:
        ctx.log.info(msg.MAPPING_ROUTE.format(route=route.url, app=app_name), app=app_name, route=route.url)
        cc_route = create_route(ctx, route) if fresh else ensure_route(ctx, route)
        cc_routes.add_destination(ctx.cc, cc_route.guid, app_guid)
    for url in to_unmap:
        ctx.log.info(msg.UNMAPPING_ROUTE.format(route=url, app=app_name), app=app_name, route=url)
        unmap(ctx, mapped[url], app_guid)
    return bool(to_map or to_unmap)


def route_changes(mapped: list[str], wanted: list[Route], *, unmap_others: bool) -> tuple[list[Route], list[str]]:
    """(routes to map, URLs to unmap) that make an app with routes `mapped` serve `wanted` (pure)."""
    wanted_urls = {r.url for r in wanted}
    to_map = [r for r in wanted if r.url not in mapped]
    to_unmap = [u for u in mapped if u not in wanted_urls] if unmap_others else []
    return to_map, to_unmap


def unmap(ctx: StepContext, route: CcRoute, app_guid: str) -> None:
    for dest in route.destinations_of(app_guid):
        cc_routes.remove_destination(ctx.cc, route.guid, dest.guid)


def join(ctx: StepContext, route_guid: str, url: str, app_guid: str, app_name: str) -> None:
    """The app becomes a destination of the route (the switch's own write, said as the official service says it)."""
    ctx.log.info(msg.MAPPING_ROUTE.format(route=url, app=app_name), app=app_name, route=url)
    cc_routes.add_destination(ctx.cc, route_guid, app_guid)
