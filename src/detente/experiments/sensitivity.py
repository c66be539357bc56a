"""Sensitivity indices from stored results (SALib): Sobol' first/total order, Morris mu*/sigma; no re-running.

Each cell (world × crossed conditions) is analysed on its own, since the design is replicated per cell.
Every index comes with its bootstrap interval, and every (cell, outcome) with a ``warning`` where the
indices do not mean what they seem: a constant or near-constant outcome, too few samples, wide intervals
or estimates outside what an index can be.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import numpy as np

from detente.errors import ExperimentError
from detente.experiments.design import salib_problem
from detente.experiments.store import DEFAULT_STORE, Store

_FITS = {"sobol": "sobol", "morris": "morris"}
FEW_SOBOL = 256
"""Sobol' base samples N below which the indices are flagged as unstable (Saltelli et al. use 500-1000+)."""
FEW_MORRIS = 10
"""Morris trajectories below which mu* and sigma are flagged as unstable."""
NEAR_CONSTANT = 0.9
"""Share of points sharing one value at which an outcome counts as near-constant."""
WIDE = 0.2
"""Bootstrap half-width of a Sobol' index above which the interval is flagged as wide."""


def analyze(
    name: str,
    method: str,
    store: str | Path = DEFAULT_STORE,
    outcomes: list[str] | None = None,
    conf_level: float = 0.95,
    num_resamples: int = 200,
    seed: int = 0,
) -> Any:
    """A pandas DataFrame of indices, one row per (cell, outcome, parameter), from stored results."""
    import pandas as pd

    if method not in _FITS:
        raise ExperimentError(f"--method: expected sobol or morris, got {method!r}")
    with Store(store, read_only=True) as st:
        rec = st.experiment_record(name)
        frame = st.results(name, complete=False, unit=True)
    design = rec["spec"]["design"]
    if design["kind"] != _FITS[method]:
        hint = {
            "sobol": "design: {kind: sobol, n: 1024}",
            "morris": "design: {kind: morris, trajectories: 20}",
        }
        raise ExperimentError(
            f"{name}: the stored design is {design['kind']!r}, which does not fit the {method} method; "
            f"{method} indices need a {method} design (e.g. `{hint[method]}`) swept first"
        )
    missing = int(frame["runs"].isna().sum())
    if missing:
        raise ExperimentError(
            f"{name}: {missing} of {len(frame)} points have no stored results; "
            "finish the sweep first (detente sweep FILE --resume)"
        )
    chosen = outcomes or rec["outcomes"]
    for o in chosen:
        if o not in rec["outcomes"]:
            raise ExperimentError(
                f"--outcome: {name!r} has no outcome {o!r}; stored: {', '.join(rec['outcomes'])}"
            )
        undefined = int(frame[o].isna().sum())
        if undefined:
            raise ExperimentError(
                f"--outcome: {o!r} is undefined (not a finite number) at {undefined} of {len(frame)} points; "
                f"{method} indices need a value at every point: choose another outcome"
            )
    params = rec["parameters"]
    problem = salib_problem(params)
    rows = []
    for cell, sub in frame.groupby("cell", sort=False):
        sub = sub.sort_values("row")
        for o in chosen:
            y = sub[o].to_numpy(dtype=float)
            with warnings.catch_warnings(), np.errstate(all="ignore"):
                warnings.simplefilter("ignore")
                if method == "sobol":
                    rows += _sobol(problem, y, design, conf_level, num_resamples, seed, cell, o)
                else:
                    x = sub[[f"u_{p}" for p in params]].to_numpy(dtype=float)
                    rows += _morris(problem, x, y, design, conf_level, num_resamples, seed, cell, o)
    return pd.DataFrame(rows)


