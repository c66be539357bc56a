"""Simulation results: per-month aggregates, per-run summaries, Monte Carlo errors, table conversions."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from detente.analysis import mcse
from detente.analysis.mcse import share_se
from detente.engine.chunk import TRUST_BINS, ChunkOut, Provenance
from detente.engine.compile import Compiled
from detente.model.regime import REGIMES
from detente.scenario.schema import Scenario, month_label

QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)
MONTH_SUMMARIES = ("first_strategic", "durable_month", "joined_month")
"""Per-run summaries that are month indices (−1 = never)."""
AT_BOUND = 1e-12
"""A run's trust is at a bound when its final log-odds is within this relative distance of ±L_max."""


def at_bound(p: float) -> bool:
    """Whether a share is exactly 0 or 1 (its error is then the bound of ``share_se``)."""
    return p <= 0.0 or p >= 1.0


def month_starts(start: str, months: Any) -> np.ndarray:
    """Month indices after ``start`` (−1 = never) as datetime64[ns] month starts, NaT where never."""
    v = np.asarray(months, dtype=np.int64)
    out = (np.datetime64(start[:7], "M") + np.maximum(v, 0)).astype("datetime64[ns]")
    out[v < 0] = np.datetime64("NaT")
    return out


def month_index(months: Any) -> Any:
    """Month indices with −1 (never) as pandas NA (nullable Int64)."""
    import pandas as pd

    v = np.asarray(months, dtype=np.int64)
    return pd.arrays.IntegerArray(np.where(v >= 0, v, 0), v < 0)


def hist_quantiles(hist: np.ndarray, qs: tuple[float, ...] = QUANTILES) -> np.ndarray:
    """Quantiles of p from histograms over equal p-bins (last axis), interpolating inside bins."""
    bins = hist.shape[-1]
    cum = np.cumsum(hist, axis=-1)
    total = cum[..., -1:]
    out = np.empty((len(qs), *hist.shape[:-1]))
    for i, q in enumerate(qs):
        target = q * total
        idx = np.minimum((cum < target).sum(axis=-1, keepdims=True), bins - 1)
        below = np.take_along_axis(cum, idx, -1) - np.take_along_axis(hist, idx, -1)
        inside = np.take_along_axis(hist, idx, -1)
        frac = np.where(inside > 0, (target - below) / np.maximum(inside, 1), 0.5)
        out[i] = ((idx + np.clip(frac, 0, 1)) / bins)[..., 0]
    return out


@dataclass
class Aggregates:
    """Per-month ensemble aggregates (derived from streamed counts)."""

    months: list[str]
    regime_prob: np.ndarray  # (3, T)
    issue_open: np.ndarray  # (K, T)
    mutual_coop: np.ndarray  # (K, T)
    trust_quantiles: np.ndarray  # (2, 5, T)
    trust_mean: np.ndarray  # (2, T), from the histogram (bin centres)
    ci: np.ndarray  # (T,) mean cooperation index (a drawn weight omega enters at its mean; per-run mean_ci uses each run's own)
    runs: int


