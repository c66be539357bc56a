"""The main job's figures, each written as PNG (300 dpi), SVG and PDF into a report folder being built.

Where the platform can fork, forked workers (one per spare core, at most ``MAX_WORKERS`` in all) take
figures from a shared counter alongside this process; any figure a failed worker left undone is drawn
here afterwards.
"""

from __future__ import annotations

import multiprocessing
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from detente.errors import DetenteError
from detente.report.style import DPI, FORMATS

_SAFE_PART = re.compile(r"[A-Za-z0-9_][A-Za-z0-9._-]{0,63}")
DURABLE_STEM = "p-durable"
"""File stem of the P(durable) by cell and world chart (also inlined in report.html)."""
MAX_WORKERS = 4
"""Processes drawing figures at once (this one included)."""
_COST = {"trust": 0, "regimes": 1, "durable": 2}
"""Drawing order: the costliest figures first, so the processes finish together."""
_WHAT = {
    "regimes": "regime shares by month, one panel per cell",
    "trust": "trust fan charts by month, one panel per cell",
}


@dataclass(frozen=True)
class Figure:
    """One report figure: what it shows and its files (one per format, same stem)."""

    stem: str
    kind: str
    world: str | None
    alt: str
    formats: tuple[str, ...]

    def file(self, fmt: str) -> str:
        """The file name of this figure in ``fmt``."""
        return f"{self.stem}.{fmt}"


def plan(exp: Any, formats: Sequence[str] = FORMATS) -> list[Figure]:
    """The figures of a report: P(durable) by cell and world, then regimes and trust per world."""
    fmts = tuple(dict.fromkeys(formats))
    unknown = [f for f in fmts if f not in FORMATS]
    if unknown or not fmts:
        raise DetenteError(
            f"figure formats: {', '.join(unknown) or 'none given'}; expected some of {', '.join(FORMATS)}"
        )
    out = [
        Figure(DURABLE_STEM, "durable", None, "P(durable partnership) by cell and world, 95% intervals", fmts)
    ]
    for i, world in enumerate(exp.worlds):
        part = world_part(world or "base", i)
        for kind in ("regimes", "trust"):
            out.append(Figure(f"{kind}-{part}", kind, world, f"World {world or 'base'}: {_WHAT[kind]}", fmts))
    return out


def world_part(name: str, index: int) -> str:
    """``name`` if it is safe inside a file name, else ``world<index>`` (names never choose where files go)."""
    return name if _SAFE_PART.fullmatch(name) else f"world{index}"


def build(exp: Any, fig: Figure) -> Any:
    """The matplotlib figure of one planned report figure."""
    if fig.kind == "durable":
        from detente.report.figures_durable import durable_figure

        return durable_figure(exp)
    from detente.report.plots import grid_figure

    return grid_figure(exp, fig.world, fig.kind)


def render(exp: Any, figures: Sequence[Figure], folder: Path, dpi: int = DPI) -> None:
    """Draw and write each figure in each of its formats into ``folder``."""
    from detente.report.style import save_formats

    for fig in figures:
        save_formats(build(exp, fig), folder / fig.stem, fig.formats, dpi)


def write_figures(exp: Any, folder: Path, formats: Sequence[str] = FORMATS, dpi: int = DPI) -> list[Figure]:
    """Write every report figure into ``folder`` (a report folder being built) and return the plan."""
    figures = plan(exp, formats)
    order = sorted(figures, key=lambda f: _COST[f.kind])
    workers = min(len(order), _cores(), MAX_WORKERS)
    daemon = multiprocessing.current_process().daemon  # a pool worker may not start processes
    if workers < 2 or daemon or "fork" not in multiprocessing.get_all_start_methods():
        render(exp, order, folder, dpi)
        return figures
    _warm()  # the forked workers inherit pyplot and the loaded fonts
    ctx = multiprocessing.get_context("fork")
    counter, done = ctx.Value("i", 0), ctx.Array("b", len(order))
    children = [
        ctx.Process(target=_take, args=(exp, order, folder, dpi, counter, done)) for _ in range(workers - 1)
    ]
    for child in children:
        child.start()
    try:
        _take(exp, order, folder, dpi, counter, done)
    finally:
        for child in children:
            child.join()
    render(exp, [f for f, ok in zip(order, done, strict=True) if not ok], folder, dpi)
    return figures


def _warm() -> None:
    """Import pyplot and load the style's fonts once, before forking."""
    import matplotlib.pyplot as plt

    from detente.report.style import paper_style

    with paper_style():
        fig = plt.figure(figsize=(1, 1))
        fig.text(0.5, 0.5, "0.25 year")
        fig.canvas.draw()
        plt.close(fig)


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _take(exp: Any, order: Sequence[Figure], folder: Path, dpi: int, counter: Any, done: Any) -> None:
    """Draw the next undrawn figure until none is left (run by this process and each worker)."""
    while True:
        with counter.get_lock():
            i = counter.value
            counter.value += 1
        if i >= len(order):
            return
        render(exp, [order[i]], folder, dpi)
        done[i] = 1


def inline_svg(path: Path) -> str | None:
    """The ``<svg>`` element of a matplotlib SVG file for inlining in HTML, or None if it is not one."""
    try:
        data = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    start = data.find("<svg")
    body = data[start:] if start >= 0 else ""
    if not body or re.search(r"<script|<foreignobject|javascript:|\son\w+\s*=", body, re.IGNORECASE):
        return None
    return body
