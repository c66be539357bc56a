"""Figures of the history: trust paths with labelled years and largest events; record vs simulated tone.

Drawn in the detente figure style (``detente.report.style``) and saved as PNG (300 dpi), SVG and PDF.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from detente.model.regime import REGIMES
from detente.report import style

REGIME_COLOURS = {i: style.REGIME_COLOURS[name] for i, name in enumerate(REGIMES)}
REGIME_NAMES = {0: "strategic (partnership attempt)", 1: "tactical (limited)", 2: "frozen (adversarial)"}
SIDE_COLOURS = style.SIDE_COLOURS


def _dates(months: list[str]) -> np.ndarray:
    return np.array([np.datetime64(m, "M") for m in months]) + np.timedelta64(1, "M")  # month ends


def largest_events(rep: Any, n: int = 8) -> list[tuple[int, float]]:
    """Indices and log-odds moves of the ``n`` events that moved trust most in a replay."""
    st = rep.setup
    dl = np.where(np.isnan(st.table.lr), rep.gamma * st.unit, st.fixed)
    dl = np.where(dl < 0, st.observer_bias() * dl, dl)
    dl = np.where(st.observer >= 0, dl, 0.0)
    order = np.argsort(-np.abs(dl), kind="stable")[:n]
    return [(int(i), float(dl[i])) for i in order if dl[i] != 0]


def trust_figure(rep: Any, fit: Any | None = None, title: str | None = None, n_events: int = 8) -> Any:
    """Both sides' month-end trust, the labelled years shaded, the largest events annotated."""
    with style.paper_style():
        return _trust_figure(rep, fit, title, n_events)


def _trust_figure(rep: Any, fit: Any | None, title: str | None, n_events: int) -> Any:
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch

    st = rep.setup
    sc = st.scenario
    x = _dates(st.months)
    fig, ax = plt.subplots(figsize=(style.PAPER_WIDTH, 5.4), layout="constrained")
    handles = []
    if fit is not None:
        for y, main, alt in zip(fit.years, fit.labels.main, fit.labels.alt, strict=True):
            lo, hi = np.datetime64(f"{y}-01"), np.datetime64(f"{y + 1}-01")
            ax.axvspan(lo, hi, ymin=0, ymax=1, color=REGIME_COLOURS[int(main)], alpha=0.16, lw=0)
            if alt >= 0:
                ax.axvspan(lo, hi, ymin=0, ymax=0.04, color=REGIME_COLOURS[int(alt)], alpha=0.7, lw=0)
        for y, pred in zip(fit.years, fit.predicted, strict=True):
            lo, hi = np.datetime64(f"{y}-01"), np.datetime64(f"{y + 1}-01")
            ax.axvspan(lo, hi, ymin=0.96, ymax=1.0, color=REGIME_COLOURS[int(pred)], alpha=0.9, lw=0)
        handles += [
            Patch(color=REGIME_COLOURS[r], alpha=0.3, label=f"labelled year: {REGIME_NAMES[r]}")
            for r in range(3)
        ]
        handles.append(
            Patch(
                facecolor="white",
                edgecolor="grey",
                label="bottom strip: alternative reading; top strip: model's regime",
            )
        )
    for s, sid in enumerate(st.sides):
        other = st.sides[1 - s]
        (line,) = ax.plot(
            x,
            rep.p[s],
            color=SIDE_COLOURS[s],
            ls=style.SIDE_LINESTYLES[s],
            lw=1.4,
            label=style.text(f"{sc.sides[sid].name}'s trust that {sc.sides[other].name} is benign"),
        )
        handles.append(line)
    ctx = st.context
    k = int(np.flatnonzero(ctx.strategic)[0]) if ctx.strategic.any() else None
    # thresholds with the verification channel working ([channel, side, issue, month]; older: [side, ...])
    t_all = ctx.t_star[1] if ctx.t_star.ndim == 4 else ctx.t_star
    ex_all = ctx.exploit[1] if ctx.exploit.ndim == 4 else ctx.exploit
    if k is not None:
        for s in range(2):
            t_star = t_all[s, k]
            rho = ctx.rho[1 - s]
            p_star = np.where(
                ex_all[1 - s, k],
                np.maximum(0.0, (t_star - 1 + rho) / rho),
                np.where(t_star <= 1, 0.0, np.inf),
            )
            if np.isfinite(p_star).any() and np.nanmax(np.where(np.isfinite(p_star), p_star, 0)) > 0:
                (line,) = ax.plot(
                    x,
                    np.where(p_star <= 1, p_star, np.nan),
                    color=SIDE_COLOURS[s],
                    lw=0.8,
                    ls=(0, (1, 1.5)),
                    label=style.text(f"{sc.sides[st.sides[s]].name}'s trust needed for the strategic issue"),
                )
                handles.append(line)
    levels = (0.56, 0.48, 0.40, 0.32, 0.24, 0.16)
    picked = sorted(largest_events(rep, n_events), key=lambda e: st.table.date[e[0]])
    for rank, (i, dl) in enumerate(picked):
        d = np.datetime64(str(st.table.date[i]), "D")
        s, seen = _seen_by(st, i)
        text = style.text(
            f"{str(st.table.date[i])[:7]} {_short(st.table.description[i])}\n(seen by {seen}: {dl:+.1f} log-odds)"
        )
        lo, hi = x[0].astype("datetime64[D]"), x[-1].astype("datetime64[D]")
        frac = (d - lo) / (hi - lo)
        ax.annotate(
            text,
            xy=(d, rep.p[s, st.month[i]]),
            xytext=(d, levels[rank % len(levels)]),
            fontsize=6,
            ha="left" if frac < 0.15 else "right" if frac > 0.85 else "center",
            arrowprops={"arrowstyle": "->", "color": "grey", "lw": 0.7},
            bbox={"boxstyle": "round,pad=0.2", "fc": "white", "ec": "grey", "alpha": 0.9},
        )
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlim(x[0] - np.timedelta64(1, "M"), x[-1])
    ax.set_ylabel("trust: Pr(the other side is benign), month end")
    ax.set_xlabel("month")
    head = title or f"{sc.name}: trust replayed from the coded record, {st.months[0]} to {st.until}"
    if fit is not None:
        head += (
            f"\nagreement with labelled years {fit.agreement:.2f} (majority class "
            f"{fit.baselines['majority_class']['agreement']:.2f}, persistence "
            f"{fit.baselines['persistence']['agreement']:.2f}); gamma = {rep.gamma:g}; "
            f"annotated: largest moves in log-odds"
        )
    ax.set_title(style.text(head, 100), fontsize=8)
    fig.legend(handles=handles, loc="outside lower center", ncol=2, fontsize=6.5)
    ax.grid(alpha=0.25)
    return fig


