"""Schema validation of descriptors and extension descriptors (schema versions 2.x and 3.x).

Each check names the offending element by its descriptor path (`modules[1].requires[0].name`) and line.
Unknown keys are ignored, as the deploy service does (fixtures carry e.g. `target-platforms`); keys that
only exist in schema 3 are rejected in a schema 2 descriptor so they do not silently do nothing.
"""

from __future__ import annotations

import re
from typing import Any

from bgdeploy.errors import ContentError

from .descriptor import Descriptor, ExtensionDescriptor, Hook, Module, Params, Provides, Requires, Resource
from .yamlload import Lines, child_path, line_for

_NAME = re.compile(r"^[A-Za-z0-9_\-.]+$")
_SCHEMA_VERSION = re.compile(r"^(\d+)(?:\.(\d+))?(?:\.(\d+))?$")
_V3_ONLY = ("deployed-after", "processed-after", "active", "optional", "hooks", "requires@resource")


class _Checker:
    def __init__(self, data: Any, lines: Lines, file_name: str) -> None:
        self.lines = lines
        self.file_name = file_name
        self.major = 3
        self.root = data

    def fail(self, message: str, path: str) -> ContentError:
        return ContentError(message, file=self.file_name, line=line_for(self.lines, path), path=path)

    # -- primitive checks -------------------------------------------------------------------------------------
    def mapping(self, value: Any, path: str, *, required: bool = False) -> Params:
        if value is None:
            if required:
                raise self.fail("is required", path)
            return {}
        if not isinstance(value, dict):
            raise self.fail(f"must be a map, not {_kind(value)}", path)
        return value

    def sequence(self, value: Any, path: str) -> list[Any]:
        if value is None:
            return []
        if not isinstance(value, list):
            raise self.fail(f"must be a list, not {_kind(value)}", path)
        return value

    def text(self, value: Any, path: str, *, required: bool = False) -> str | None:
        if value is None:
            if required:
                raise self.fail("is required", path)
            return None
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise self.fail(f"must be a string, not {_kind(value)}", path)
        return str(value)

    def name(self, value: Any, path: str) -> str:
        text = self.text(value, path, required=True)
        assert text is not None
        if not _NAME.match(text) or len(text) > 128:
            raise self.fail(
                f'"{text}" is not a valid name (letters, digits, "_", "-", "." and at most 128 characters)', path
            )
        return text

    def flag(self, value: Any, path: str) -> bool | None:
        if value is None:
            return None
        if not isinstance(value, bool):
            raise self.fail(f"must be true or false, not {_kind(value)}", path)
        return value

    def names(self, value: Any, path: str) -> list[str] | None:
        if value is None:
            return None
        items = self.sequence(value, path)
        return [self.name(item, child_path(path, i)) for i, item in enumerate(items)]

    def v3_only(self, raw: Params, key: str, path: str) -> None:
        if key in raw and self.major < 3:
            raise self.fail(f'"{key}" requires schema version 3 or higher', child_path(path, key))

    def metadata(self, raw: Params, key: str, path: str) -> Params:
        if key not in raw:
            return {}
        self.v3_only(raw, key, path)
        meta = self.mapping(raw[key], child_path(path, key))
        for name, entry in meta.items():
            entry_path = child_path(child_path(path, key), name)
            entry = self.mapping(entry, entry_path)
            for attr in ("overwritable", "optional", "sensitive"):
                if attr in entry:
                    self.flag(entry[attr], child_path(entry_path, attr))
        return meta

    def unique(self, names: list[str], path: str, what: str) -> None:
        seen: set[str] = set()
        for i, name in enumerate(names):
            if name in seen:
                raise self.fail(f'{what} "{name}" is defined more than once', child_path(child_path(path, i), "name"))
            seen.add(name)

    # -- structure --------------------------------------------------------------------------------------------
    def header(self, raw: Params) -> str:
        raw_version = raw.get("_schema-version")
        if raw_version is None:
            raise self.fail("is required", "_schema-version")
        text = str(raw_version).strip()
        match = _SCHEMA_VERSION.match(text)
        if not match or match.group(1) not in ("2", "3"):
            raise self.fail(f'unsupported schema version "{text}" (supported: 2.x and 3.x)', "_schema-version")
        self.major = int(match.group(1))
        return text

    def common(self, raw: Params, path: str, *, in_extension: bool) -> dict[str, Any]:
        return {
            "parameters": dict(self.mapping(raw.get("parameters"), child_path(path, "parameters"))),
            "properties": dict(self.mapping(raw.get("properties"), child_path(path, "properties"))),
            "parameters_metadata": self.metadata(raw, "parameters-metadata", path),
            "properties_metadata": self.metadata(raw, "properties-metadata", path),
        }

    def requires(self, raw_list: Any, path: str, *, in_extension: bool) -> list[Requires]:
        result = []
        for i, item in enumerate(self.sequence(raw_list, path)):
            p = child_path(path, i)
            raw = self.mapping(item, p, required=True)
            dep = Requires(
                name=self.name(raw.get("name"), child_path(p, "name")),
                where=p,
                group=self.text(raw.get("group"), child_path(p, "group")),
                list=self.text(raw.get("list"), child_path(p, "list")),
                **self.common(raw, p, in_extension=in_extension),
            )
            result.append(dep)
        self.unique([d.name for d in result], path, "required dependency")
        return result

    def provides(self, raw_list: Any, path: str, *, in_extension: bool) -> list[Provides]:
        result = []
        for i, item in enumerate(self.sequence(raw_list, path)):
            p = child_path(path, i)
            raw = self.mapping(item, p, required=True)
            result.append(
                Provides(
                    name=self.name(raw.get("name"), child_path(p, "name")),
                    where=p,
                    public=self.flag(raw.get("public"), child_path(p, "public")),
                    **self.common(raw, p, in_extension=in_extension),
                )
            )
        self.unique([d.name for d in result], path, "provided dependency")
        return result

    def module(self, item: Any, path: str, *, in_extension: bool) -> Module:
        raw = self.mapping(item, path, required=True)
        for key in ("deployed-after", "hooks"):
            self.v3_only(raw, key, path)
        name = self.name(raw.get("name"), child_path(path, "name"))
        module_type = "" if in_extension else self.text(raw.get("type"), child_path(path, "type"), required=True)
        hooks = self.hooks(raw.get("hooks"), child_path(path, "hooks"), in_extension=in_extension)
        return Module(
            name=name,
            type=module_type or "",
            where=path,
            path=self.text(raw.get("path"), child_path(path, "path")),
            description=self.text(raw.get("description"), child_path(path, "description")),
            requires=self.requires(raw.get("requires"), child_path(path, "requires"), in_extension=in_extension),
            provides=self.provides(raw.get("provides"), child_path(path, "provides"), in_extension=in_extension),
            deployed_after=self.names(raw.get("deployed-after"), child_path(path, "deployed-after")),
            hooks=hooks,
            **self.common(raw, path, in_extension=in_extension),
        )

    def hooks(self, raw_list: Any, path: str, *, in_extension: bool) -> list[Hook]:
        """Extensions name a hook to change its parameters; its type, phases and requires stay."""
        result = []
        for i, item in enumerate(self.sequence(raw_list, path)):
            p = child_path(path, i)
            raw = self.mapping(item, p, required=True)
            phases = [] if in_extension else self.sequence(raw.get("phases"), child_path(p, "phases"))
            if not in_extension and not phases:
                raise self.fail("must name at least one phase", child_path(p, "phases"))
            result.append(Hook(
                name=self.name(raw.get("name"), child_path(p, "name")),
                where=p,
                type="" if in_extension else self.text(raw.get("type"), child_path(p, "type"), required=True) or "",
                phases=[self.text(ph, child_path(child_path(p, "phases"), j), required=True) or ""
                        for j, ph in enumerate(phases)],
                parameters=dict(self.mapping(raw.get("parameters"), child_path(p, "parameters"))),
                requires=[] if in_extension else self.requires(raw.get("requires"), child_path(p, "requires"),
                                                               in_extension=False),
            ))
        self.unique([h.name for h in result], path, "hook")
        return result

    def resource(self, item: Any, path: str, *, in_extension: bool) -> Resource:
        raw = self.mapping(item, path, required=True)
        for key in ("processed-after", "active", "optional", "requires"):
            self.v3_only(raw, key, path)
        return Resource(
            name=self.name(raw.get("name"), child_path(path, "name")),
            where=path,
            type=None if in_extension else self.text(raw.get("type"), child_path(path, "type")),
            description=self.text(raw.get("description"), child_path(path, "description")),
            active=self.flag(raw.get("active"), child_path(path, "active")),
            optional=self.flag(raw.get("optional"), child_path(path, "optional")),
            requires=self.requires(raw.get("requires"), child_path(path, "requires"), in_extension=in_extension),
            processed_after=self.names(raw.get("processed-after"), child_path(path, "processed-after")),
            **self.common(raw, path, in_extension=in_extension),
        )

    def elements(self, raw: Params, *, in_extension: bool) -> tuple[list[Module], list[Resource]]:
        modules = [
            self.module(item, child_path("modules", i), in_extension=in_extension)
            for i, item in enumerate(self.sequence(raw.get("modules"), "modules"))
        ]
        resources = [
            self.resource(item, child_path("resources", i), in_extension=in_extension)
            for i, item in enumerate(self.sequence(raw.get("resources"), "resources"))
        ]
        self.unique([m.name for m in modules], "modules", "module")
        self.unique([r.name for r in resources], "resources", "resource")
        return modules, resources


