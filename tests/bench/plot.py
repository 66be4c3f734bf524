"""`docs/bench/switch.svg`: one resume under load, drawn with matplotlib.

Answers per 100 ms through the productive routes, stacked by the colour that served them (blue, green),
failed answers in red, and a vertical mark for each switch step (from the CC request log and the
operation's progress events)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

BIN_S = 0.1
COLOURS = {"blue": "#1f77b4", "green": "#2ca02c", "failed": "#d62728"}


def draw(out: Path, samples: list[Any], marks: list[tuple[float, str]], t0: float, title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    end = max([s.t for s in samples] + [t for t, _ in marks] + [t0 + 1])
    bins = int((end - t0) / BIN_S) + 1
    counts = {k: [0] * bins for k in COLOURS}
    for s in samples:
        i = int((s.t - t0) / BIN_S)
        if not 0 <= i < bins:
            continue
        kind = "failed" if s.status != 200 else ("green" if s.body.endswith("-green") else "blue")
        counts[kind][i] += 1
    xs = [i * BIN_S for i in range(bins)]
    fig, ax = plt.subplots(figsize=(11, 4.2))
    ax.stackplot(xs, counts["blue"], counts["green"], counts["failed"], step="post",
                 colors=[COLOURS["blue"], COLOURS["green"], COLOURS["failed"]],
                 labels=["served by blue", "served by green", "failed"])
    top = max(1, max(b + g + f for b, g, f in zip(*counts.values(), strict=True)))
    for i, (t, label) in enumerate(sorted(marks)):
        x = t - t0
        ax.axvline(x, color="black", linewidth=0.8, linestyle="--")
        ax.text(x, top * (1.02 + 0.09 * (i % 3)), label, rotation=0, fontsize=8, ha="center")
    ax.set_ylim(0, top * 1.32)
    ax.set_xlim(0, xs[-1])
    ax.set_xlabel("seconds since the resume started")
    ax.set_ylabel("answers per 100 ms")
    ax.set_title(title, fontsize=10)
    ax.legend(loc="lower left", fontsize=8)
    fig.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, format="svg", metadata={"Date": None})
    plt.close(fig)
