"""Matplotlib figures that read without the code: titles, axes with units, legends, the cell named."""

from __future__ import annotations

from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.ticker import MaxNLocator

REGIME_COLOURS = {"strategic": "#1b7837", "tactical": "#f1a340", "frozen": "#762a83"}
SIDE_COLOURS = ("#2166ac", "#b2182b")


def _years(months: list[str]) -> np.ndarray:
    return np.array([int(m[:4]) + (int(m[5:7]) - 1) / 12 for m in months])


def _frame(ax: Any, title: str, ylabel: str) -> None:
    ax.set_title(title, fontsize=9)
    ax.set_xlabel("year")
    ax.set_ylabel(ylabel)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True, nbins=6))


def regime_axes(ax: Any, result: Any, title: str, legend: bool = True) -> None:
    """Stacked P(regime) over time for one result."""
    ag = result.aggregates
    x = _years(ag.months)
    ax.stackplot(
        x,
        ag.regime_prob,
        labels=[f"{r}" for r in REGIME_COLOURS],
        colors=list(REGIME_COLOURS.values()),
        alpha=0.85,
    )
    ax.set_ylim(0, 1)
    ax.set_xlim(x[0], x[-1])
    _frame(ax, title, "share of runs")
    if legend:
        ax.legend(loc="lower left", fontsize=7, title="regime", title_fontsize=7)


def trust_axes(ax: Any, result: Any, title: str, legend: bool = True) -> None:
    """Fan chart of each side's trust (5–95% and 25–75% bands, median) over time."""
    ag, sides = result.aggregates, result.structure.sides
    x = _years(ag.months)
    for i, side in enumerate(sides):
        q = ag.trust_quantiles[i]
        name = result.scenario.sides[side].name
        ax.fill_between(x, q[0], q[4], color=SIDE_COLOURS[i], alpha=0.15, lw=0)
        ax.fill_between(x, q[1], q[3], color=SIDE_COLOURS[i], alpha=0.3, lw=0)
        ax.plot(x, q[2], color=SIDE_COLOURS[i], lw=1.5, label=f"{name}'s trust in the other (median)")
    ax.set_ylim(0, 1)
    ax.set_xlim(x[0], x[-1])
    _frame(ax, title, "trust, Pr(other is benign)")
    if legend:
        ax.legend(loc="lower left", fontsize=7, title="bands: 25–75% and 5–95% of runs", title_fontsize=7)


def result_figure(result: Any, title: str | None = None) -> Any:
    """Two panels for one simulated cell: regime shares and trust fans."""
    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    fig.subplots_adjust(left=0.07, right=0.98, bottom=0.13, top=0.85, wspace=0.22)
    prov = result.provenance
    cell = " + ".join(prov.conditions) or "status quo"
    name = (
        title or f"{result.scenario.name} — world: {prov.world or 'base'}, cell: {cell} ({prov.runs:,} runs)"
    )
    fig.suptitle(name, fontsize=11)
    regime_axes(axes[0], result, "Regime of the relationship by month")
    trust_axes(axes[1], result, "Trust each way by month")
    return fig


def grid_figure(exp: Any, world: str | None, kind: str) -> Any:
    """One panel per cell of a world: ``kind`` is 'regimes' or 'trust'."""
    cells = [c for c in exp.cells if c.world == world]
    cols = 4 if len(cells) > 4 else len(cells)
    rows = int(np.ceil(len(cells) / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(4.2 * cols, 3.4 * rows), squeeze=False)
    fig.subplots_adjust(left=0.05, right=0.99, bottom=0.08, top=0.9, wspace=0.28, hspace=0.42)
    wname = exp.scenario.worlds[world].label if world in exp.scenario.worlds else (world or "base")
    what = "Regime shares" if kind == "regimes" else "Trust fan charts"
    fig.suptitle(f"{exp.scenario.name} — {what}, world: {wname} ({exp.runs:,} runs per cell)", fontsize=12)
    for i, cell in enumerate(cells):
        ax = axes[i // cols][i % cols]
        title = f"cell: {cell.label}" if len(cell.label) < 40 else "cell:\n" + cell.label
        if kind == "regimes":
            regime_axes(ax, cell.result, title, legend=i == 0)
        else:
            trust_axes(ax, cell.result, title, legend=i == 0)
    for j in range(len(cells), rows * cols):
        axes[j // cols][j % cols].axis("off")
    return fig


def save(fig: Any, path: Any, fmt: str = "png") -> None:
    """Write a figure (PNG unless ``fmt`` says otherwise) and close it."""
    try:
        fig.savefig(path, dpi=100, format=fmt)
    finally:
        plt.close(fig)
