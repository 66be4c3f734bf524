"""Names the deploy service derives: hosts, namespaced app/service names, shortened names.

Shortening matches the deploy service so routes and names agree between the two tools: a name longer than
the limit keeps its first `limit - len(hash)` characters followed by the hex of the absolute value of
Java's `String.hashCode()` of the full name.
"""

from __future__ import annotations

import re

HOST_MAX_LENGTH = 63
APP_NAME_MAX_LENGTH = 1024
SERVICE_NAME_MAX_LENGTH = 50
NAMESPACE_SEPARATOR = "-"
BG_SUFFIXES = ("-idle", "-blue", "-green")

_HOST_ILLEGAL = re.compile(r"[^a-z0-9\-]")


def java_string_hash(text: str) -> int:
    h = 0
    for unit in _utf16_units(text):
        h = (31 * h + unit) & 0xFFFFFFFF
    return h - 0x100000000 if h & 0x80000000 else h


def _utf16_units(text: str) -> list[int]:
    data = text.encode("utf-16-be", "surrogatepass")
    return [int.from_bytes(data[i : i + 2], "big") for i in range(0, len(data), 2)]


def _hash_hex(text: str) -> str:
    h = java_string_hash(text)
    if h == -(2**31):
        h += 1
    return format(abs(h), "x")


def with_proper_length(name: str, max_length: int) -> str:
    if len(name) <= max_length:
        return name
    digest = _hash_hex(name)
    return name[: max_length - len(digest)] + digest


def normalize_host(host: str) -> str:
    """Lower-case, characters outside [a-z0-9-] become "-", no leading/trailing "-", at most 63 chars."""
    corrected = _HOST_ILLEGAL.sub("-", re.sub(r"\s", "-", host).lower()).strip("-")
    return with_proper_length(corrected, HOST_MAX_LENGTH)


def default_host(org: str, space: str, module: str) -> str:
    return normalize_host(f"{org} {space} {module}")


def namespaced(name: str, namespace: str, *, apply: bool, as_suffix: bool, max_length: int) -> str:
    if namespace and apply:
        if as_suffix:
            suffix = NAMESPACE_SEPARATOR + namespace
            for bg in BG_SUFFIXES:
                if name.endswith(bg):
                    return with_proper_length(name[: -len(bg)] + suffix + bg, max_length)
            return with_proper_length(name + suffix, max_length)
        return with_proper_length(namespace + NAMESPACE_SEPARATOR + name, max_length)
    return with_proper_length(name, max_length)


def has_namespace(name: str, namespace: str, *, as_suffix: bool) -> bool:
    if not namespace:
        return True
    if as_suffix:
        base = name
        for bg in BG_SUFFIXES:
            if base.endswith(bg):
                base = base[: -len(bg)]
        return base.endswith(NAMESPACE_SEPARATOR + namespace)
    return name.startswith(namespace + NAMESPACE_SEPARATOR)


def md5_hex(text: str) -> str:
    import hashlib

    return hashlib.md5(text.encode("utf-8"), usedforsecurity=False).hexdigest()
