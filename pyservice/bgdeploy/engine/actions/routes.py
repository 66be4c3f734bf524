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
    """Looked up once per operation (kept in the plan)."""
    with ctx.lock:
        if name in ctx.plan.domains:
            return ctx.plan.domains[name]
    guid = cc_routes.domain_guid(ctx.cc, name)
    if guid is None:
        raise ContentError(f'Domain "{name}" does not exist in Cloud Foundry')
    with ctx.lock:
        ctx.plan.domains[name] = guid
    return guid


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


def map_routes(ctx: StepContext, app_guid: str, app_name: str, wanted: list[Route], *, unmap_others: bool,
               before_change: Callable[[], None] = lambda: None) -> bool:
    """Map `wanted` to the app; with unmap_others, take the app off every other route. True if changed.
    `before_change` runs once before the first write (to save the intent that routers must learn it)."""
    mapped = {r.url: r for r in cc_routes.for_app(ctx.cc, app_guid)}
    wanted_urls = {r.url for r in wanted}
    changed = any(r.url not in mapped for r in wanted) or (unmap_others and any(u not in wanted_urls for u in mapped))
    if changed:
        before_change()
    for route in wanted:
        if route.url in mapped:
            continue
        ctx.log.info(msg.MAPPING_ROUTE.format(route=route.url, app=app_name), app=app_name, route=route.url)
        cc_routes.add_destination(ctx.cc, ensure_route(ctx, route).guid, app_guid)
    if unmap_others:
        for url, route in mapped.items():
            if url not in wanted_urls:
                ctx.log.info(msg.UNMAPPING_ROUTE.format(route=url, app=app_name), app=app_name, route=url)
                unmap(ctx, route, app_guid)
    return changed


def unmap(ctx: StepContext, route: CcRoute, app_guid: str) -> None:
    for dest in route.destinations_of(app_guid):
        cc_routes.remove_destination(ctx.cc, route.guid, dest.guid)
