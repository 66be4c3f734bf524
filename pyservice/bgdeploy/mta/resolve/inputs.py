"""What resolve() is given besides the descriptor: the archive's extra files, and the user's selection (-m/-r)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from bgdeploy.errors import ContentError

from ..descriptor import Descriptor
from ..model import ContentRef


class ArchiveFiles(Protocol):
    """What resolve() reads from an archive besides the descriptor (MTA-Resource / MTA-Requires JSON)."""

    def module_content(self, module: str) -> ContentRef | None: ...
    def resource_config(self, resource: str) -> dict | None: ...
    def requires_config(self, module: str, requirement: str) -> dict | None: ...


@dataclass(frozen=True)
class Selection:
    """The modules and resources to deploy: all of them unless the user named some."""

    modules: frozenset[str]
    resources: frozenset[str]


def select(d: Descriptor, modules: list[str] | None, resources: list[str] | None) -> Selection:
    return Selection(
        modules=_selected(d, modules, [m.name for m in d.modules], "module"),
        resources=_selected(d, resources, [r.name for r in d.resources], "resource"),
    )


def _selected(d: Descriptor, wanted: list[str] | None, names: list[str], what: str) -> frozenset[str]:
    if wanted is None:
        return frozenset(names)
    unknown = [w for w in wanted if w not in names]
    if unknown:
        raise ContentError(
            f'{what} "{unknown[0]}" was selected but the descriptor has no such {what}', file=d.file_name
        )
    return frozenset(wanted)
