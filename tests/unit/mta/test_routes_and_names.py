"""Routes (live and idle), host normalisation and shortening, namespaces."""

from __future__ import annotations

import pytest
from helpers import model

from bgdeploy.errors import ContentError
from bgdeploy.mta.names import java_string_hash, normalize_host, with_proper_length
from bgdeploy.mta.routes import parse_route

DESC = """\
_schema-version: "3.3"
ID: demo
version: 1.0.0
modules:
  - name: web
    type: staticfile
    parameters: {PARAMS}
"""


def routes_of(ctx, params: str, phase: str = "live"):
    app = model(DESC.replace("{PARAMS}", params), ctx, phase=phase).app("web")
    return [r.url for r in app.routes], [r.url for r in app.idle_routes]


def test_defaults(ctx) -> None:
    assert routes_of(ctx, "{}") == (["myorg-dev-web.cfapps.example.com"], ["myorg-dev-web-idle.cfapps.example.com"])


def test_route_path_and_no_hostname(ctx) -> None:
    assert routes_of(ctx, "{route-path: /api}") == (
        ["myorg-dev-web.cfapps.example.com/api"],
        ["myorg-dev-web-idle.cfapps.example.com/api"],
    )
    assert routes_of(ctx, "{no-hostname: true, domain: my.domain}")[0] == ["my.domain"]


def test_no_route(ctx) -> None:
    assert routes_of(ctx, "{no-route: true}", phase="idle") == ([], [])


def test_idle_routes_win_over_idle_hosts(ctx) -> None:
    _live, idle = routes_of(ctx, "{idle-routes: [{idle-route: 'tmp.other.domain/p'}], idle-host: ignored}")
    assert idle == ["tmp.other.domain/p"]
    m = model(DESC.replace("{PARAMS}", "{idle-routes: [{idle-route: 'tmp.d'}], idle-host: x}"), ctx)
    assert any("idle-routes" in w for w in m.warnings)


def test_long_hosts_are_shortened_with_a_hash(ctx) -> None:
    long_ctx = ctx.__class__(
        **{**ctx.__dict__, "org": "a-very-long-organisation-name", "space": "and-a-long-space-name"}
    )
    app = model(DESC.replace("{PARAMS}", "{}").replace("name: web", "name: web-module-with-a-long-name"), long_ctx)
    host = app.apps[0].idle_routes[0].host
    assert len(host) == 63
    full = "a-very-long-organisation-name-and-a-long-space-name-web-module-with-a-long-name-idle"
    assert host == with_proper_length(full, 63) and host != full[:63]


def test_java_hash_and_normalisation() -> None:
    assert java_string_hash("hello") == 99162322
    assert java_string_hash("polygenelubricants") == -(2**31)
    assert normalize_host("My Org_Space!x-") == "my-org-space-x"
    assert with_proper_length("x" * 70, 63).startswith("x" * 50)


def test_parse_route() -> None:
    r = parse_route("Host.Example.com/a/b/")
    assert (r.host, r.domain, r.path) == ("host", "example.com", "/a/b")
    assert parse_route("https://x.y.z").url == "x.y.z"
    assert parse_route("sub.example.com", no_hostname=True).host == ""


def test_bad_routes_name_the_parameter(ctx) -> None:
    with pytest.raises(ContentError) as info:
        routes_of(ctx, "{routes: [{nope: 1}]}")
    assert info.value.path == "modules[0].parameters.routes[0]"


def test_namespace_applies_to_names_hosts_and_services(ctx) -> None:
    ns_ctx = ctx.__class__(**{**ctx.__dict__, "namespace": "ns"})
    text = (
        DESC.replace("{PARAMS}", "{}") + "resources:\n  - name: db\n    type: org.cloudfoundry.user-provided-service\n"
    )
    m = model(text.replace("type: staticfile", "type: staticfile\n    requires: [{name: db}]"), ns_ctx)
    app = m.apps[0]
    assert app.name == "ns-web" and app.routes[0].host == "myorg-dev-ns-web"
    assert m.services[0].name == "ns-db" and app.bindings[0].service_name == "ns-db"