def _seen_by(st: Any, i: int) -> tuple[int, str]:
    """The side whose trust path an event's arrow points at, and who saw it ('W', 'R' or 'both')."""
    s = int(st.observer[i])
    if s in (0, 1):
        return s, st.sides[s]
    actor = int(getattr(st, "actor", np.full(i + 1, -1))[i])
    return (1 - actor if actor in (0, 1) else 0), "both"


def _short(text: str, n: int = 30) -> str:
    text = str(text).split(":")[0] if ":" in str(text)[:45] else str(text)
    return text if len(text) <= n else text[: n - 1] + "…"


def compare_figure(frame: Any, title: str) -> Any:
    """Record and simulated trailing-12-month tone (mean Goldstein per event) on one time axis."""
    with style.paper_style():
        return _compare_figure(frame, title)


def _compare_figure(frame: Any, title: str) -> Any:
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(style.PAPER_WIDTH, 3.8), layout="constrained")
    rec = frame[frame.source == "record"]
    sim = frame[frame.source == "simulated"]
    ax.plot(
        _dates(list(rec.month)),
        rec.tone_12m,
        color="black",
        lw=1.3,
        label="coded record: mean dyad Goldstein per event, trailing 12 months",
    )
    xs = _dates(list(sim.month))
    ax.fill_between(
        xs,
        sim.tone_12m_p05,
        sim.tone_12m_p95,
        color=style.OKABE_ITO["blue"],
        alpha=0.25,
        lw=0,
        label="simulated runs: 5–95% range",
    )
    ax.plot(
        xs,
        sim.tone_12m,
        color=style.OKABE_ITO["blue"],
        lw=1.3,
        label="simulated runs: median (theory §10.6 projection)",
    )
    ax.axhline(0, color="grey", lw=0.8)
    ax.set_ylim(-10.5, 10.5)
    ax.set_ylabel("Goldstein scale (−10 conflict … +10 cooperation)")
    ax.set_xlabel("month")
    ax.set_title(style.text(title, 100), fontsize=8)
    fig.legend(loc="outside lower center", ncol=2, fontsize=6.5)
    ax.grid(alpha=0.25)
    return fig


def save(fig: Any, path: Path, formats: tuple[str, ...] = style.FORMATS) -> Path:
    """Write a figure as ``path`` (PNG, 300 dpi) and beside it in the other formats (SVG, PDF); close it."""
    path = Path(path)
    style.save_formats(fig, path.with_suffix(""), formats)
    return path


__all__ = ["REGIMES", "compare_figure", "largest_events", "save", "trust_figure"]