def outcome_warnings(y: np.ndarray, samples: int, method: str) -> list[str]:
    """Why indices of an outcome (values ``y`` in one cell, ``samples`` base samples) may not mean what they say."""
    out: list[str] = []
    if is_constant(y):
        undefined = "the indices are undefined" if method == "sobol" else "every effect is 0"
        out.append(
            f"constant ({float(y[0]):.4g} at all {len(y)} points): {undefined}" if len(y) else "no points"
        )
        return out
    values, counts = np.unique(y, return_counts=True)
    top = int(counts.max())
    if top >= NEAR_CONSTANT * len(y):
        value = float(values[counts.argmax()])
        out.append(
            f"near-constant ({top} of {len(y)} points give {value:.4g}): "
            f"the indices rest on the other {len(y) - top} points"
        )
    few, unit = (FEW_SOBOL, "base samples N") if method == "sobol" else (FEW_MORRIS, "trajectories")
    if samples < few:
        out.append(
            f"few samples ({samples} {unit}, fewer than {few}): the indices are unstable and even their "
            "bootstrap intervals are rough: read the intervals, not the point values, and sweep more samples"
        )
    return out


def is_constant(y: np.ndarray) -> bool:
    """Whether ``y`` takes one value (up to rounding): no variance to apportion."""
    return not len(y) or float(np.ptp(y)) <= 1e-12 * max(1.0, float(np.max(np.abs(y))))


def index_warnings(row: dict[str, Any]) -> list[str]:
    """Sobol' estimates that no true index can take (beyond their own interval): a sign of sampling error."""
    out = []
    for k in ("S1", "ST"):
        v, c = row[k], row[f"{k}_conf"]
        if np.isfinite(v) and np.isfinite(c) and (v + c < 0 or v - c > 1):
            out.append(f"{k} of {row['parameter']} = {v:.3g} ± {c:.2g} lies outside [0, 1]")
        if np.isfinite(c) and c > WIDE:
            out.append(f"{k} of {row['parameter']} has a wide interval (± {c:.2g})")
    if np.isfinite(row["S1"]) and row["S1"] - row["S1_conf"] > row["ST"] + row["ST_conf"]:
        out.append(f"S1 of {row['parameter']} exceeds its ST beyond both intervals")
    return out


def _attach(rows: list[dict[str, Any]], warnings_: list[str]) -> list[dict[str, Any]]:
    """The group's warnings (and, per row, index-level ones) as one ``warning`` text per row."""
    for r in rows:
        own = index_warnings(r) if "ST" in r else []
        r["warning"] = "; ".join([*warnings_, *own])
    return rows


def warning_lines(indices: Any) -> list[str]:
    """Distinct warnings of an indices table, one line per (cell, outcome) and problem."""
    seen: dict[str, None] = {}
    if "warning" not in getattr(indices, "columns", ()):
        return []
    for row in indices.itertuples(index=False):
        for w in filter(None, str(row.warning).split("; ")):
            seen[f"{row.outcome} ({row.cell}): {w}"] = None
    return list(seen)


def _interval(resamples: np.ndarray, value: float, half: float, conf: float) -> tuple[float, float]:
    """Percentile bootstrap interval of an index (falls back to value ± half-width without resamples)."""
    finite = resamples[np.isfinite(resamples)] if resamples is not None else np.empty(0)
    if finite.size >= 10:
        lo, hi = np.quantile(finite, [(1 - conf) / 2, (1 + conf) / 2])
        return float(lo), float(hi)
    return value - half, value + half


def _sobol(
    problem: dict[str, Any],
    y: np.ndarray,
    design: dict[str, Any],
    conf: float,
    resamples: int,
    seed: int,
    cell: str,
    outcome: str,
) -> list[dict[str, Any]]:
    from SALib.analyze import sobol

    d = problem["num_vars"]
    second = bool(design.get("calc_second_order", False))
    expected = design["n"] * (2 * d + 2 if second else d + 2)
    if len(y) != expected:
        raise ExperimentError(f"cell {cell}: {len(y)} points stored, a Sobol' design needs {expected}")
    warned = outcome_warnings(y, int(design["n"]), "sobol")
    nan = np.full(d, np.nan)
    if is_constant(y):
        si = {k: nan for k in ("S1", "S1_conf", "ST", "ST_conf")}
    else:
        si = sobol.analyze(
            problem,
            y,
            calc_second_order=second,
            num_resamples=resamples,
            conf_level=conf,
            seed=np.random.default_rng(seed),  # SALib ignores seed 0 (global RNG): a Generator never is
            keep_resamples=True,
        )
    rows = []
    for j, p in enumerate(problem["names"]):
        row: dict[str, Any] = {"cell": cell, "outcome": outcome, "parameter": p}
        for k in ("S1", "ST"):
            value, half = float(si[k][j]), float(si[f"{k}_conf"][j])
            boot = si.get(f"{k}_conf_all")
            lo, hi = _interval(None if boot is None else boot[:, j], value, half, conf)
            row.update({k: value, f"{k}_conf": half, f"{k}_low": lo, f"{k}_high": hi})
        rows.append(row)
    return _attach(rows, warned)


