"""Blue-green colours: which colour is live, decided from facts, never guessed.

Rules (the deploy service's, section 1.3 of the reference): no deployed app → the new colour is BLUE;
one colour deployed → it is live; both deployed (an earlier run was aborted or died) → the operation
history decides: the latest finished or aborted blue-green run of this MTA tells which colour took
over (it did once it began unmapping the old colour: phase UNDEPLOY). Only when no history exists
(apps deployed by another tool) does the oldest app's colour count as live.
"""

from __future__ import annotations

from dataclasses import dataclass

from bgdeploy.store import OperationRecord

BLUE, GREEN = "BLUE", "GREEN"
SUFFIXES = {BLUE: "-blue", GREEN: "-green"}


def other(color: str) -> str:
    return GREEN if color == BLUE else BLUE


def colored_name(base: str, color: str) -> str:
    return base + SUFFIXES[color]


def color_of(app_name: str) -> str | None:
    for color, suffix in SUFFIXES.items():
        if app_name.endswith(suffix):
            return color
    return None


@dataclass(frozen=True)
class ColorDecision:
    live: str | None  # None: nothing deployed yet
    idle: str
    why: str = ""


def decide(colors: set[str], last_run: OperationRecord | None, oldest_color: str | None) -> ColorDecision:
    if not colors:
        return ColorDecision(None, BLUE)
    if len(colors) == 1:
        live = next(iter(colors))
        return ColorDecision(live, other(live))
    if last_run is not None and last_run.idle_color:
        switched = last_run.state == "FINISHED" or last_run.phase == "UNDEPLOY"
        live = last_run.idle_color if switched else other(last_run.idle_color)
        why = f"operation {last_run.id} {last_run.state.lower()} in phase {last_run.phase or 'IDLE'}"
        return ColorDecision(live, other(live), why)
    live = oldest_color or BLUE
    return ColorDecision(live, other(live), "no operation history; the oldest application's color")