def _kind(value: Any) -> str:
    if value is None:
        return "empty"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a map"
    return type(value).__name__


def build_descriptor(data: Any, lines: Lines, file_name: str) -> Descriptor:
    check = _Checker(data, lines, file_name)
    if data is None:
        raise ContentError("the deployment descriptor is empty", file=file_name)
    raw = check.mapping(data, "")
    schema_version = check.header(raw)
    mta_id = check.name(raw.get("ID"), "ID")
    version = check.text(raw.get("version"), "version", required=True)
    assert version is not None
    modules, resources = check.elements(raw, in_extension=False)
    return Descriptor(
        schema_version=schema_version,
        id=mta_id,
        version=version,
        file_name=file_name,
        parameters=dict(check.mapping(raw.get("parameters"), "parameters")),
        parameters_metadata=check.metadata(raw, "parameters-metadata", ""),
        modules=modules,
        resources=resources,
        lines=lines,
    )


def build_extension(data: Any, lines: Lines, file_name: str) -> ExtensionDescriptor:
    check = _Checker(data, lines, file_name)
    if data is None:
        raise ContentError("the extension descriptor is empty", file=file_name)
    raw = check.mapping(data, "")
    schema_version = check.header(raw)
    ext_id = check.name(raw.get("ID"), "ID")
    extends = check.name(raw.get("extends"), "extends")
    modules, resources = check.elements(raw, in_extension=True)
    return ExtensionDescriptor(
        schema_version=schema_version,
        id=ext_id,
        extends=extends,
        file_name=file_name,
        version=check.text(raw.get("version"), "version"),
        parameters=dict(check.mapping(raw.get("parameters"), "parameters")),
        parameters_metadata=check.metadata(raw, "parameters-metadata", ""),
        modules=modules,
        resources=resources,
        lines=lines,
    )
