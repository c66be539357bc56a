"""Simulation results: per-month aggregates, per-run summaries, Monte Carlo errors, table conversions."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from detente.analysis import mcse
from detente.engine.chunk import TRUST_BINS, ChunkOut, Provenance
from detente.engine.compile import Compiled
from detente.model.regime import REGIMES
from detente.scenario.schema import Scenario, month_label

QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)


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
        """Headline figures with Monte Carlo standard errors (se_*)."""
        n, s, T = self.n_runs, self.summaries, self.structure.horizon
        out: dict[str, Any] = {"runs": n}

        def share(name: str, values: np.ndarray) -> None:
            p = float(np.mean(values))
            out[name], out[f"se_{name}"] = p, mcse.proportion_se(p, n)

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
        return out

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
        """Per-run summaries as a pandas DataFrame (one row per run)."""
        import pandas as pd

        s, sides = self.summaries, self.structure.sides
        trust = self.final_trust()
        cols: dict[str, Any] = {
            k: v for k, v in s.items() if k not in ("final_L", "type_benign", "ci_sum", "final_regime")
        }
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
        cols: dict[str, Any] = {"month": ag.months}
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
