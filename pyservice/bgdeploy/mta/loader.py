"""Loading descriptors: YAML text -> validated `Descriptor` / `ExtensionDescriptor`.

`yamlload.py` parses with limits and records a line per element; `schema.py` checks the structure and builds
the dataclasses of `descriptor.py`. This module only joins the two, so that neither needs the other.
"""

from __future__ import annotations

from .descriptor import Descriptor, ExtensionDescriptor
from .schema import build_descriptor, build_extension
from .yamlload import load_yaml


def load_descriptor(text: str, file_name: str) -> Descriptor:
    """Parse and validate a deployment descriptor (mtad.yaml)."""
    data, lines = load_yaml(text, file_name)
    return build_descriptor(data, lines, file_name)


def load_extension(text: str, file_name: str) -> ExtensionDescriptor:
    """Parse and validate an extension descriptor (.mtaext)."""
    data, lines = load_yaml(text, file_name)
    return build_extension(data, lines, file_name)
