"""An app's environment with the credentials of the existing service keys it requires
(`org.cloudfoundry.existing-service-key`), each as JSON under its `env-var-name`, as the deploy service
puts them there. Read when the env is written, so a renewed key reaches the new app."""

from __future__ import annotations

import json

from bgdeploy import messages as msg
from bgdeploy.cc import bindings as cc_bindings
from bgdeploy.engine.actions.bindings import service_guids
from bgdeploy.engine.step import StepContext
from bgdeploy.errors import ContentError
from bgdeploy.mta.model import AppSpec


def app_env(ctx: StepContext, spec: AppSpec) -> dict[str, str]:
    if not spec.existing_key_env:
        return spec.env
    env = dict(spec.env)
    guids = service_guids(ctx, sorted({service for service, _ in spec.existing_key_env.values()}))
    for var, (service, key_name) in sorted(spec.existing_key_env.items()):
        guid = guids.get(service)
        if guid is None:
            raise ContentError(f'Service "{service}" of the service key "{key_name}" required by module '
                               f'"{spec.module}" does not exist')
        key = next((k for k in cc_bindings.keys(ctx.cc, guid) if k.name == key_name), None)
        if key is None:
            raise ContentError(msg.SERVICE_KEY_NOT_FOUND.format(key=key_name, name=service))
        env[var] = json.dumps(cc_bindings.key_credentials(ctx.cc, key.guid), separators=(",", ":"), sort_keys=True)
    return env
