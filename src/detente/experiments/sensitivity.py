"""Sensitivity indices from stored results (SALib): Sobol' first/total order, Morris mu*/sigma; no re-running.

Each cell (world × crossed conditions) is analysed on its own, since the design is replicated per cell.
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
    if np.ptp(y) == 0:
        si = {k: np.full(d, np.nan) for k in ("S1", "S1_conf", "ST", "ST_conf")}
    else:
        si = sobol.analyze(
            problem, y, calc_second_order=second, num_resamples=resamples, conf_level=conf, seed=seed
        )
    return [
        {
            "cell": cell,
            "outcome": outcome,
            "parameter": p,
            "S1": float(si["S1"][j]),
            "S1_conf": float(si["S1_conf"][j]),
            "ST": float(si["ST"][j]),
            "ST_conf": float(si["ST_conf"][j]),
        }
        for j, p in enumerate(problem["names"])
    ]


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
    si = morris.analyze(
        problem, x, y, num_resamples=resamples, conf_level=conf, num_levels=design["levels"], seed=seed
    )
    return [
        {
            "cell": cell,
            "outcome": outcome,
            "parameter": p,
            "mu_star": float(si["mu_star"][j]),
            "mu_star_conf": float(si["mu_star_conf"][j]),
            "mu": float(si["mu"][j]),
            "sigma": float(si["sigma"][j]),
        }
        for j, p in enumerate(problem["names"])
    ]


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
        else:
            ax.bar(x, sub["mu_star"], 0.6, yerr=sub["mu_star_conf"], capsize=3, label="mu* (mean |effect|)")
            ax.plot(x, sub["sigma"], "o", color="black", label="sigma")
        ax.set_xticks(x, sub["parameter"], rotation=20, ha="right", fontsize=8)
        ax.set_title(f"{outcome} — {cell}", fontsize=9)
        ax.legend(fontsize=7, loc="upper right")
    if title:
        fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    from detente.report.outputs import write_file

    try:
        return write_file(path, lambda tmp: fig.savefig(tmp, dpi=110, format="png"), field)
    finally:
        plt.close(fig)
