"""The descriptor model: mtad.yaml and .mtaext as written, as plain dataclasses (no parsing, no validation).

These are the user's documents after schema validation (`schema.py`, called by `loader.py`) and before
any merging (`extensions.py`) or resolution (`resolve/`, which turns them into `model.DeploymentModel`).
Each element remembers its descriptor path (`where`) so later stages can name it in errors;
`Descriptor.line(path)` gives its source line.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bgdeploy.errors import ContentError

from .yamlload import Lines, line_for

Params = dict[str, Any]


@dataclass
class Dependency:
    """What `requires` and `provides` entries share: a name, their place, parameters and properties."""

    name: str
    where: str
    parameters: Params = field(default_factory=dict)
    properties: Params = field(default_factory=dict)
    parameters_metadata: Params = field(default_factory=dict)
    properties_metadata: Params = field(default_factory=dict)


@dataclass
class Requires(Dependency):
    group: str | None = None
    list: str | None = None


@dataclass
class Provides(Dependency):
    public: bool | None = None


@dataclass
class Hook:
    """A v3 module hook: `parameters` (the task: name, command, memory, disk-quota) run at `phases`."""

    name: str
    where: str
    type: str = ""  # "" in extensions, which may only change parameters
    phases: list[str] = field(default_factory=list)
    parameters: Params = field(default_factory=dict)
    requires: list[Requires] = field(default_factory=list)


@dataclass
class Module:
    name: str
    type: str
    where: str
    path: str | None = None  # content path as written (directory deploys; archives use the manifest)
    description: str | None = None
    parameters: Params = field(default_factory=dict)
    properties: Params = field(default_factory=dict)
    parameters_metadata: Params = field(default_factory=dict)
    properties_metadata: Params = field(default_factory=dict)
    requires: list[Requires] = field(default_factory=list)
    provides: list[Provides] = field(default_factory=list)
    deployed_after: list[str] | None = None
    hooks: list[Hook] = field(default_factory=list)


@dataclass
class Resource:
    name: str
    where: str
    type: str | None = None
    description: str | None = None
    parameters: Params = field(default_factory=dict)
    properties: Params = field(default_factory=dict)
    parameters_metadata: Params = field(default_factory=dict)
    properties_metadata: Params = field(default_factory=dict)
    active: bool | None = None
    optional: bool | None = None
    requires: list[Requires] = field(default_factory=list)
    processed_after: list[str] | None = None


class _DescriptorFile:
    """What a descriptor and an extension descriptor share: a schema version and lines to point at."""

    schema_version: str
    file_name: str
    lines: Lines

    @property
    def major(self) -> int:
        return int(self.schema_version.split(".")[0])

    def line(self, path: str) -> int | None:
        return line_for(self.lines, path)

    def error(self, message: str, path: str = "") -> ContentError:
        return ContentError(message, file=self.file_name, line=self.line(path) if path else None, path=path)


@dataclass
class Descriptor(_DescriptorFile):
    schema_version: str
    id: str
    version: str
    file_name: str
    parameters: Params = field(default_factory=dict)
    parameters_metadata: Params = field(default_factory=dict)
    modules: list[Module] = field(default_factory=list)
    resources: list[Resource] = field(default_factory=list)
    lines: Lines = field(default_factory=dict, repr=False)

    def module(self, name: str) -> Module | None:
        return next((m for m in self.modules if m.name == name), None)

    def resource(self, name: str) -> Resource | None:
        return next((r for r in self.resources if r.name == name), None)


@dataclass
class ExtensionDescriptor(_DescriptorFile):
    """An .mtaext: same element shapes as a descriptor, but every element only names what it extends."""

    schema_version: str
    id: str
    extends: str
    file_name: str
    version: str | None = None
    parameters: Params = field(default_factory=dict)
    parameters_metadata: Params = field(default_factory=dict)
    modules: list[Module] = field(default_factory=list)  # `type` is "" in extensions
    resources: list[Resource] = field(default_factory=list)
    lines: Lines = field(default_factory=dict, repr=False)
