"""`~{...}` cross references: read a property of a provided dependency.

- Inside a `requires` entry, `~{prop}` reads `prop` of the provider that entry names.
- Anywhere the element may reference (module parameters/properties, and in schema 3 also `provides` and
  resource parameters/properties), `~{dep/prop}` reads `prop` of provider `dep`, which the element must list
  in its `requires` ("illegal reference" otherwise).
- A provider is a module's `provides` entry (or the implicit one named after the module, whose properties
  are the module's properties) or a resource's `properties`.
- Provider values may hold references themselves (schema 3); they resolve in the provider's own context.
- A value that is exactly one reference takes the referenced value as is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from .limits import MAX_PLACEHOLDER_DEPTH
from .placeholders import to_text

REFERENCE = re.compile(r"(?<!\\)~\{([^~{}]+)\}")
_WHOLE = re.compile(r"^~\{([^~{}]+)\}$")
_MISSING = object()


class UnresolvedReference(Exception):
    def __init__(self, reference: str, reason: str) -> None:
        self.reference = reference
        self.reason = reason
        super().__init__(f'cannot resolve "~{{{reference}}}": {reason}')


@dataclass
class Provider:
    name: str
    properties: dict[str, Any]
    allowed: frozenset[str] = field(default_factory=frozenset)  # deps its own values may reference
    unsupported: str = ""  # non-empty: referencing this provider is not supported (reason)


@dataclass
class ReferenceContext:
    """Where a value sits: which deps it may name, and which one a bare `~{prop}` means."""

    allowed: frozenset[str]
    default: str | None = None
    lenient: bool = False  # unresolvable -> None instead of an error (`list` requires, optional resources)


class ReferenceResolver:
    def __init__(self, providers: dict[str, Provider]) -> None:
        self.providers = providers
        self._resolved: dict[str, dict[str, Any]] = {}
        self._active: set[str] = set()

    def resolve(self, value: Any, ctx: ReferenceContext, depth: int = 0) -> Any:
        if isinstance(value, str):
            return self._text(value, ctx, depth)
        if isinstance(value, dict):
            return {k: self.resolve(v, ctx, depth) for k, v in value.items()}
        if isinstance(value, list):
            return [self.resolve(v, ctx, depth) for v in value]
        return value

    def _text(self, text: str, ctx: ReferenceContext, depth: int) -> Any:
        if "~{" not in text:
            return text
        whole = _WHOLE.match(text)
        if whole:
            return self._lookup(whole.group(1), ctx, depth)
        return REFERENCE.sub(lambda m: to_text(self._lookup(m.group(1), ctx, depth)), text)

    def _lookup(self, reference: str, ctx: ReferenceContext, depth: int) -> Any:
        try:
            return self._lookup_strict(reference.strip(), ctx, depth)
        except UnresolvedReference:
            if ctx.lenient:
                return None
            raise

    def _lookup_strict(self, reference: str, ctx: ReferenceContext, depth: int) -> Any:
        dep, path = self._split(reference, ctx)
        if dep not in ctx.allowed:
            raise UnresolvedReference(
                reference, f'"{dep}" is not listed in "requires" here, so it cannot be referenced'
            )
        provider = self.providers.get(dep)
        if provider is None:
            raise UnresolvedReference(reference, f'no module "provides" entry or resource is named "{dep}"')
        if provider.unsupported:
            raise UnresolvedReference(reference, provider.unsupported)
        props = self.provider_properties(provider, depth)
        value: Any = props
        for segment in path:
            if isinstance(value, dict) and segment in value:
                value = value[segment]
            elif isinstance(value, list) and segment.isdigit() and int(segment) < len(value):
                value = value[int(segment)]
            else:
                raise UnresolvedReference(reference, f'"{dep}" has no property "{"/".join(path)}"')
        return value

    def _split(self, reference: str, ctx: ReferenceContext) -> tuple[str, list[str]]:
        if "/" in reference:
            head, *rest = reference.split("/")
            if head in ctx.allowed or head in self.providers or ctx.default is None:
                return head, rest
        if ctx.default is None:
            raise UnresolvedReference(reference, 'a reference here must name its dependency, as "~{dep/prop}"')
        return ctx.default, reference.split("/")

    def provider_properties(self, provider: Provider, depth: int = 0) -> dict[str, Any]:
        done = self._resolved.get(provider.name)
        if done is not None:
            return done
        if provider.name in self._active or depth > MAX_PLACEHOLDER_DEPTH:
            raise UnresolvedReference(provider.name, "references form a cycle")
        self._active.add(provider.name)
        try:
            ctx = ReferenceContext(allowed=provider.allowed)
            resolved = self.resolve(provider.properties, ctx, depth + 1)
        finally:
            self._active.discard(provider.name)
        self._resolved[provider.name] = resolved
        return resolved
