"""The date each condition starts, read from the scenario, and its mark on a time axis."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

from detente.report.style import MARK_COLOUR, text

_DATED = ("schedules.", "levers.")
_DATE_KEYS = ("start", "date")
_MONTH = re.compile(r"\d{4}-(0[1-9]|1[0-2])")


def _dates_in(key: str, value: Any) -> list[str]:
    """Every 'start'/'date' string inside one override (``key`` a dotted path, ``value`` what it sets)."""
    if isinstance(value, str):
        return [value] if key.rsplit(".", 1)[-1] in _DATE_KEYS else []
    if isinstance(value, dict):
        out = []
        for k, v in value.items():
            out += _dates_in(f"{key}.{k}", v)
        return out
    if isinstance(value, list | tuple):
        return [d for v in value for d in _dates_in(f"{key}.item", v)]
    return [str(value)] if key.rsplit(".", 1)[-1] in _DATE_KEYS and value is not None else []


def condition_starts(scenario: Any, conditions: Iterable[str]) -> list[tuple[str, str]]:
    """(month 'YYYY-MM', condition) for each dated schedule step or lever a condition sets, after the start.

    A condition with no date inside the horizon (e.g. a parameter change) applies from the first month
    and gets no mark.
    """
    start = str(scenario.start)[:7]
    out: dict[tuple[str, str], int] = {}
    for order, name in enumerate(conditions):
        variant = scenario.conditions.get(name)
        if variant is None:
            continue
        for key, value in variant.set.items():
            if key.startswith(_DATED):
                months = {str(d)[:7] for d in _dates_in(key, value)}
                out.update({(m, name): order for m in months if _MONTH.fullmatch(m) and m > start})
    return sorted(out, key=lambda k: (k[0], out[k]))


def month_x(month: str) -> float:
    """A 'YYYY-MM' month as a decimal year (the x of the report's time axes)."""
    return int(month[:4]) + (int(month[5:7]) - 1) / 12


def start_labels(
    starts: Sequence[tuple[str, str]], span: tuple[float, float], width: int = 16
) -> list[tuple[float, str]]:
    """(x, label) of each start label: a start within 20% of the span of the previous label joins it."""
    lo, hi = span
    by_month: dict[str, list[str]] = {}
    for month, name in starts:
        by_month.setdefault(month, []).append(name)
    ticks: list[float] = []
    labels: list[list[str]] = []
    for month, names in sorted(by_month.items()):
        x = month_x(month)
        if not lo <= x <= hi:
            continue
        entry = f"{', '.join(names)} from {month}"
        if ticks and x - ticks[-1] < 0.2 * (hi - lo):
            labels[-1].append(entry)
        else:
            ticks.append(x)
            labels.append([entry])
    return [(x, "\n".join(text(e, width) for e in group)) for x, group in zip(ticks, labels, strict=True)]


LABEL_SIZE = 6
"""Points: the font size of the start labels above a panel."""


def mark_starts(
    ax: Any, starts: Sequence[tuple[str, str]], span: tuple[float, float], width: int = 16
) -> None:
    """Dashed vertical lines at each start, named just above the panel (give the title ``title_pad``)."""
    lo, hi = span
    for month in sorted({m for m, _ in starts}):
        if lo <= month_x(month) <= hi:
            ax.axvline(month_x(month), color=MARK_COLOUR, lw=0.8, ls=(0, (3, 2)), zorder=5)
    for x, label in start_labels(starts, span, width):
        ax.annotate(
            label,
            xy=(x, 1.0),
            xycoords=("data", "axes fraction"),
            xytext=(0, 2),
            textcoords="offset points",
            ha="left" if x < (lo + hi) / 2 else "right",
            va="bottom",
            fontsize=LABEL_SIZE,
            color=MARK_COLOUR,
            annotation_clip=False,
        )


def title_pad(lines: int) -> float:
    """Points between a panel and its title that leave room for ``lines`` lines of start labels."""
    return 4 + lines * LABEL_SIZE * 1.25


def label_lines(results: Iterable[Any], span: tuple[float, float]) -> int:
    """The most lines any of ``results``' start labels takes (to pad the others to)."""
    counts = [
        label.count("\n") + 1
        for r in results
        for _, label in start_labels(condition_starts(r.scenario, r.provenance.conditions), span)
    ]
    return max(counts, default=0)
