"""Extension descriptors: order them into a chain and merge them into the deployment descriptor.

Chain: start at the descriptor's ID and repeatedly take the extension whose `extends` names the current ID
(the order on the command line does not matter); an extension outside the chain or two extensions with one
parent are errors, but for the secure parameters' extension (`__mta.secure`), merged last. Merge, per
parameters/properties map: maps merge recursively, scalars and lists replace, null clears (an error unless
the key's metadata says `optional: true`). Schema 2 extensions may only fill values that are empty in the
descriptor; schema 3 may overwrite anything not marked `overwritable: false`.
"""

from __future__ import annotations

import copy
from typing import Any

from .descriptor import Descriptor, ExtensionDescriptor, Module, Params, Provides, Requires, Resource
from .yamlload import child_path

# The extension `--require-secure-parameters` makes of `__MTA___*` variables: it extends the descriptor's ID
# next to the user's own chain and is merged last, as the deploy service does.
SECURE_EXTENSION_ID = "__mta.secure"


def order_chain(descriptor: Descriptor, extensions: list[ExtensionDescriptor]) -> list[ExtensionDescriptor]:
    secure = [e for e in extensions if e.id == SECURE_EXTENSION_ID and e.extends == descriptor.id][-1:]
    by_parent: dict[str, ExtensionDescriptor] = {}
    for ext in extensions:
        if any(ext is s for s in secure):
            continue
        if ext.extends in by_parent:
            other = by_parent[ext.extends]
            raise ext.error(
                f'"{ext.id}" and "{other.id}" ({other.file_name}) both extend "{ext.extends}"; extension '
                "descriptors must form a single chain",
                "extends",
            )
        by_parent[ext.extends] = ext
    chain = []
    current = descriptor.id
    while current in by_parent:
        ext = by_parent.pop(current)
        chain.append(ext)
        current = ext.id
    if by_parent:
        ext = next(iter(by_parent.values()))
        known = ", ".join(f'"{i}"' for i in [descriptor.id, *(e.id for e in chain)])
        raise ext.error(f'extends unknown descriptor "{ext.extends}" (the chain has {known})', "extends")
    return chain + secure


def merge_extensions(descriptor: Descriptor, extensions: list[ExtensionDescriptor]) -> Descriptor:
    """A new descriptor with every extension of the chain merged in; the input is left unchanged."""
    merged = copy.deepcopy(descriptor)
    for ext in order_chain(descriptor, extensions):
        _Merger(merged, ext).merge()
    return merged


class _Merger:
    def __init__(self, target: Descriptor, ext: ExtensionDescriptor) -> None:
        self.target = target
        self.ext = ext
        self.v2 = target.major < 3

    def merge(self) -> None:
        ext = self.ext
        self.target.parameters = self.merge_map(
            self.target.parameters, ext.parameters, self.target.parameters_metadata, "", "parameters", "parameter"
        )
        for ext_module in ext.modules:
            module = self.target.module(ext_module.name)
            if module is None:
                raise ext.error(
                    f'unknown module "{ext_module.name}": the deployment descriptor has no such module',
                    child_path(ext_module.where, "name"),
                )
            self.merge_module(module, ext_module)
        for ext_resource in ext.resources:
            resource = self.target.resource(ext_resource.name)
            if resource is None:
                raise ext.error(
                    f'unknown resource "{ext_resource.name}": the deployment descriptor has no such resource',
                    child_path(ext_resource.where, "name"),
                )
            self.merge_resource(resource, ext_resource)

    def merge_module(self, module: Module, ext: Module) -> None:
        self.merge_element(module, ext, module.name)
        self.merge_dependencies(module.requires, ext.requires, module.name, "required dependency")
        self.merge_dependencies(module.provides, ext.provides, module.name, "provided dependency")
        for ext_hook in ext.hooks:  # only parameters: phases, type and requires stay, no hook is added
            hook = next((h for h in module.hooks if h.name == ext_hook.name), None)
            if hook is None:
                raise self.ext.error(
                    f'unknown hook "{ext_hook.name}" of "{module.name}": the deployment descriptor does not declare it',
                    child_path(ext_hook.where, "name"),
                )
            hook.parameters = self.merge_map(hook.parameters, ext_hook.parameters, {}, ext_hook.where, "parameters",
                                             "parameter", f"{module.name}#{hook.name}")

    def merge_resource(self, resource: Resource, ext: Resource) -> None:
        self.merge_element(resource, ext, resource.name)
        if ext.active is not None:
            resource.active = ext.active
        if ext.optional is not None:
            resource.optional = ext.optional
        self.merge_dependencies(resource.requires, ext.requires, resource.name, "required dependency")

    def merge_dependencies(
        self,
        targets: list[Requires] | list[Provides],
        exts: list[Requires] | list[Provides],
        owner: str,
        what: str,
    ) -> None:
        for ext in exts:
            target = next((t for t in targets if t.name == ext.name), None)
            if target is None:
                raise self.ext.error(
                    f'unknown {what} "{ext.name}" of "{owner}": the deployment descriptor does not declare it',
                    child_path(ext.where, "name"),
                )
            self.merge_element(target, ext, f"{owner}#{ext.name}")

    def merge_element(self, target: Any, ext: Any, prefix: str) -> None:
        target.parameters = self.merge_map(
            target.parameters, ext.parameters, target.parameters_metadata, ext.where, "parameters", "parameter", prefix
        )
        target.properties = self.merge_map(
            target.properties, ext.properties, target.properties_metadata, ext.where, "properties", "property", prefix
        )

    def merge_map(
        self,
        base: Params,
        ext: Params,
        metadata: Params,
        where: str,
        key: str,
        noun: str,
        prefix: str = "",
    ) -> Params:
        if not ext:
            return base
        result = dict(base)
        for name, value in ext.items():
            path = child_path(child_path(where, key), name)
            qualified = f"{prefix}#{name}" if prefix else name
            meta = metadata.get(name) or {}
            if meta.get("overwritable") is False:
                raise self.ext.error(f'the {noun} "{qualified}" is not overwritable', path)
            if value is None:
                if not meta.get("optional", False):
                    raise self.ext.error(f'The {noun} "{qualified}" is not optional and has no value.', path)
                result.pop(name, None)
                continue
            current = base.get(name)
            if self.v2 and current not in (None, "", [], {}) and current != value and not _both_maps(current, value):
                raise self.ext.error(
                    f'the {noun} "{qualified}" already has a value in the deployment descriptor; schema 2 '
                    "extension descriptors may only fill empty values",
                    path,
                )
            result[name] = self.merge_value(current, value, path, qualified, noun)
        return result

    def merge_value(self, current: Any, value: Any, path: str, qualified: str, noun: str) -> Any:
        if isinstance(current, dict) and isinstance(value, dict):
            merged = dict(current)
            for k, v in value.items():
                sub = child_path(path, k)
                if v is None:
                    merged.pop(k, None)
                else:
                    merged[k] = self.merge_value(current.get(k), v, sub, f"{qualified}#{k}", noun)
            return merged
        if isinstance(value, dict) and current is not None and not isinstance(current, dict):
            raise self.ext.error(f'the {noun} "{qualified}" is not a map in the deployment descriptor', path)
        if isinstance(current, dict) and not isinstance(value, dict):
            raise self.ext.error(f'the {noun} "{qualified}" is a map in the deployment descriptor', path)
        return copy.deepcopy(value)


def _both_maps(a: Any, b: Any) -> bool:
    return isinstance(a, dict) and isinstance(b, dict)
