"""What the engine knowingly does not do for a module (brokers, TCP routes), as model.warnings.

Resource warnings come from where they are decided: `checks.py` (optional resources of unsupported types)
and `services.py` (ignored service parameters).
"""

from __future__ import annotations

from .. import routes
from ..descriptor import Module, Params
from ..units import boolean


def module_warnings(m: Module, params: Params) -> list[str]:
    """`params` are the module's resolved parameters; only keys the user set can be ignored ones."""
    found = list(routes.warnings_for({k: params[k] for k in set(m.parameters) if k in params}, m.name))
    if boolean(params.get("create-service-broker")):
        found.append(f'module "{m.name}": service brokers are not registered ("create-service-broker")')
    for key in ("tcp", "tcps"):
        if params.get(key):
            found.append(f'module "{m.name}": TCP routes ("{key}") are not supported; ignored')
    if "enable-parallel-service-bindings" in m.parameters and boolean(params.get("enable-parallel-service-bindings")):
        found.append(f'module "{m.name}": "enable-parallel-service-bindings" is not supported; the services are bound '
                     "one after another")
    lifecycle = params.get("lifecycle") if "lifecycle" in m.parameters else None
    expected = "docker" if params.get("docker") is not None else "buildpack"
    if lifecycle is not None and lifecycle != expected:
        found.append(f'module "{m.name}": "lifecycle: {lifecycle}" is not supported; the app gets the {expected} '
                     "lifecycle")
    return found
