"""Parameters the deploy service lists that nothing here acts on are warned about, one line each."""

from __future__ import annotations

from bgdeploy.mta import load_descriptor, resolve
from bgdeploy.mta.model import PlatformContext

DESCRIPTOR = """\
_schema-version: "3.3"
ID: quiet
version: 1.0.0
parameters:
  deploy_mode: whatever
modules:
  - name: web
    type: application
    parameters:
      config: {a: 1}
    requires:
      - name: db
        parameters:
          delete-service-key-after-deployment: true
    provides:
      - name: api
        parameters:
          visibility: [{org: o}]
    hooks:
      - name: h
        type: task
        phases: [deploy.application.before-start]
        parameters:
          command: echo
          phases-config: {}
resources:
  - name: db
    type: org.cloudfoundry.managed-service
    parameters:
      service: postgresql
      service-plan: small
      service-provider: acme
      service-version: "9"
"""
CTX = PlatformContext(org="o", space="s", user="u", default_domain="example.com", api_url="https://api.example.com")


def test_each_ignored_parameter_is_one_warning() -> None:
    warnings = resolve(load_descriptor(DESCRIPTOR, "mtad.yaml"), [], CTX, "live").warnings
    assert [w for w in warnings if " is ignored: " in w] == [
        'parameters: "deploy_mode" is ignored: no deploy step reads it (in the deploy service either)',
        'module "web": "config" is ignored: no deploy step reads a module\'s own config (in the deploy service '
        "either)",
        'module "web", requires "db": "delete-service-key-after-deployment" is ignored: service keys of content '
        "deployment are not created here",
        'module "web", provides "api": "visibility" is ignored: it scopes cross-MTA configuration entries, which are '
        "not published here",
        'module "web", hook "h": "phases-config" is ignored: the hook runs at each of its "phases"',
        'resource "db": "service-provider" is ignored: the offering is found by "service" alone',
        'resource "db": "service-version" is ignored: the offering is found by "service" alone',
    ]
