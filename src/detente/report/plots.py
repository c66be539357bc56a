"""Matplotlib figures that read without the code: titles, axes with units, legends, the cell named.

Sized for print (``style.PAPER_WIDTH``) with the detente style; legends sit below the panels, never on the
data; each condition's start is a dashed line named above the panel.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from detente.report.figures_marks import condition_starts, label_lines, mark_starts, title_pad
from detente.report.style import (
    MARK_COLOUR,
    PAPER_WIDTH,
    REGIME_COLOURS,
    REGIME_HATCHES,
    SIDE_COLOURS,
    SIDE_HATCHES,
    SIDE_LINESTYLES,
    paper_style,
    save_one,
    text,
)


def _years(months: list[str]) -> np.ndarray:
    return np.array([int(m[:4]) + (int(m[5:7]) - 1) / 12 for m in months])


def year_ticks(lo: float, hi: float, most: int = 5) -> list[int]:
    """Whole years in ``[lo, hi]`` at a round step (1, 2, 5, 10, ... years), 2 to ``most`` of them, else []."""
    for step in (1, 2, 5, 10, 20, 50, 100):
        ticks = list(range(int(np.ceil(lo / step)) * step, int(np.floor(hi)) + 1, step))
        if len(ticks) <= most:
            return ticks if len(ticks) >= 2 else []
    return []


def _time_axis(ax: Any, x: np.ndarray, ylabel: str | None, margin: float = 0.0, ticks: bool = True) -> None:
    ax.set_ylim(-margin, 1 + margin)
    ax.set_xlim(x[0], x[-1])
    if ticks:  # shared axes share their tickers: set once
        years = year_ticks(float(x[0]), float(x[-1]))
        if years:  # else matplotlib's own ticks (less than two whole years)
            ax.set_xticks(years)
        ax.set_yticks([0, 0.25, 0.5, 0.75, 1], ["0", "0.25", "0.5", "0.75", "1"])
    if ylabel:
        ax.set_ylabel(ylabel)


def regime_axes(
    ax: Any,
    result: Any,
    title: str | None = None,
    ylabel: str | None = "share of runs",
    lines: int = 0,
    ticks: bool = True,
) -> None:
    """Stacked P(regime) over time for one result, with the start of each of its conditions marked."""
    ag = result.aggregates
    x = _years(ag.months)
    polys = ax.stackplot(x, ag.regime_prob, colors=list(REGIME_COLOURS.values()), lw=0)
    for poly, hatch in zip(polys, REGIME_HATCHES.values(), strict=True):
        if hatch:
            poly.set_hatch(hatch)
            poly.set_edgecolor("white")
    _time_axis(ax, x, ylabel, ticks=ticks)
    _marks(ax, result, x)
    if title:
        ax.set_title(title, y=1.0, pad=title_pad(lines))


def trust_axes(
    ax: Any,
    result: Any,
    title: str | None = None,
    ylabel: str | None = "trust",
    lines: int = 0,
    ticks: bool = True,
) -> None:
    """Fan chart of each side's trust: median line, 25–75% band, 5–95% edges (hue, hatch and dash differ)."""
    ag, sides = result.aggregates, result.structure.sides
    x = _years(ag.months)
    for i in range(len(sides)):
        q, colour, ls = ag.trust_quantiles[i], SIDE_COLOURS[i], SIDE_LINESTYLES[i]
        if SIDE_HATCHES[i]:
            ax.fill_between(x, q[1], q[3], facecolor="none", edgecolor=colour, hatch=SIDE_HATCHES[i], lw=0)
        else:
            ax.fill_between(x, q[1], q[3], color=colour, alpha=0.3, lw=0)
        for k in (0, 4):
            ax.plot(x, q[k], color=colour, lw=0.5, ls=ls, alpha=0.9)
        ax.plot(x, q[2], color=colour, lw=1.4, ls=ls)
    _time_axis(ax, x, ylabel, margin=0.03, ticks=ticks)  # lines at 0 or 1 stay whole
    _marks(ax, result, x)
    if title:
        ax.set_title(title, y=1.0, pad=title_pad(lines))


def _marks(ax: Any, result: Any, x: np.ndarray) -> None:
    starts = condition_starts(result.scenario, result.provenance.conditions)
    mark_starts(ax, starts, (float(x[0]), float(x[-1])))


def regime_handles() -> list[Any]:
    """Legend entries of the regime panels."""
    from matplotlib.patches import Patch

    return [
        Patch(facecolor=REGIME_COLOURS[r], edgecolor="white", hatch=REGIME_HATCHES[r], label=f"{r} regime")
        for r in REGIME_COLOURS
    ] + [_mark_handle()]


