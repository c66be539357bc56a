"""Scenario discovery with PRIM (Friedman & Fisher 1999): boxes in input space where an outcome occurs.

Peeling removes, one step at a time, the ``peel_alpha`` slice of the box (a low or high tail of a numeric
input, or one category of a categorical input) whose removal most raises the box's density (the share of
points in the box with the outcome); it stops when no peel raises density or the box's mass would fall
below ``mass_min``. The peeling trajectory is the coverage–density trade-off curve. The chosen box is
then pasted: limits are widened while that raises density.

Categorical inputs (the world, crossed condition flags shown as ``on``/``off``) are restricted to sets of
categories; their rows of a limits table carry the set and the removed categories, never a NaN bound.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from detente.errors import ExperimentError
from detente.experiments.store import DEFAULT_STORE, Store


@dataclass
class Box:
    """Limits per input: ``(low, high)`` for numeric inputs, a frozenset of categories otherwise."""

    limits: dict[str, Any]
    coverage: float = 0.0
    density: float = 0.0
    mass: float = 0.0
    n: int = 0


@dataclass
class PrimResult:
    """The peeling trajectory, the chosen (pasted) box and a table of its limits."""

    trajectory: Any
    boxes: list[Box]
    chosen: int
    box: Box
    limits: Any
    base_density: float
    inputs: list[str] = field(default_factory=list)
    data: Any = field(default=None, repr=False)
    full: dict[str, Any] = field(default_factory=dict, repr=False)

    def box_limits(self, i: int) -> Any:
        """The limits table of box ``i`` of the peeling trajectory (as peeled, not pasted)."""
        if not 0 <= i < len(self.boxes):
            raise ExperimentError(f"box: expected a trajectory step from 0 to {len(self.boxes) - 1}, got {i}")
        return limits_table(self.data, self.full, self.boxes[i])


def categories(column: Any) -> np.ndarray:
    """A categorical input as text: condition flags (booleans) read ``on``/``off``, anything else its string."""
    if column.dtype.kind == "b":
        return np.where(column.to_numpy(dtype=bool), "on", "off")
    return column.astype(str).to_numpy()


class _Data:
    def __init__(self, x: Any, y: np.ndarray) -> None:
        self.names = list(x.columns)
        self.numeric = {c: x[c].dtype.kind in "iuf" for c in self.names}
        self.cols = {
            c: (x[c].to_numpy(dtype=float) if self.numeric[c] else categories(x[c])) for c in self.names
        }
        self.y = np.asarray(y, dtype=float)
        self.total = float(self.y.sum())
        self.n = len(self.y)

    def full_box(self) -> dict[str, Any]:
        return {
            c: (float(np.min(v)), float(np.max(v))) if self.numeric[c] else frozenset(np.unique(v))
            for c, v in self.cols.items()
        }

    def member(self, c: str, lim: Any) -> np.ndarray:
        v = self.cols[c]
        return (v >= lim[0]) & (v <= lim[1]) if self.numeric[c] else np.isin(v, list(lim))

    def mask(self, limits: dict[str, Any]) -> np.ndarray:
        m = np.ones(self.n, dtype=bool)
        for c, lim in limits.items():
            m &= self.member(c, lim)
        return m

    def stats(self, limits: dict[str, Any], m: np.ndarray | None = None) -> Box:
        m = self.mask(limits) if m is None else m
        k, n = float(self.y[m].sum()), int(m.sum())
        return Box(dict(limits), k / self.total if self.total else 0.0, k / n if n else 0.0, n / self.n, n)


def _peels(
    data: _Data, limits: dict[str, Any], inbox: np.ndarray, alpha: float
) -> list[tuple[str, Any, np.ndarray]]:
    """Candidate peels: (input, new limit, new membership)."""
    out = []
    for c in data.names:
        v = data.cols[c]
        lim = limits[c]
        if data.numeric[c]:
            xs = v[inbox]
            if xs.size == 0 or xs.min() == xs.max():
                continue
            lo_q, hi_q = np.quantile(xs, [alpha, 1 - alpha], method="lower")
            if not (xs < lo_q).any():
                lo_q = xs[xs > xs.min()].min()
            if not (xs > hi_q).any():
                hi_q = xs[xs < xs.max()].max()
            out.append((c, (float(lo_q), lim[1]), inbox & (v >= lo_q)))
            out.append((c, (lim[0], float(hi_q)), inbox & (v <= hi_q)))
        elif len(lim) > 1:
            for cat in sorted(lim):
                out.append((c, frozenset(lim - {cat}), inbox & (v != cat)))
    return out


def _restricted(data: _Data, full: dict[str, Any], limits: dict[str, Any]) -> list[str]:
    return [c for c in data.names if limits[c] != full[c]]


def prim(
    x: Any,
    y: Any,
    peel_alpha: float = 0.05,
    paste_alpha: float = 0.05,
    mass_min: float = 0.05,
    min_coverage: float = 0.8,
) -> PrimResult:
    """PRIM on inputs ``x`` (pandas DataFrame) and a boolean outcome ``y``; choose the densest box on the
    peeling trajectory with coverage >= ``min_coverage``, then paste it."""
    import pandas as pd

    y = np.asarray(y, dtype=bool)
    if len(y) != len(x) or len(y) == 0:
        raise ExperimentError("discover: inputs and outcome must have the same, non-zero number of rows")
    if not y.any():
        raise ExperimentError(
            "discover: the outcome never occurs in the stored results; lower --threshold or check --outcome"
        )
    data = _Data(x.reset_index(drop=True), y)
    full = data.full_box()
    limits = dict(full)
    inbox = np.ones(data.n, dtype=bool)
    boxes = [data.stats(limits, inbox)]
    while True:
        current = boxes[-1]
        best = None
        for c, lim, m in _peels(data, limits, inbox, peel_alpha):
            n = int(m.sum())
            if n == 0 or n / data.n < mass_min:
                continue
            mean = float(data.y[m].mean())
            if best is None or (mean, n) > (best[0], best[1]):
                best = (mean, n, c, lim, m)
        if best is None or best[0] <= current.density:
            break
        limits[best[2]] = best[3]
        inbox = best[4]
        boxes.append(data.stats(limits, inbox))
    traj = pd.DataFrame(
        [
            {
                "box": i,
                "coverage": b.coverage,
                "density": b.density,
                "mass": b.mass,
                "n": b.n,
                "restricted": len(_restricted(data, full, b.limits)),
                "inputs": ", ".join(_restricted(data, full, b.limits)),
            }
            for i, b in enumerate(boxes)
        ]
    )
    eligible = [i for i, b in enumerate(boxes) if b.coverage >= min_coverage - 1e-12]
    chosen = max(eligible, key=lambda i: (boxes[i].density, -i)) if eligible else 0
    box = paste(data, boxes[chosen].limits, full, paste_alpha)
    return PrimResult(
        traj, boxes, chosen, box, limits_table(data, full, box), data.total / data.n, data.names, data, full
    )


def paste(data: _Data, limits: dict[str, Any], full: dict[str, Any], alpha: float) -> Box:
    """Widen limits (numeric: by ``alpha`` of the box's points; categorical: one category back) while density rises."""
    limits = dict(limits)
    current = data.stats(limits)
    while True:
        best = None
        per_dim = {c: data.member(c, limits[c]) for c in data.names}
        for c in data.names:
            others = np.ones(data.n, dtype=bool)
            for d, m in per_dim.items():
                if d != c:
                    others &= m
            v = data.cols[c]
            cands = []
            if data.numeric[c]:
                k = max(1, math.ceil(alpha * current.n))
                lo, hi = limits[c]
                below = np.sort(v[others & (v < lo)])[::-1][:k]
                above = np.sort(v[others & (v > hi)])[:k]
                if below.size:
                    cands.append((float(below[-1]), hi))
                if above.size:
                    cands.append((lo, float(above[-1])))
            else:
                cands = [frozenset(limits[c] | {cat}) for cat in sorted(full[c] - limits[c])]
            for lim in cands:
                m = others & data.member(c, lim)
                box = data.stats({**limits, c: lim}, m)
                if box.density > current.density + 1e-12 and (best is None or box.density > best[0].density):
                    best = (box, c, lim)
        if best is None:
            return current
        current, limits = best[0], {**limits, best[1]: best[2]}


def limits_table(data: _Data, full: dict[str, Any], box: Box) -> Any:
    """Limits of the restricted inputs, with a quasi-p-value (binomial test of dropping each restriction).

    Numeric rows hold ``low``/``high`` within ``full_low``/``full_high``; categorical rows hold the kept
    ``categories`` and the ``removed`` ones, their bounds None. ``restriction`` says either in words.
    """
    import pandas as pd
    from scipy.stats import binom

    rows = []
    k_box = round(box.density * box.n)
    for c in _restricted(data, full, box.limits):
        relaxed = data.stats({**box.limits, c: full[c]})
        p = float(binom.sf(k_box - 1, box.n, relaxed.density)) if relaxed.n else None
        lim = box.limits[c]
        if data.numeric[c]:
            rows.append(
                {
                    "input": c,
                    "kind": "numeric",
                    "low": lim[0],
                    "high": lim[1],
                    "full_low": full[c][0],
                    "full_high": full[c][1],
                    "categories": "",
                    "removed": "",
                    "restriction": f"{lim[0]:.4g} to {lim[1]:.4g} (sampled {full[c][0]:.4g} to {full[c][1]:.4g})",
                    "qp_value": p,
                }
            )
        else:
            kept, removed = sorted(lim), sorted(full[c] - lim)
            rows.append(
                {
                    "input": c,
                    "kind": "categorical",
                    "low": None,
                    "high": None,
                    "full_low": None,
                    "full_high": None,
                    "categories": ", ".join(kept),
                    "removed": ", ".join(removed),
                    "restriction": (f"= {kept[0]}" if len(kept) == 1 else f"in {{{', '.join(kept)}}}")
                    + f" (not {', '.join(removed)})",
                    "qp_value": p,
                }
            )
    frame = pd.DataFrame(rows, columns=LIMIT_COLUMNS).astype(object)
    return frame.where(frame.notna(), None)


LIMIT_COLUMNS = [
    "input",
    "kind",
    "low",
    "high",
    "full_low",
    "full_high",
    "categories",
    "removed",
    "restriction",
    "qp_value",
]


# --- on stored results ------------------------------------------------------------------------------


def discovery_frame(
    name: str, store: str | Path = DEFAULT_STORE
) -> tuple[Any, list[str], list[str], dict[str, Any]]:
    """Stored results, the input columns PRIM should use (parameters, crossed flags, world) and the outcomes."""
    with Store(store, read_only=True) as st:
        rec = st.experiment_record(name)
        frame = st.results(name)
    inputs = list(rec["parameters"])
    cross = rec["spec"].get("cross") or {}
    inputs += [c for c in (cross.get("conditions") or []) if c in frame.columns]
    if cross.get("worlds") and len(cross["worlds"]) > 1:
        inputs.append("world")
    return frame, inputs, rec["outcomes"], rec


def outcome_flag(
    frame: Any, outcome: str, outcomes: list[str], threshold: float, below: bool
) -> tuple[str, np.ndarray]:
    """The boolean outcome of interest (``outcome >= threshold``, or ``<=`` with ``below``)."""
    name = outcome
    if name not in outcomes and f"p_{name}" in outcomes:
        name = f"p_{name}"
    if name not in outcomes:
        raise ExperimentError(f"--outcome: no stored outcome {outcome!r}; stored: {', '.join(outcomes)}")
    values = frame[name].to_numpy(dtype=float)
    return name, (values <= threshold) if below else (values >= threshold)


def condition_table(frame: Any, flag: np.ndarray, conditions: list[str]) -> Any:
    """How often the outcome occurs per cell, and for each crossed condition whether it is ever absent when it occurs."""
    import pandas as pd

    f = frame.assign(_y=flag)
    per_cell = f.groupby("cell", sort=False)["_y"].agg(["mean", "sum", "count"]).reset_index()
    per_cell.columns = ["cell", "share", "points_with_outcome", "points"]
    rows = []
    for c in conditions:
        on, off = f[f[c]], f[~f[c]]
        rows.append(
            {
                "condition": c,
                "share_when_on": float(on["_y"].mean()) if len(on) else np.nan,
                "share_when_off": float(off["_y"].mean()) if len(off) else np.nan,
                "occurrences_without_it": int(off["_y"].sum()),
                "necessary_in_sample": bool(len(off) and off["_y"].sum() == 0),
            }
        )
    return per_cell, pd.DataFrame(rows)


@dataclass
class Discovery:
    """PRIM on one stored experiment: the outcome flag, the chosen box, and the per-cell/condition tables."""

    experiment: str
    outcome: str
    threshold: float
    below: bool
    points: int
    result: PrimResult
    per_cell: Any
    conditions: Any
    undefined: int = 0
    """Points left out because the outcome is undefined there (stored as null)."""

    def as_dict(self) -> dict[str, Any]:
        """Plain mapping (for ``--json``; undefined values are None)."""
        box = self.result.box
        return {
            "experiment": self.experiment,
            "outcome": self.outcome,
            "threshold": self.threshold,
            "below": self.below,
            "points": self.points,
            "undefined_points": self.undefined,
            "share_with_outcome": self.result.base_density,
            "box": {
                "coverage": box.coverage,
                "density": box.density,
                "mass": box.mass,
                "n": box.n,
                "limits": records(self.result.limits),
            },
            "trajectory": records(self.result.trajectory),
            "chosen": self.result.chosen,
            "boxes": [
                {**records(self.result.trajectory.iloc[[i]])[0], "limits": records(self.result.box_limits(i))}
                for i in range(len(self.result.boxes))
            ],
            "cells": records(self.per_cell),
            "conditions": records(self.conditions),
        }


def records(frame: Any) -> list[dict[str, Any]]:
    """A DataFrame as records with None for missing values (never NaN)."""
    return frame.astype(object).where(frame.notna(), None).to_dict(orient="records")


def discover(
    name: str,
    outcome: str,
    threshold: float,
    below: bool = False,
    store: str | Path = DEFAULT_STORE,
    inputs: list[str] | None = None,
    peel_alpha: float = 0.05,
    paste_alpha: float = 0.05,
    mass_min: float = 0.05,
    min_coverage: float = 0.8,
) -> Discovery:
    """Scenario discovery on stored results: where in input space ``outcome >= threshold`` (``<=`` with ``below``)."""
    if not math.isfinite(threshold):
        raise ExperimentError(f"--threshold: expected a finite number, got {threshold}")
    frame, default_inputs, outcomes, rec = discovery_frame(name, store)
    chosen = inputs or default_inputs
    unknown = [c for c in chosen if c not in frame.columns]
    if unknown:
        raise ExperimentError(f"--inputs: unknown input(s) {unknown}; expected some of {default_inputs}")
    if not len(frame):
        raise ExperimentError(f"{name}: no finished points stored yet; run or resume the sweep first")
    col, _ = outcome_flag(frame, outcome, outcomes, threshold, below)
    defined = frame[col].notna().to_numpy()
    frame = frame[defined].reset_index(drop=True)
    if not len(frame):
        raise ExperimentError(f"--outcome: {col!r} is undefined at every stored point")
    col, flag = outcome_flag(frame, outcome, outcomes, threshold, below)
    result = prim(frame[chosen], flag, peel_alpha, paste_alpha, mass_min, min_coverage)
    crossed = list((rec["spec"].get("cross") or {}).get("conditions") or [])
    per_cell, conds = condition_table(frame, flag, crossed)
    return Discovery(name, col, threshold, below, len(frame), result, per_cell, conds, int((~defined).sum()))


def plot(result: PrimResult, path: str | Path, title: str = "", field: str = "--plot") -> Path:
    """Two panels: the coverage–density trade-off (chosen box marked) and the chosen box's limits; PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4.2))
    t = result.trajectory
    sc = ax1.scatter(t["coverage"], t["density"], c=t["restricted"], cmap="viridis", s=18)
    fig.colorbar(sc, ax=ax1, label="restricted inputs")
    ax1.scatter(
        [result.box.coverage],
        [result.box.density],
        marker="*",
        s=220,
        color="crimson",
        label=f"chosen (pasted): cov {result.box.coverage:.2f}, dens {result.box.density:.2f}",
    )
    ax1.set_xlabel("coverage")
    ax1.set_ylabel("density")
    ax1.set_xlim(0, 1.02)
    ax1.set_ylim(0, 1.02)
    ax1.legend(fontsize=8, loc="lower left")
    ax1.set_title("peeling trajectory", fontsize=10)
    lim = result.limits
    for i, row in enumerate(lim.itertuples()):
        if row.kind == "categorical":
            ax2.text(0.0, i, row.restriction, va="center", fontsize=8)
            continue
        span = (row.full_high - row.full_low) or 1.0
        lo, hi = (row.low - row.full_low) / span, (row.high - row.full_low) / span
        ax2.barh(i, hi - lo, left=lo, color="tab:blue", alpha=0.6)
        ax2.text(lo, i + 0.3, f"{row.low:.3g}", fontsize=7, ha="left")
        ax2.text(hi, i + 0.3, f"{row.high:.3g}", fontsize=7, ha="right")
    ax2.set_yticks(range(len(lim)), lim["input"], fontsize=8)
    ax2.set_xlim(0, 1)
    ax2.set_xlabel("limits as a share of each input's sampled range")
    ax2.set_title("chosen box", fontsize=10)
    if title:
        fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    from detente.report.outputs import write_file

    try:
        return write_file(path, lambda tmp: fig.savefig(tmp, dpi=110, format="png"), field)
    finally:
        plt.close(fig)
