"""P(durable partnership) by cell and world, with 95% Monte Carlo intervals: the main job's answer in one chart.

The bars are Wilson score intervals of the share of runs, which stay honest at 0 and 1 where the
table's ± se collapses to zero.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from detente.analysis.mcse import Z95
from detente.report.style import PAPER_WIDTH, SERIES_COLOURS, SERIES_MARKERS, paper_style, text


def wilson(p: float, runs: int, z: float = Z95) -> tuple[float, float]:
    """The Wilson score interval of a share ``p`` of ``runs`` runs (Wilson 1927; Agresti & Coull 1998)."""
    z2n = z * z / runs
    centre = (p + z2n / 2) / (1 + z2n)
    half = z * math.sqrt(p * (1 - p) / runs + z2n / (4 * runs)) / (1 + z2n)
    return max(0.0, centre - half), min(1.0, centre + half)


def durable_figure(exp: Any) -> Any:
    """One row per cell, one marker per world (colour and shape), 95% Wilson interval, threshold marked."""
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D

    from detente.analysis.factorial import DURABLE_THRESHOLD

    words = {
        c.label: (exp.cell_label(c.conditions) if hasattr(exp, "cell_label") else c.label) for c in exp.cells
    }
    labels = list(dict.fromkeys(c.label for c in exp.cells))
    worlds = list(exp.worlds)
    row = {label: i for i, label in enumerate(labels)}
    step = 0.7 / max(len(worlds), 1)
    with paper_style():
        fig, ax = plt.subplots(
            figsize=(PAPER_WIDTH, 1.5 + len(labels) * (0.12 + 0.07 * len(worlds))), layout="constrained"
        )
        handles = []
        for w, world in enumerate(worlds):
            cells = [c for c in exp.cells if c.world == world]
            p = np.array([c.result.summary()["p_durable"] for c in cells])
            lo, hi = np.array(
                [wilson(pi, c.result.provenance.runs) for pi, c in zip(p, cells, strict=True)]
            ).T
            y = np.array([row[c.label] for c in cells]) + (w - (len(worlds) - 1) / 2) * step
            colour, marker = SERIES_COLOURS[w % len(SERIES_COLOURS)], SERIES_MARKERS[w % len(SERIES_MARKERS)]
            ax.errorbar(
                p,
                y,
                xerr=np.vstack([np.maximum(p - lo, 0), np.maximum(hi - p, 0)]),
                fmt=marker,
                color=colour,
                ms=4,
                capsize=2,
                elinewidth=0.9,
            )
            name = exp.scenario.worlds[world].label if world in exp.scenario.worlds else (world or "base")
            handles.append(
                Line2D([], [], color=colour, marker=marker, ms=4, lw=0.9, label=text(f"world: {name}", 40))
            )
        ax.axvline(DURABLE_THRESHOLD, color="#333333", lw=0.8, ls=(0, (1, 1.5)))
        handles.append(
            Line2D(
                [],
                [],
                color="#333333",
                lw=0.8,
                ls=(0, (1, 1.5)),
                label=f"verdict threshold P = {DURABLE_THRESHOLD:g}",
            )
        )
        ax.set_yticks(range(len(labels)), [text(words[label], 34) for label in labels])
        ax.set_ylim(len(labels) - 0.5, -0.5)
        ax.set_xlim(-0.04, 1.04)
        ax.grid(axis="x", color="#dddddd", lw=0.5)
        ax.set_axisbelow(True)
        ax.set_xlabel(
            text(
                f"P(durable partnership: {exp.scenario.durable_months} consecutive strategic months), "
                "share of runs; bars: 95% Monte Carlo interval (Wilson)",
                70,
            )
        )
        ax.set_ylabel("cell (conditions applied)")
        fig.suptitle(
            text(f"{exp.scenario.name} — P(durable) by cell and world ({exp.runs:,} runs per cell)", 90)
        )
        fig.legend(handles=handles, loc="outside lower center", ncol=min(len(handles), 4))
    return fig