class SimulationResult:
    """An ensemble of runs of one scenario cell: aggregates, run summaries, provenance."""

    def __init__(
        self,
        scenario: Scenario,
        compiled: Compiled,
        totals: ChunkOut,
        summaries: dict[str, np.ndarray],
        paths: dict[str, np.ndarray] | None,
        provenance: Provenance,
    ) -> None:
        self.scenario = scenario
        self.compiled = compiled
        self.structure = compiled.structure
        self.totals = totals
        self.summaries = summaries
        self.paths = paths
        self.provenance = provenance
        self.aggregates = self._aggregates()

    @property
    def n_runs(self) -> int:
        """Number of runs."""
        return int(self.provenance.runs)

    def _aggregates(self) -> Aggregates:
        st, tot, n = self.structure, self.totals, self.provenance.runs
        omega = np.array([self._fixed(self.scenario.issues[i].omega) for i in st.issues])
        centres = (np.arange(TRUST_BINS) + 0.5) / TRUST_BINS
        return Aggregates(
            months=[month_label(st.start, t) for t in range(st.horizon)],
            regime_prob=tot.regime_counts / n,
            issue_open=tot.open_counts / n,
            mutual_coop=tot.mutual_counts / n,
            trust_quantiles=np.moveaxis(hist_quantiles(tot.trust_hist), 0, 1),
            trust_mean=(tot.trust_hist * centres).sum(-1) / n,
            ci=(omega[:, None] * tot.mutual_counts).sum(0) / (omega.sum() * n),
            runs=n,
        )

    @staticmethod
    def _fixed(value: Any) -> float:
        return (
            float(value)
            if isinstance(value, int | float)
            else float(np.mean(value.ppf(np.linspace(0.005, 0.995, 199))))
        )

    def final_trust(self) -> np.ndarray:
        """(runs, 2) trust p at the horizon."""
        return 1 / (1 + np.exp(-self.summaries["final_L"]))

    def summary(self) -> dict[str, Any]:
        """Headline figures with Monte Carlo standard errors (se_*).

        Trust at the horizon is often bimodal and clipped at ±L_max, so besides the median each side gets
        P(trust > ½) and the shares of runs at the upper and lower bound (``p_trust_above_half_<side>``,
        ``p_trust_upper_<side>``, ``p_trust_lower_<side>``); their errors (``share_se``) are never
        zero-width at 0 or 1. With a ``joined_month`` summary, ``p_joined_<side>`` is the share that joined.
        """
        cached = getattr(self, "_summary", None)
        if cached is not None:
            return dict(cached)
        n, s, T = self.n_runs, self.summaries, self.structure.horizon
        out: dict[str, Any] = {"runs": n}

        def share(name: str, values: np.ndarray, se: Any = mcse.proportion_se) -> None:
            p = float(np.mean(values))
            out[name], out[f"se_{name}"] = p, se(p, n)

        share("p_strategic_end", s["final_regime"] == 0)
        share("p_tactical_end", s["final_regime"] == 1)
        share("p_frozen_end", s["final_regime"] == 2)
        share("p_durable", s["durable_month"] >= 0)
        share("p_ever_strategic", s["first_strategic"] >= 0)
        ci = s["ci_sum"] / T
        out["mean_ci"] = float(ci.mean())
        out["se_mean_ci"] = mcse.mean_se(ci)
        trust = self.final_trust()
        for i, side in enumerate(self.structure.sides):
            out[f"median_trust_{side}"] = float(np.median(trust[:, i]))
            out[f"se_median_trust_{side}"] = mcse.median_se(trust[:, i])
        out["mean_months_strategic"] = float(s["months_strategic"].mean())
        for name in self._bound_shares():
            share(name, self.per_run(name), share_se)
        self._summary = out
        return dict(out)

    def _bound_shares(self) -> list[str]:
        """Names of the trust-bound and joining shares (errors by ``share_se``)."""
        names = [
            f"p_trust_{what}_{side}"
            for side in self.structure.sides
            for what in ("above_half", "upper", "lower")
        ]
        if "joined_month" in self.summaries:
            names += [f"p_joined_{side}" for side in self.structure.sides]
        return names

    def l_max(self) -> float:
        """The log-odds clip of trust (the scenario's ``L_max``)."""
        scenario = getattr(self, "scenario", None)
        return float(scenario.L_max if scenario is not None else Scenario.model_fields["L_max"].default)

    def per_run(self, outcome: str) -> np.ndarray | None:
        """Each run's value of a summary figure that is a mean over runs (its mean is the figure), in run
        order; None for figures that are not means (medians). Used to pair runs across cells."""
        s, sides = self.summaries, self.structure.sides
        order = np.argsort(s["run"], kind="stable") if "run" in s else slice(None)
        simple = {
            "p_strategic_end": lambda: s["final_regime"] == 0,
            "p_tactical_end": lambda: s["final_regime"] == 1,
            "p_frozen_end": lambda: s["final_regime"] == 2,
            "p_durable": lambda: s["durable_month"] >= 0,
            "p_ever_strategic": lambda: s["first_strategic"] >= 0,
            "mean_ci": lambda: s["ci_sum"] / self.structure.horizon,
            "mean_months_strategic": lambda: s["months_strategic"],
        }
        if outcome in simple:
            return np.asarray(simple[outcome](), dtype=float)[order]
        for i, side in enumerate(sides):
            L, edge = s["final_L"][:, i], self.l_max() * (1 - AT_BOUND)
            bound = {
                f"p_trust_above_half_{side}": lambda L=L: L > 0,
                f"p_trust_upper_{side}": lambda L=L, edge=edge: edge <= L,
                f"p_trust_lower_{side}": lambda L=L, edge=edge: -edge >= L,
            }
            if outcome in bound:
                return np.asarray(bound[outcome](), dtype=float)[order]
            if outcome == f"p_joined_{side}" and "joined_month" in s:
                return np.asarray(s["joined_month"][:, i] >= 0, dtype=float)[order]
        return None

    def headline(self) -> str:
        """One line: P(durable partnership) with its Monte Carlo error."""
        s = self.summary()
        return f"P(durable) {s['p_durable']:.3f} ± {share_se(s['p_durable'], s['runs']):.3f}"

    def __repr__(self) -> str:
        prov = self.provenance
        conds = " + ".join(prov.conditions) or "status quo"
        return (
            f"<SimulationResult {self.scenario.name}: world {prov.world or 'base'}, {conds}; "
            f"{prov.runs:,} runs, seed {prov.seed}; {self.headline()}>"
        )

    def _repr_html_(self) -> str:
        """A small HTML table of the headline figures (for notebooks)."""
        from html import escape

        s, prov = self.summary(), self.provenance
        rows = [
            ("P(durable partnership)", "p_durable"),
            ("P(strategic at horizon)", "p_strategic_end"),
            ("mean cooperation index", "mean_ci"),
        ]
        for side in self.structure.sides:
            rows += [
                (f"P(trust of {side} > ½)", f"p_trust_above_half_{side}"),
                (f"share of {side} at the upper bound", f"p_trust_upper_{side}"),
                (f"share of {side} at the lower bound", f"p_trust_lower_{side}"),
            ]
        body = "".join(
            f"<tr><td>{escape(label)}</td><td>{s[key]:.3f}</td><td>{s[f'se_{key}']:.3f}</td></tr>"
            for label, key in rows
        )
        caption = escape(
            f"{self.scenario.name}: world {prov.world or 'base'}, "
            f"{' + '.join(prov.conditions) or 'status quo'} ({prov.runs:,} runs, seed {prov.seed})"
        )
        return (
            f"<table><caption>{caption}</caption><tr><th>figure</th><th>value</th><th>± s.e.</th></tr>"
            f"{body}</table>"
        )

    def to_dict(self) -> dict[str, Any]:
        """Summary and provenance as strict-JSON-ready data (an undefined value is None, never NaN)."""
        from detente.report.jsondata import plain

        return plain(
            {
                "summary": self.summary(),
                "provenance": {"scenario": self.scenario.name, **vars(self.provenance)},
            }
        )

    def runs_frame(self) -> Any:
        """Per-run summaries as a pandas DataFrame (one row per run).

        Month columns (``first_strategic``, ``durable_month``, ``joined_month_<side>``) are month indices
        as nullable Int64 with NA for never, each with a ``*_date`` twin as datetime64[ns] (month start).
        """
        import pandas as pd

        s, sides, start = self.summaries, self.structure.sides, self.structure.start
        trust = self.final_trust()
        cols: dict[str, Any] = {}
        for k, v in s.items():
            if k in ("final_L", "type_benign", "ci_sum", "final_regime"):
                continue
            parts = (
                [(k, v)] if np.ndim(v) == 1 else [(f"{k}_{side}", v[:, i]) for i, side in enumerate(sides)]
            )
            for name, col in parts:
                if k in MONTH_SUMMARIES:
                    cols[name] = month_index(col)
                    date = name.replace("_month", "_date") if "_month" in name else f"{name}_date"
                    cols[date] = month_starts(start, col)
                else:
                    cols[name] = col
        cols["mean_ci"] = s["ci_sum"] / self.structure.horizon
        cols["final_regime"] = np.asarray(REGIMES)[s["final_regime"]]
        cols["durable"] = s["durable_month"] >= 0
        for i, side in enumerate(sides):
            cols[f"final_trust_{side}"] = trust[:, i]
            cols[f"benign_{side}"] = s["type_benign"][:, i]
        return pd.DataFrame(cols)

    @property
    def runs(self) -> Any:
        """Per-run summaries as a pandas DataFrame."""
        return self.runs_frame()

    def to_pandas(self, kind: str = "months") -> Any:
        """A pandas DataFrame: ``kind='months'`` (one row per month) or ``'runs'`` (one row per run)."""
        import pandas as pd

        if kind == "runs":
            return self.runs_frame()
        ag, st = self.aggregates, self.structure
        cols: dict[str, Any] = {"month": month_starts(st.start, np.arange(len(ag.months)))}
        for r, name in enumerate(REGIMES):
            cols[f"p_{name}"] = ag.regime_prob[r]
        cols["mean_ci"] = ag.ci
        for i, side in enumerate(st.sides):
            for q, qv in enumerate(QUANTILES):
                cols[f"trust_{side}_q{int(qv * 100):02d}"] = ag.trust_quantiles[i, q]
        for k, issue in enumerate(st.issues):
            cols[f"open_{issue}"] = ag.issue_open[k]
        return pd.DataFrame(cols)

    def to_polars(self, kind: str = "months") -> Any:
        """A polars DataFrame (see ``to_pandas``)."""
        import polars as pl

        return pl.from_pandas(self.to_pandas(kind))

    def to_xarray(self) -> Any:
        """An xarray Dataset with dims month, regime, side, quantile, issue."""
        import pandas as pd
        import xarray as xr

        ag, st = self.aggregates, self.structure
        month = pd.PeriodIndex(ag.months, freq="M").to_timestamp()
        return xr.Dataset(
            {
                "regime_prob": (("regime", "month"), ag.regime_prob),
                "trust_quantile": (("side", "quantile", "month"), ag.trust_quantiles),
                "trust_mean": (("side", "month"), ag.trust_mean),
                "issue_open": (("issue", "month"), ag.issue_open),
                "mutual_coop": (("issue", "month"), ag.mutual_coop),
                "ci": (("month",), ag.ci),
            },
            coords={
                "month": month,
                "regime": list(REGIMES),
                "side": list(st.sides),
                "quantile": list(QUANTILES),
                "issue": list(st.issues),
            },
            attrs={"scenario": self.scenario.name, "runs": ag.runs, "seed": self.provenance.seed},
        )

    def plot(self, title: str | None = None) -> Any:
        """A matplotlib figure: regime probabilities over time and trust fan charts."""
        from detente.report.plots import result_figure

        return result_figure(self, title=title)
