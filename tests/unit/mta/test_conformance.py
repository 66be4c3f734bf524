"""The conformance corpus (../shared/mta-examples): every CF descriptor, extension and archive parses,
merges and resolves (or is refused with the documented "not supported" message), and where a README shows
the deploy service's result (app names, routes, environment), we produce the same."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest
from conftest import EXAMPLES
from helpers import build_from_directory
from required import require

from bgdeploy.errors import ContentError
from bgdeploy.mta import load_descriptor, load_extension, open_archive, resolve
from bgdeploy.mta.model import DeploymentModel, PlatformContext, Route

require(EXAMPLES, "the conformance corpus")

# Descriptors the engine knowingly refuses, with the reason it must give.
UNSUPPORTED = {
    "cf-destination/mtad.yaml": "content deployment modules",
    "cf-service-destination/mtad.yaml": "content deployment modules",
    "content-deployment/content-deployment-with-recreatable-key/mtad.yaml": "content deployment modules",
    "content-deployment/content-deployment-with-service-key-deletion-after-deploy/mtad.yaml": "content deployment",
    "content-deployment/html5-content-deployment/mtad.yaml": "content deployment modules",
    "content-deployment/html5-content-deployment/with-certificates/mtad.yaml": "content deployment modules",
    "content-deployment/html5-content-deployment/with-existing-key/mtad.yaml": "content deployment modules",
    "content-deployment/html5-content-deployment/with-user-provided-service/mtad.yaml": "content deployment",
    "cross-mta-config-with-dev-descriptor/consumer/mtad.yaml": "cross-MTA configuration",
    "cross-mta-configurations/consumer/mtad.yaml": "cross-MTA configuration",
    "dynamic-parameters/dynamic-parameters-for-cross-mta-configurations/deploy-cross-mta-configuration-consumer/"
    "mtad.yaml": "cross-MTA configuration",
    "dynamic-parameters/dynamic-parameters-for-cross-mta-configurations/deploy-cross-mta-configuration-provider/"
    "mtad.yaml": "dynamic parameters",
    "dynamic-parameters/mtad.yaml": "dynamic parameters",
    "namespace/module-and-service-with-apply-flag/mtad.yaml": 'unsupported resource type "auditlog"',
    # Without an extension, the required service plan is missing: the README shows this very error.
    "extension-descriptor-different-environments/mtad.yaml": "missing required parameter: service-plan",
}
# Extension chains: an extension that extends another extension needs its parent.
CHAINS = {"prod-scale-vertically.mtaext": ["prod.mtaext", "prod-scale-vertically.mtaext"]}

DESCRIPTORS = sorted(p.relative_to(EXAMPLES).as_posix() for p in EXAMPLES.rglob("mtad.yaml"))
ARCHIVES = sorted(p.relative_to(EXAMPLES).as_posix() for p in EXAMPLES.rglob("*.mtar"))


def _ctx(namespace: str = "", **kw) -> PlatformContext:
    return PlatformContext(
        org="myorg",
        space="dev",
        user="me",
        default_domain="cfapps.sap.hana.ondemand.com",
        api_url="https://api.cf.sap.hana.ondemand.com",
        namespace=namespace,
        seed="s",
        timestamp="20240101000000",
        **kw,
    )


def _load(rel: str, *exts: str) -> tuple:
    path = EXAMPLES / rel
    d = load_descriptor(path.read_text(), path.name)
    return d, [load_extension((path.parent / e).read_text(), e) for e in exts]


def _resolve(rel: str, *exts: str, phase: str = "live", ctx: PlatformContext | None = None) -> DeploymentModel:
    d, extensions = _load(rel, *exts)
    return resolve(d, extensions, ctx or _ctx(), phase)  # type: ignore[arg-type]


def _cases() -> list[tuple[str, tuple[str, ...]]]:
    cases = []
    for rel in DESCRIPTORS:
        folder = (EXAMPLES / rel).parent
        cases.append((rel, ()))
        for ext in sorted([*folder.glob("*.mtaext"), *folder.glob("extension.yaml")]):
            cases.append((rel, tuple(CHAINS.get(ext.name, [ext.name]))))
    return cases


@pytest.mark.parametrize(("rel", "exts"), _cases(), ids=lambda v: "+".join(v) if isinstance(v, tuple) else v)
@pytest.mark.parametrize("phase", ["live", "idle"])
def test_every_descriptor_resolves_or_is_refused_clearly(rel: str, exts: tuple[str, ...], phase: str) -> None:
    expected_error = UNSUPPORTED.get(rel) if not exts or rel.startswith(("cross-mta", "dynamic")) else None
    if expected_error:
        with pytest.raises(ContentError, match=expected_error.replace("(", r"\(")):
            _resolve(rel, *exts, phase=phase)
        return
    model = _resolve(rel, *exts, phase=phase)
    assert model.mta_id
    for app in model.apps:
        assert app.name and all(isinstance(v, str) for v in app.env.values())
        assert not any("${" in r.url or "~{" in r.url for r in app.routes + app.idle_routes)


@pytest.mark.parametrize("rel", ARCHIVES)
def test_every_archive_opens_and_streams_its_modules(rel: str) -> None:
    with open_archive(str(EXAMPLES / rel)) as archive:
        assert archive.mta_id and archive.version
        for module in archive.descriptor.modules:
            ref = archive.module_content(module.name)
            if ref is None:
                continue
            buffer = io.BytesIO()
            archive.write_module_bits(module.name, buffer)
            assert zipfile.ZipFile(buffer).testzip() is None
        reason = next((v for k, v in UNSUPPORTED.items() if k.rsplit("/", 1)[0] == rel.rsplit("/", 1)[0]), None)
        if reason:
            with pytest.raises(ContentError, match=reason):
                resolve(archive.descriptor, [], _ctx(), "idle", archive=archive)
        else:
            resolve(archive.descriptor, [], _ctx(), "idle", archive=archive)


# ---- README-documented results --------------------------------------------------------------------------------


def _urls(routes: list[Route]) -> list[str]:
    return [r.url for r in routes]


@pytest.mark.parametrize("folder", ["blue-green-deploy-strategy/hello-blue", "blue-green-deploy-legacy/hello-green"])
def test_blue_green_hello_routes_and_env(folder: str) -> None:
    """README: backend/router idle at <org>-<space>-<module>-idle.<domain>, live at <org>-<space>-<module>."""
    idle = _resolve(f"{folder}/mtad.yaml", phase="idle")
    assert [a.name for a in idle.apps] == ["hello-backend", "hello-router"]  # backend first: router requires it
    backend, router = idle.app("hello-backend"), idle.app("hello-router")
    assert _urls(backend.idle_routes) == ["myorg-dev-hello-backend-idle.cfapps.sap.hana.ondemand.com"]
    assert _urls(backend.routes) == ["myorg-dev-hello-backend.cfapps.sap.hana.ondemand.com"]
    assert _urls(router.idle_routes) == ["myorg-dev-hello-router-idle.cfapps.sap.hana.ondemand.com"]
    assert router.env["url"] == "https://myorg-dev-hello-backend-idle.cfapps.sap.hana.ondemand.com"
    assert router.env["backend"] == router.env["url"] + "/content"
    live = _resolve(f"{folder}/mtad.yaml", phase="live")
    assert live.app("hello-router").env["url"] == "https://myorg-dev-hello-backend.cfapps.sap.hana.ondemand.com"
    assert live.app("hello-router").routes == router.routes
    assert backend.memory_mb == 1024 and backend.disk_mb == 256
    assert backend.buildpacks == ["sap_java_buildpack_jakarta"]


IDLE_README = {
    "idle-routes.mtaext": [
        "your-first-idle-hostname.your.first.cfapps.sap.hana.ondemand.com",
        "your-second-idle-hostname.your.second.cfapps.sap.hana.ondemand.com",
    ],
    "idle-host.mtaext": ["your-idle-host.cfapps.sap.hana.ondemand.com"],
    "idle-hosts.mtaext": [
        "your-first-idle-hostname.cfapps.sap.hana.ondemand.com",
        "your-second-idle-hostname.cfapps.sap.hana.ondemand.com",
    ],
    "idle-domain.mtaext": ["myorg-dev-app-idle.your.cfapps.sap.hana.ondemand.com"],
    "idle-domains.mtaext": [
        "myorg-dev-app-idle.your.first.cfapps.sap.hana.ondemand.com",
        "myorg-dev-app-idle.your.second.cfapps.sap.hana.ondemand.com",
    ],
    "idle-host-idle-domain.mtaext": ["your-idle-hostname.your.cfapps.sap.hana.ondemand.com"],
    "idle-host-idle-domains.mtaext": [
        "your-idle-hostname.your.first.cfapps.sap.hana.ondemand.com",
        "your-idle-hostname.your.second.cfapps.sap.hana.ondemand.com",
    ],
    "idle-hosts-idle-domain.mtaext": [
        "your-first-idle-hostname.your.idle.domain",
        "your-second-idle-hostname.your.idle.domain",
    ],
    "idle-hosts-idle-domains.mtaext": [  # README: "available at first.first,first.second,second.first,second.second"
        "your-first-idle-hostname.your.first.idle.domain",
        "your-first-idle-hostname.your.second.idle.domain",
        "your-second-idle-hostname.your.first.idle.domain",
        "your-second-idle-hostname.your.second.idle.domain",
    ],
}


@pytest.mark.parametrize("ext", sorted(IDLE_README))
@pytest.mark.parametrize("phase", ["idle", "live"])
def test_idle_parameters_readme(ext: str, phase: str) -> None:
    app = _resolve("idle-parameters/mtad.yaml", ext, phase=phase).app("app")
    assert _urls(app.idle_routes) == IDLE_README[ext]
    assert _urls(app.routes) == ["myorg-dev-app.cfapps.sap.hana.ondemand.com"]


def test_idle_parameters_default() -> None:
    app = _resolve("idle-parameters/mtad.yaml", phase="idle").app("app")
    assert _urls(app.idle_routes) == ["myorg-dev-app-idle.cfapps.sap.hana.ondemand.com"]
    assert app.buildpacks == ["staticfile_buildpack"]


def test_app_routes_readme() -> None:
    app = _resolve("app-routes/mtad.yaml").app("my-app-module")
    assert _urls(app.routes) == [
        "my-custom-host.at.some.domain/with/path",
        "myorg-dev-my-app-module-with-custom-suffix.cfapps.sap.hana.ondemand.com",
        "*.wildcard.for.host.at.some.domain",
    ]
    assert app.env["default-host"] == "myorg-dev-my-app-module"
    assert app.env["default-domain"] == "cfapps.sap.hana.ondemand.com"
    assert app.env["default-uri"] == "myorg-dev-my-app-module.cfapps.sap.hana.ondemand.com"
    assert app.env["default-url"] == "https://myorg-dev-my-app-module.cfapps.sap.hana.ondemand.com"
    assert app.env["protocol"] == "https"
    assert app.env["firstRoute"] == "my-custom-host.at.some.domain/with/path"
    assert app.env["secondRoute"] == "myorg-dev-my-app-module-with-custom-suffix.cfapps.sap.hana.ondemand.com"
    # Idle phase: one temporary route per live path (the README's "collapse"), live routes unchanged.
    idle = _resolve("app-routes/mtad.yaml", phase="idle").app("my-app-module")
    assert _urls(idle.idle_routes) == [
        "myorg-dev-my-app-module-idle.cfapps.sap.hana.ondemand.com/with/path",
        "myorg-dev-my-app-module-idle.cfapps.sap.hana.ondemand.com",
    ]
    assert idle.routes == app.routes
    assert idle.env["firstRoute"] == "myorg-dev-my-app-module-idle.cfapps.sap.hana.ondemand.com/with/path"


def test_app_routes_host_and_domain_variants() -> None:
    single = _resolve("app-routes/modelled_with_host_and_domain/mtad.yaml").app("my-app-module")
    assert _urls(single.routes) == ["my-single-host-value.cfapps.sap.hana.ondemand.com"]
    assert single.env["default-uri"] == "my-single-host-value.cfapps.sap.hana.ondemand.com"
    many = _resolve("app-routes/modelled_with_hosts_and_domains/mtad.yaml").app("my-app-module")
    assert sorted(_urls(many.routes)) == sorted(
        [
            "my-custom-host.cfapps.sap.hana.ondemand.com",
            "myorg-dev-my-app-module-with-custom-suffix.cfapps.sap.hana.ondemand.com",
            "my-custom-host.at.some.domain",
            "myorg-dev-my-app-module-with-custom-suffix.at.some.domain",
        ]
    )
    hostless = _resolve("app-routes/no_hostname/mtad.yaml").app("my-app-module")
    assert [(r.host, r.domain) for r in hostless.routes] == [
        ("host1", "cfapps.sap.hana.ondemand.com"),
        ("host2", "cfapps.sap.hana.ondemand.com"),
        ("", "subdomain.cfapps.sap.hana.ondemand.com"),
    ]
    no_route = _resolve("app-routes/no_route/mtad.yaml", phase="idle").app("my-mta-managed-app-module")
    assert no_route.name == "my-routless-cf-app" and no_route.routes == [] and no_route.idle_routes == []
    assert no_route.no_route
    http2 = _resolve("app-routes/http2-routes/mtad.yaml").app("my-app-module")
    assert [(r.host, r.protocol) for r in http2.routes] == [
        ("my-app-route-http1", "http1"),
        ("my-app-route-http2", "http2"),
    ]


def test_sharing_values_readme() -> None:
    model = _resolve("sharing-values-between-apps/mtad.yaml")
    provider, consumer = model.app("providing-module"), model.app("consuming-module")
    assert consumer.env["m1-config"] == "static-string-with-suffix"
    assert consumer.env["m1-url"] == "https://myorg-dev-providing-module.cfapps.sap.hana.ondemand.com"
    assert consumer.env["m1-user"] == provider.env["my-generated-user"]
    assert len(provider.env["my-generated-user"]) == 16
    assert provider.no_start is True


def test_live_routes_and_live_parameters_readmes() -> None:
    model = _resolve("blue-green-deploy-strategy/blue-green-deploy-with-live-routes/mtad.yaml", phase="idle")
    service = model.services[0]
    assert service.parameters == {"backend-live-route": "myorg-dev-hello-backend.cfapps.sap.hana.ondemand.com"}
    # The router's parameter reads the idle route (no env, so check through a live/idle difference in routes).
    backend = model.app("hello-backend")
    assert _urls(backend.routes) == ["myorg-dev-hello-backend.cfapps.sap.hana.ondemand.com"]
    assert _urls(backend.idle_routes) == ["myorg-dev-hello-backend-idle.cfapps.sap.hana.ondemand.com"]
    params = _resolve("blue-green-deploy-strategy/blue-green-deploy-with-live-parameters/mtad.yaml", phase="idle")
    assert params.services[0].parameters == {
        "router-provided-default-live-ap-name": "hello-router",
        "router-provided-default-live-host": "myorg-dev-hello-router",
        "router-provided-default-live-uri": "myorg-dev-hello-router.cfapps.sap.hana.ondemand.com",
        "router-provided-default-live-url": "https://myorg-dev-hello-router.cfapps.sap.hana.ondemand.com",
    }


def test_namespace_global_parameters_readme() -> None:
    model = _resolve("namespace/global-parameters/mtad.yaml", ctx=_ctx("foo"))
    assert sorted(a.name for a in model.apps) == ["foo-hello-router", "hello-backend"]
    assert [s.name for s in model.services] == ["foo-my-cf-service"]
    assert _urls(model.app("hello-router").routes) == ["route-without-namespace.cfapps.sap.hana.ondemand.com"]
    # Command-line flags win over the descriptor.
    forced = _resolve(
        "namespace/global-parameters/mtad.yaml",
        ctx=_ctx("foo", apply_namespace_explicit=True, apply_namespace_app_names=False),
    )
    assert sorted(a.name for a in forced.apps) == ["hello-backend", "hello-router"]


def test_namespace_routes_and_suffix() -> None:
    model = _resolve("namespace/module-with-apply-flag-to-route/mtad.yaml", ctx=_ctx("foo"))
    app = model.app("hello-backend")
    assert app.name == "foo-hello-backend"
    assert _urls(app.routes) == [
        "foo-hello-backend.dev.cfapps.sap.hana.ondemand.com",
        "route-without-namespace.dev.cfapps.sap.hana.ondemand.com",
    ]
    two = _resolve("namespace/two-modules/mtad.yaml", ctx=_ctx("foo"))
    assert two.app("hello-backend").env["message"] == "Hello, from foo-hello-backend!"
    suffix = _resolve("namespace/module-with-apply-as-suffix-global-parameter/mtad.yaml", ctx=_ctx("foo"))
    assert suffix.app("hello-backend").name == "hello-backend"  # module-level apply-namespace: false
    flag = _resolve(
        "namespace/module-with-apply-as-suffix-flag/mtad.yaml",
        ctx=_ctx("foo", apply_namespace_explicit=True, apply_namespace_as_suffix=True),
    )
    assert flag.app("hello-backend").name == "hello-backend-foo"


def test_extension_descriptor_environments_readme() -> None:
    dev = _resolve("extension-descriptor-different-environments/mtad.yaml", "dev.mtaext")
    assert dev.services[0].plan == "lite" and dev.app("my-app").instances == 1
    prod = _resolve("extension-descriptor-different-environments/mtad.yaml", "prod.mtaext")
    assert prod.app("my-app").instances == 2
    big = _resolve(
        "extension-descriptor-different-environments/mtad.yaml", "prod-scale-vertically.mtaext", "prod.mtaext"
    )
    assert big.app("my-app").memory_mb == 2048 and big.app("my-app").instances == 2
    assert big.app("my-app").bindings[0].service_name == "my-service"


def test_parameter_metadata_readme(tmp_path: Path) -> None:
    with open_archive(str(EXAMPLES / "parameter-and-property-metadata/test.mtar")) as archive:
        plain = resolve(archive.descriptor, [], _ctx(), "live", archive=archive).app("my-app")
        assert "null-property" not in plain.env  # null values are not propagated
        assert plain.content is not None and plain.content.entry == "ui5Provider/buildresults.zip"
        ext = load_extension(
            (EXAMPLES / "parameter-and-property-metadata/extension.yaml").read_text(), "extension.yaml"
        )
        extended = resolve(archive.descriptor, [ext], _ctx(), "live", archive=archive).app("my-app")
        assert extended.env["null-property"] == "extension-value"


def test_skip_deploy_and_parallel_waves() -> None:
    skipped = _resolve("skip-app-deploy/mtad.yaml")
    assert [a.module for a in skipped.apps] == ["app-to-deploy"] and skipped.skipped_modules == ["app-to-skip"]
    flipped = _resolve("skip-app-deploy/mtad.yaml", "skip-app.mtaext")
    assert [a.module for a in flipped.apps] == ["app-to-skip"]
    parallel = _resolve("parallel-deployment/mtad.yaml")
    assert parallel.parallel
    assert parallel.waves == [["hello-world", "hello-world-first", "hello-world-second"], ["hello-world-third"]]
    sequential = _resolve("parallel-deployment/mtad.yaml", "hello-world-no-parallel.mtaext")
    assert not sequential.parallel and all(len(w) == 1 for w in sequential.waves)
    assert sequential.waves.index(["hello-world"]) < sequential.waves.index(["hello-world-third"])


def test_sequential_resources_readme() -> None:
    model = _resolve("deploy-with-sequential-resources/mtad.yaml")
    assert model.service_batches == [["serviceD"], ["serviceB", "serviceC"], ["serviceA"]]


def test_services_readmes() -> None:
    managed = _resolve("create-managed-services/mtad.yaml").services[0]
    assert (managed.name, managed.kind, managed.offering, managed.plan) == (
        "my-logging-service-instance-name",
        "managed",
        "application-logs",
        "lite",
    )
    ups = _resolve("user-provided-service/mtad.yaml", "service-credentials.mtaext").services[0]
    assert ups.kind == "user-provided" and ups.credentials == {"foo": "bar"}
    syslog = _resolve("streaming-logs-with-user-provided-service/mtad.yaml").services[0]
    assert syslog.syslog_drain_url == "syslog://example.log-aggregator.com"
    inactive = _resolve("active-optional-resources/mtad.yaml")
    assert inactive.services == [] and inactive.app("my-mta-managed-app-module").bindings == []
    optional = _resolve("active-optional-resources/mtad.yaml", "active_optional.mtaext").services[0]
    assert optional.optional and optional.name == "someothername" and optional.offering == "not-existing-service"
    skip = _resolve("skip-service-updates/mtad.yaml").services[0]
    assert skip.skip_updates == []
    fail = _resolve("fail-on-service-update/mtad.yaml").services[0]
    assert fail.fail_on == {"parameters": True, "plan": True, "tags": True}
    keys = _resolve("service-key-renewal/mtad.yaml")
    assert keys.services[0].service_keys[0].name == "rotating-key-1-20240101000000"
    assert keys.app("my-app").existing_key_env == {
        "keycredentials": ("postgre-test-service", "rotating-key-1-20240101000000")
    }


def test_cf_app_readme() -> None:
    app = _resolve("cf-app/mtad.yaml").app("my-mta-managed-app-module")
    assert app.name == "my-cf-app" and app.memory_mb == 1024 and app.disk_mb == 1024 and app.instances == 1
    assert app.health_check is not None and app.health_check.type == "http"
    assert app.health_check.endpoint == "/index" and app.health_check.timeout_s == 180
    assert app.upload_timeout_s == 180 and app.features == {"ssh": True} and app.no_start is False
    assert app.env["MY_CF_APP_ENV_VARIABLE"] == "HELLO MTA"
    assert json.loads(app.env["DEPLOY_ATTRIBUTES"]) == {"no-start": False}
    docker = _resolve("cf-app-docker/mtad.yaml").app("my-mta-managed-app")
    assert docker.docker_image == "cloudfoundry/test-app"
    assert _urls(docker.routes) == ["myorg-dev-my-mta-managed-app.cfapps.sap.hana.ondemand.com"]


def test_keep_existing_readmes() -> None:
    model = _resolve("keep-existing-routes/mtad.yaml")
    assert model.app("cf-app-keeping-simple-param").keep_existing_routes
    assert model.app("cf-app-keeping-complex-param").keep_existing_routes
    assert not model.app("cf-app-unmapping-routes").keep_existing_routes
    assert _resolve("keep-existing-env/mtad.yaml").app("cf-app-keeping-env-changes").keep_existing_env
    assert _resolve("keep-existing-bindings/mtad.yaml").app("cf-app-keeping-bindings").keep_existing_bindings


@pytest.mark.parametrize("folder", ["idle-parameters", "externalize-services-configurations", "partial-build-deploy"])
def test_deploy_from_directory(folder: str, tmp_path: Path) -> None:
    out = tmp_path / "out.mtar"
    build_from_directory(EXAMPLES / folder, out)
    with open_archive(str(out)) as archive:
        model = resolve(archive.descriptor, [], _ctx(), "idle", archive=archive)
        for app in model.apps:
            assert app.content is not None
            buffer = io.BytesIO()
            archive.write_module_bits(app.module, buffer)
            assert zipfile.ZipFile(buffer).namelist()
        if folder == "externalize-services-configurations":
            config = {s.resource: s for s in model.services}
            managed = config["my-service-instance"].parameters or {}
            assert managed["xsappname"] == "appname-with-suffix-"  # ${space-guid} is empty in this context
            assert len(managed) > 1  # config.json content is the base
            assert model.warnings == []
