"""The names the engine imports from the mta package stay where they are (import cycles and module sizes are
checked for the whole engine by tests/structure)."""

from __future__ import annotations

import inspect

import bgdeploy.mta
from bgdeploy.mta.resolve import resolve as resolve_from_package


def test_the_names_the_engine_imports_are_where_they_were() -> None:
    from bgdeploy.mta import (  # noqa: F401
        Descriptor,
        ExtensionDescriptor,
        MtaArchive,
        check_version_rule,
        load_descriptor,
        load_extension,
        metadata,
        model,
        open_archive,
        resolve,
        versions,
    )
    from bgdeploy.mta.resolve import APP_ATTRIBUTES, UPDATE_ASPECTS, ArchiveFiles, Requires  # noqa: F401

    assert resolve is resolve_from_package and bgdeploy.mta.resolve is resolve
    assert list(inspect.signature(resolve).parameters) == [
        "descriptor",
        "extensions",
        "ctx",
        "phase",
        "selected_modules",
        "selected_resources",
        "archive",
    ]
    assert sorted(bgdeploy.mta.__all__) == bgdeploy.mta.__all__
    assert all(hasattr(bgdeploy.mta, name) for name in bgdeploy.mta.__all__)
