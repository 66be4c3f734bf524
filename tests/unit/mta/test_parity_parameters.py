"""docs/official-parity.md has a row for every parameter the deploy service supports (its
SupportedParameters lists: global, module, resource, dependency, hook), each row supported, warned or
refused, and every test file it names exists."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
DOC = ROOT / "docs" / "official-parity.md"

OFFICIAL = {
    "Global parameters": {
        "keep-existing-routes", "apps-upload-timeout", "apps-task-execution-timeout", "apps-start-timeout",
        "apps-stage-timeout", "apply-namespace", "enable-parallel-deployments", "deploy_mode",
        "bg-dependency-aware-stop-order"},
    "Module parameters": {
        "app-name", "apply-namespace", "buildpack", "buildpacks", "lifecycle", "command", "create-service-broker",
        "default-app-name", "default-host", "default-instances", "default-live-app-name", "default-live-domain",
        "default-live-host", "default-live-uri", "default-live-url", "default-uri", "default-url", "dependency-type",
        "disk-quota", "docker", "domain", "domains", "default-domain", "enable-ssh", "enable-parallel-service-bindings",
        "health-check-http-endpoint", "health-check-timeout", "health-check-invocation-timeout", "health-check-type",
        "health-check-interval", "host", "hosts", "idle-domain", "idle-domains", "idle-host", "idle-hosts",
        "idle-routes", "instances", "keep-existing", "keep-existing-routes", "memory", "no-route", "no-start",
        "restart-on-env-change", "routes", "route-path", "service-broker-name", "service-broker-password",
        "service-broker-space-scoped", "service-broker-url", "service-broker-user", "stack", "stage-timeout",
        "start-timeout", "task-execution-timeout", "tasks", "tcp", "tcps", "timestamp", "upload-timeout", "route",
        "execute-app", "success-marker", "failure-marker", "stop-app", "check-deploy-id", "register-service-url",
        "service-name", "service-url", "config", "managed", "path", "apps-upload-timeout",
        "apps-task-execution-timeout", "apps-start-timeout", "apps-stage-timeout", "skip-deploy", "app-features",
        "readiness-health-check-type", "readiness-health-check-http-endpoint", "readiness-health-check-interval",
        "readiness-health-check-invocation-timeout"},
    "Resource parameters": {
        "apply-namespace", "config", "syslog-drain-url", "default-container-name", "default-service-name",
        "default-xsappname", "service", "service-keys", "service-key-name", "service-name", "service-plan",
        "service-tags", "service-broker", "skip-service-updates", "type", "provider-id", "provider-nid", "target",
        "config-path", "filter", "managed", "version", "path", "memory", "fail-on-service-update",
        "service-provider", "service-version", "log-level", "destination", "org-name", "space-name"},
    "Dependency and hook parameters": {
        "binding-name", "env-var-name", "visibility", "use-live-routes", "config",
        "delete-service-key-after-deployment", "name", "command", "memory", "disk-quota", "requires",
        "phases-config"},
}
STATUSES = {"supported", "warned", "refused"}


def section(title: str) -> list[list[str]]:
    text = DOC.read_text()
    body = text.split(f"\n## {title}\n", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in body.splitlines() if line.startswith("| ") and not line.startswith("| ---")]
    return [[c.strip() for c in re.split(r"(?<!\\)\|", row)[1:-1]] for row in rows[1:]]


def test_every_official_parameter_has_a_row() -> None:
    for title, names in OFFICIAL.items():
        rows = section(title)
        named = {n for row in rows for n in re.findall(r"`([a-z_][a-z_-]*)`", row[0])}
        named |= {n for row in rows for n in re.findall(r"`([a-z_-]+)(?:: | \()", row[0])}
        assert names <= named, (title, sorted(names - named))
        for row in rows:
            assert row[1] in STATUSES, (title, row)
            assert row[2] and "no effect" not in row[2].replace("no effect here", ""), (title, row)


def test_the_tests_named_exist() -> None:
    text = DOC.read_text()
    for path in set(re.findall(r"`((?:tests|plugin-shim)/[\w/.-]+\.(?:py|go))", text)):
        assert (ROOT / path).is_file(), path
