"""Version rules (`--version-rule`): may this MTA version replace the deployed one?

Versions compare leniently as the deploy service does (semver "coerce"): `1.2` is `1.2.0`, a leading `v` and
build metadata are ignored, and a pre-release sorts before its release.
"""

from __future__ import annotations

import re

from bgdeploy.errors import ContentError

RULES = ("SAME_HIGHER", "HIGHER", "ALL")
_VERSION = re.compile(r"^\s*[vV]?(\d+)(?:\.(\d+))?(?:\.(\d+))?(?:[.-]?([0-9A-Za-z.-]*?))?(?:\+[0-9A-Za-z.-]*)?\s*$")


def parse_version(text: str) -> tuple[tuple[int, int, int], tuple[tuple[int, int | str], ...] | None]:
    match = _VERSION.match(str(text))
    if not match:
        raise ContentError(f'"{text}" is not a valid MTA version (expected e.g. 1.2.3)')
    core = (int(match.group(1)), int(match.group(2) or 0), int(match.group(3) or 0))
    pre = match.group(4)
    if not pre:
        return core, None
    parts = tuple((0, int(p)) if p.isdigit() else (1, p) for p in pre.split(".") if p)
    return core, parts


def compare_versions(a: str, b: str) -> int:
    (core_a, pre_a), (core_b, pre_b) = parse_version(a), parse_version(b)
    if core_a != core_b:
        return -1 if core_a < core_b else 1
    if pre_a == pre_b:
        return 0
    if pre_a is None:
        return 1
    if pre_b is None:
        return -1
    return -1 if pre_a < pre_b else 1


def check_version_rule(rule: str, deployed: str | None, new: str) -> None:
    """Raise ContentError when `rule` forbids deploying `new` over `deployed` (None: nothing deployed)."""
    rule = rule.upper()
    if rule not in RULES:
        raise ContentError(f'unknown version rule "{rule}" (use one of {", ".join(RULES)})')
    parse_version(new)
    if deployed is None or rule == "ALL":
        return
    try:
        order = compare_versions(new, deployed)
    except ContentError:
        return  # a deployed version we cannot read counts as an upgrade, as in the deploy service
    if order < 0:
        raise ContentError(
            f'A higher version of the MTA is already deployed ("{deployed}" > "{new}"). Use the version rule '
            '"ALL" (--version-rule ALL) to deploy a lower version.'
        )
    if order == 0 and rule == "HIGHER":
        raise ContentError(
            f'The same version of the MTA ("{new}") is already deployed. Use the version rule "SAME_HIGHER" '
            '(--version-rule SAME_HIGHER) or "ALL" to deploy it again.'
        )
