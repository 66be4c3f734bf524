"""`apply-namespace`: which names and routes get the `--namespace`, and who decides.

Command-line flags (all with `apply_namespace_explicit`, or each switch named in `apply_namespace_given`)
win; else a module's or resource's own `apply-namespace` parameter; else the descriptor-wide
`apply-namespace` (a boolean or a map of app-names / service-names / app-routes / as-suffix); else the
PlatformContext defaults.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .. import system
from ..descriptor import Descriptor, Params
from ..model import PlatformContext
from ..yamlload import child_path

_KEYS = ("app-names", "service-names", "app-routes", "as-suffix")


@dataclass(frozen=True)
class NamespaceSettings:
    ctx: PlatformContext
    descriptor: dict[str, bool]  # the descriptor-wide `apply-namespace`, as given

    @classmethod
    def of(cls, d: Descriptor, ctx: PlatformContext) -> NamespaceSettings:
        return cls(ctx, _descriptor_settings(d, d.parameters.get("apply-namespace"), "parameters.apply-namespace"))

    def flag(self, key: str, local: bool | None = None) -> bool:
        """One switch (`app-names`, ...); `local` is the element's own `apply-namespace`, if any."""
        ctx_value = {
            "app-names": self.ctx.apply_namespace_app_names,
            "service-names": self.ctx.apply_namespace_service_names,
            "app-routes": self.ctx.apply_namespace_app_routes,
            "as-suffix": self.ctx.apply_namespace_as_suffix,
        }[key]
        if self.ctx.apply_namespace_explicit or key in self.ctx.apply_namespace_given:
            return ctx_value
        if local is not None:
            return local
        return self.descriptor.get(key, ctx_value)

    @property
    def rules(self) -> system.NamespaceRules:
        return system.NamespaceRules(
            namespace=self.ctx.namespace,
            app_names=self.flag("app-names"),
            service_names=self.flag("service-names"),
            app_routes=self.flag("app-routes"),
            as_suffix=self.flag("as-suffix"),
        )


def local_apply(d: Descriptor, params: Params, where: str) -> bool | None:
    """A module's or resource's own `apply-namespace: <bool>`, or None."""
    raw = params.get("apply-namespace")
    if raw is None:
        return None
    if not isinstance(raw, bool):
        raise d.error("must be true or false", child_path(child_path(where, "parameters"), "apply-namespace"))
    return raw


def _descriptor_settings(d: Descriptor, raw: Any, path: str) -> dict[str, bool]:
    if raw is None:
        return {}
    if isinstance(raw, bool):
        return {"app-names": raw, "service-names": raw, "app-routes": raw}
    if isinstance(raw, dict):
        result = {}
        for key in _KEYS:
            if key in raw:
                if not isinstance(raw[key], bool):
                    raise d.error("must be true or false", child_path(path, key))
                result[key] = raw[key]
        return result
    raise d.error("must be true, false or a map of app-names/service-names/app-routes/as-suffix", path)