def _morris(
    problem: dict[str, Any],
    x: np.ndarray,
    y: np.ndarray,
    design: dict[str, Any],
    conf: float,
    resamples: int,
    seed: int,
    cell: str,
    outcome: str,
) -> list[dict[str, Any]]:
    from SALib.analyze import morris

    d = problem["num_vars"]
    expected = design["trajectories"] * (d + 1)
    if len(y) != expected:
        raise ExperimentError(f"cell {cell}: {len(y)} points stored, a Morris design needs {expected}")
    warned = outcome_warnings(y, int(design["trajectories"]), "morris")
    si = morris.analyze(
        problem, x, y, num_resamples=resamples, conf_level=conf, num_levels=design["levels"], seed=seed
    )
    rows = []
    for j, p in enumerate(problem["names"]):
        mu_star, half = float(si["mu_star"][j]), float(si["mu_star_conf"][j])
        rows.append(
            {
                "cell": cell,
                "outcome": outcome,
                "parameter": p,
                "mu_star": mu_star,
                "mu_star_conf": half,
                "mu_star_low": max(0.0, mu_star - half),
                "mu_star_high": mu_star + half,
                "mu": float(si["mu"][j]),
                "sigma": float(si["sigma"][j]),
            }
        )
    return _attach(rows, warned)


def plot(indices: Any, method: str, path: str | Path, title: str = "", field: str = "--plot") -> Path:
    """Bar chart of the indices with confidence intervals, one panel per (cell, outcome); PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    groups = list(indices.groupby(["cell", "outcome"], sort=False))[:12]
    fig, axes = plt.subplots(len(groups), 1, figsize=(8, 2.6 * len(groups) + 0.6), squeeze=False)
    for ax, ((cell, outcome), sub) in zip(axes[:, 0], groups, strict=False):
        x = np.arange(len(sub))
        if method == "sobol":
            ax.bar(x - 0.2, sub["S1"], 0.4, yerr=sub["S1_conf"], capsize=3, label="first order S1")
            ax.bar(x + 0.2, sub["ST"], 0.4, yerr=sub["ST_conf"], capsize=3, label="total order ST")
            low = np.asarray(sub["S1"], dtype=float)
            ax.set_ylim(min(0.0, float(low[np.isfinite(low)].min(initial=0.0))) - 0.05, 1.05)
            if not np.isfinite(low).any():
                ax.text(0.5, 0.5, "undefined: the outcome is constant", transform=ax.transAxes, ha="center")
        else:
            ax.bar(x, sub["mu_star"], 0.6, yerr=sub["mu_star_conf"], capsize=3, label="mu* (mean |effect|)")
            ax.plot(x, sub["sigma"], "o", color="black", label="sigma")
        ax.set_xticks(x, sub["parameter"], rotation=20, ha="right", fontsize=8)
        flagged = "warning" in sub.columns and any(sub["warning"].astype(str) != "")
        ax.set_title(f"{outcome} — {cell}{'  (see warnings)' if flagged else ''}", fontsize=9)
        ax.legend(fontsize=7, loc="upper right")
    if title:
        fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    from detente.report.outputs import write_file

    try:
        return write_file(path, lambda tmp: fig.savefig(tmp, dpi=110, format="png"), field)
    finally:
        plt.close(fig)
