"""Parameters the deploy service lists as supported that this engine does not act on, each one a warning
(what it is for, and why nothing happens here), so none is dropped in silence. The parameters that take
effect are in docs/official-parity.md with their tests.
"""

from __future__ import annotations

from ..descriptor import Descriptor
from .inputs import Selection

GLOBAL = {
    "deploy_mode": "no deploy step reads it (in the deploy service either)",
}
MODULE = {
    "config": "no deploy step reads a module's own config (in the deploy service either)",
    "managed": "it marks configuration subscriptions, and cross-MTA configuration is not supported",
}
RESOURCE = {
    "service-provider": "the offering is found by \"service\" alone",
    "service-version": "the offering is found by \"service\" alone",
    "memory": "no deploy step reads it on a resource",
}
REQUIRES = {
    "delete-service-key-after-deployment": "service keys of content deployment are not created here",
}
PROVIDES = {
    "visibility": "it scopes cross-MTA configuration entries, which are not published here",
}
HOOK = {
    "phases-config": "the hook runs at each of its \"phases\"",
}


def ignored_warnings(d: Descriptor, selection: Selection) -> list[str]:
    found = [f'parameters: "{k}" is ignored: {why}' for k, why in GLOBAL.items() if k in d.parameters]
    for m in d.modules:
        if m.name not in selection.modules:
            continue
        found += [f'module "{m.name}": "{k}" is ignored: {why}' for k, why in MODULE.items() if k in m.parameters]
        for req in m.requires:
            found += [f'module "{m.name}", requires "{req.name}": "{k}" is ignored: {why}'
                      for k, why in REQUIRES.items() if k in req.parameters]
        for prov in m.provides:
            found += [f'module "{m.name}", provides "{prov.name}": "{k}" is ignored: {why}'
                      for k, why in PROVIDES.items() if k in prov.parameters]
        for hook in m.hooks:
            found += [f'module "{m.name}", hook "{hook.name}": "{k}" is ignored: {why}'
                      for k, why in HOOK.items() if k in hook.parameters]
    for r in d.resources:
        if r.name in selection.resources:
            found += [f'resource "{r.name}": "{k}" is ignored: {why}' for k, why in RESOURCE.items()
                      if k in r.parameters]
    return found
