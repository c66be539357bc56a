"""Stored results of one experiment as an object: tables (pandas, polars), a plot, a short repr for notebooks.

Everything is read from the results store; nothing is re-run. Per-run tables are read only when asked.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

KINDS = ("points", "runs", "sweeps")
_NEVER_MONTHS = ("first_strategic", "durable_month")
"""Per-run month-index columns of older stores, where −1 meant never (now NA)."""
MAX_PANELS = 12
"""Most parameter panels ``plot`` draws by default."""


@dataclass(frozen=True, repr=False)
class ExperimentResults:
    """One stored experiment: its record (design, parameters, outcomes) and one row per finished point."""

    name: str
    store: Path
    record: dict[str, Any]
    points: Any = field(compare=False)

    @property
    def parameters(self) -> list[str]:
        """The varied inputs (columns of the points table)."""
        return list(self.record["parameters"])

    @property
    def outcomes(self) -> list[str]:
        """The stored outcomes (columns of the points table)."""
        return list(self.record["outcomes"])

    @property
    def design(self) -> str:
        """The design kind (lhs, sobol, morris, full_factorial, ...)."""
        return str(self.record["design"])

    @property
    def runs(self) -> int:
        """Runs per point."""
        return int(self.record["runs"])

    @property
    def n_points(self) -> int:
        """Points of the design (finished or not)."""
        return int(self.record["n_points"])

    def __len__(self) -> int:
        return len(self.points)

    def to_pandas(self, kind: str = "points") -> Any:
        """A pandas DataFrame: ``points`` (one row per finished point), ``runs`` (per-run tables, if stored)
        or ``sweeps`` (the sweep log)."""
        if kind == "points":
            return self.points.copy()
        if kind not in KINDS:
            from detente.errors import ExperimentError

            raise ExperimentError(f"kind: expected one of {', '.join(KINDS)}, got {kind!r}")
        from detente.experiments.store import Store

        with Store(self.store, read_only=True) as st:
            frame = st.per_run(self.name) if kind == "runs" else st.sweeps(self.name)
        return never_as_na(frame) if kind == "runs" else frame

    def to_polars(self, kind: str = "points") -> Any:
        """``to_pandas(kind)`` as a polars DataFrame."""
        import polars as pl

        return pl.from_pandas(self.to_pandas(kind))

    def plot(self, outcome: str | None = None, parameters: list[str] | None = None) -> Any:
        """A matplotlib figure of ``outcome`` (default: the first) at every point: one panel per parameter,
        coloured by cell; without parameters, one bar per cell (its mean over the points)."""
        import matplotlib.pyplot as plt

        from detente.errors import ExperimentError

        outcome = outcome or self.outcomes[0]
        if outcome not in self.points.columns:
            raise ExperimentError(f"outcome: {outcome!r} is not stored; stored: {', '.join(self.outcomes)}")
        shown = list(parameters) if parameters is not None else self.parameters[:MAX_PANELS]
        unknown = [p for p in shown if p not in self.parameters]
        if unknown:
            raise ExperimentError(
                f"parameters: not varied in {self.name}: {', '.join(unknown)}; varied: {', '.join(self.parameters)}"
            )
        frame = self.points
        cells = list(dict.fromkeys(frame["cell"].astype(str))) if "cell" in frame.columns else ["all"]
        if not shown:
            fig, ax = plt.subplots(figsize=(max(4.0, 0.6 * len(cells) + 2), 3.5), layout="constrained")
            means = frame.groupby(frame["cell"].astype(str), sort=False)[outcome].mean()
            ax.bar(range(len(means)), means.to_numpy())
            ax.set_xticks(range(len(means)), list(means.index), rotation=45, ha="right")
            ax.set_ylabel(outcome)
            ax.set_title(f"{self.name}: {outcome} per cell")
            return fig
        cols = min(4, len(shown))
        rows = -(-len(shown) // cols)
        fig, axes = plt.subplots(
            rows, cols, figsize=(3.2 * cols, 2.6 * rows), squeeze=False, sharey=True, layout="constrained"
        )
        for ax, param in zip(axes.flat, shown, strict=False):
            for cell in cells:
                part = frame if cell == "all" else frame[frame["cell"].astype(str) == cell]
                ax.scatter(part[param], part[outcome], s=8, alpha=0.7, label=cell)
            ax.set_xlabel(param)
        for ax in axes[:, 0]:
            ax.set_ylabel(outcome)
        for ax in list(axes.flat)[len(shown) :]:
            ax.set_visible(False)
        if 1 < len(cells) <= 16:
            fig.legend(*axes.flat[0].get_legend_handles_labels(), loc="outside right upper", fontsize="small")
        fig.suptitle(f"{self.name}: {outcome} at each point ({self.runs:,} runs per point)")
        return fig

    def _header(self) -> str:
        outs = ", ".join(self.outcomes[:4]) + (", ..." if len(self.outcomes) > 4 else "")
        return (
            f"{self.name}: {len(self)} of {self.n_points} points, {self.design} design, "
            f"{len(self.parameters)} parameters, outcomes {outs}; {self.runs:,} runs per point"
        )

    def __repr__(self) -> str:
        return f"<ExperimentResults {self._header()}; store {self.store}>"

    def _repr_html_(self) -> str:
        """The header and the first rows of the points table (for notebooks)."""
        from html import escape

        shown = self.points.drop(columns=["cell_key"], errors="ignore")
        return (
            f"<p><b>{escape(self.name)}</b>: {escape(self._header().split(': ', 1)[1])}; "
            f"store <code>{escape(str(self.store))}</code></p>"
            + shown.to_html(max_rows=10, max_cols=16, index=False, na_rep="NA")
        )


def never_as_na(frame: Any) -> Any:
    """Month-index columns of per-run tables with −1 (never, in older stores) as nullable NA."""
    import numpy as np

    for col in frame.columns:
        month = col in _NEVER_MONTHS or str(col).startswith("joined_month")
        kind = frame[col].dtype
        if month and isinstance(kind, np.dtype) and kind.kind in "iu":
            frame[col] = frame[col].where(frame[col] >= 0).astype("Int64")
    return frame


def sweep_results(name: str, store: str | Path | None = None, complete: bool = True) -> ExperimentResults:
    """The stored results of experiment ``name`` (``store`` defaults to detente's own store); nothing is re-run."""
    from detente.experiments.store import Store

    with Store(store, read_only=True) as st:
        record = st.experiment_record(name)
        points = st.results(name, complete=complete)
        path = st.path
    keep = ("name", "model", "design", "parameters", "outcomes", "n_points", "runs", "seed")
    return ExperimentResults(name, path, {k: record[k] for k in keep if k in record}, points)