def trust_handles(result: Any) -> list[Any]:
    """Legend entries of the trust panels: per side the median, the 25–75% band and the 5–95% edges."""
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    sides = result.structure.sides
    handles = []
    for i, side in enumerate(sides):
        name = text(result.scenario.sides[side].name)
        other = text(result.scenario.sides[sides[1 - i]].name)
        colour, ls = SIDE_COLOURS[i], SIDE_LINESTYLES[i]
        handles.append(
            Line2D([], [], color=colour, lw=1.4, ls=ls, label=text(f"{name}'s trust in {other}: median", 40))
        )
        if SIDE_HATCHES[i]:
            band = Patch(
                facecolor="none", edgecolor=colour, hatch=SIDE_HATCHES[i], lw=0, label="25–75% of runs"
            )
        else:
            band = Patch(facecolor=colour, alpha=0.3, lw=0, label="25–75% of runs")
        handles.append(band)
        handles.append(Line2D([], [], color=colour, lw=0.5, ls=ls, label="5–95% of runs (edges)"))
    return [*handles, _mark_handle()]


def _mark_handle() -> Any:
    from matplotlib.lines import Line2D

    return Line2D(
        [], [], color=MARK_COLOUR, lw=0.8, ls=(0, (3, 2)), label="a condition starts (named on top)"
    )


def _legend(fig: Any, handles: list[Any], ncol: int) -> None:
    fig.legend(handles=handles, loc="outside lower center", ncol=ncol, handlelength=2.4, columnspacing=1.2)


def result_figure(result: Any, title: str | None = None) -> Any:
    """Two panels for one simulated cell: regime shares and trust fans, one legend below both."""
    import matplotlib.pyplot as plt

    with paper_style():
        fig, (ax0, ax1) = plt.subplots(1, 2, figsize=(PAPER_WIDTH, 3.9), layout="constrained")
        prov = result.provenance
        cell = " + ".join(prov.conditions) or "status quo"
        name = title or (
            f"{result.scenario.name} — world: {prov.world or 'base'}, cell: {cell} ({prov.runs:,} runs)"
        )
        fig.suptitle(text(name, 90))
        x = _years(result.aggregates.months)
        lines = label_lines([result], (float(x[0]), float(x[-1])))
        regime_axes(ax0, result, "Regime of the relationship by month", lines=lines)
        trust_axes(ax1, result, "Trust each way by month", ylabel="trust, Pr(other is benign)", lines=lines)
        for ax in (ax0, ax1):
            ax.set_xlabel("year")
        _legend(fig, regime_handles() + trust_handles(result)[:-1], ncol=3)
    return fig


def grid_figure(exp: Any, world: str | None, kind: str) -> Any:
    """One panel per cell of a world (shared axes): ``kind`` is 'regimes' or 'trust'; legend below."""
    import matplotlib.pyplot as plt

    cells = [c for c in exp.cells if c.world == world]
    cols = 4 if len(cells) > 4 else len(cells)
    rows = int(np.ceil(len(cells) / cols))
    with paper_style():
        fig, axes = plt.subplots(
            rows,
            cols,
            figsize=(PAPER_WIDTH, 1.75 * rows + 1.35),
            squeeze=False,
            sharex=True,
            sharey=True,
            layout="constrained",
        )
        wname = exp.scenario.worlds[world].label if world in exp.scenario.worlds else (world or "base")
        what = "Regime shares by month" if kind == "regimes" else "Trust by month (fan charts)"
        fig.suptitle(text(f"{exp.scenario.name} — {what}; world: {wname} ({exp.runs:,} runs per cell)", 90))
        x = _years(cells[0].result.aggregates.months)
        lines = label_lines((c.result for c in cells), (float(x[0]), float(x[-1])))
        draw = regime_axes if kind == "regimes" else trust_axes
        for i, cell in enumerate(cells):
            draw(axes[i // cols][i % cols], cell.result, text(cell.label, 30), None, lines, ticks=i == 0)
        for j in range(len(cells), rows * cols):
            axes[j // cols][j % cols].axis("off")
            axes[j // cols - 1][j % cols].xaxis.set_tick_params(labelbottom=True)
        for j in range(max(0, len(cells) - cols), len(cells)):
            axes[j // cols][j % cols].set_xlabel("year")
        fig.supylabel(
            "share of runs" if kind == "regimes" else "trust, Pr(the other side is benign)", fontsize=8
        )
        if kind == "regimes":
            _legend(fig, regime_handles(), ncol=4)
        else:
            _legend(fig, trust_handles(cells[0].result), ncol=3)
    return fig


def save(fig: Any, path: Any, fmt: str = "png", dpi: int = 300) -> None:
    """Write a figure in one format (PNG at ``dpi``) and close it."""
    import matplotlib.pyplot as plt

    try:
        with paper_style():
            save_one(fig, path, fmt, dpi)
    finally:
        plt.close(fig)
