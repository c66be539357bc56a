"""Rolling-origin backtest of the history forecasts against persistence and climatology (docs/history.md).

Origin Y (each labelled year that has a labelled year before it) knows the events up to 31 December of
Y - 1 and the labels of the years before Y, nothing else. At each origin: the calibration's posterior is
computed from the labels before Y only (``calibrate.posterior``: out of sample); ``draws`` parameter
points at its quantiles are replayed to the end of Y - 1; the ensemble is simulated forward without
events (``forecast``) and gives P(regime) in December of Y, Y + 1, ... (horizons 1..H); each forecast is
scored against that year's label with the rules of ``scoring`` (fixed before any fitting), as are the
persistence and climatology forecasts made at the same origin. Separately, the replay's own label of year
Y (with the events of Y, at the posterior mode fitted on the years before Y) is scored by agreement.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from detente.history import scoring
from detente.history.calibrate import Labels, grid_predictions, posterior
from detente.model.regime import REGIMES

FORECASTERS = ("model", "persistence", "climatology")


@dataclass
class Backtest:
    """Scored forecasts: one row per (origin, horizon) and one per origin for the replay's labels."""

    scenario: str
    horizon: int
    runs: int
    draws: int
    rows: list[dict[str, Any]]
    replay_rows: list[dict[str, Any]]
    posteriors: dict[int, dict[str, Any]]
    in_sample: list[dict[str, Any]] = field(default_factory=list)

    def frame(self) -> Any:
        """The scored forecasts as a pandas DataFrame."""
        import pandas as pd

        return pd.DataFrame(self.rows)

    def pooled(self, rows: list[dict[str, Any]] | None = None) -> dict[str, Any]:
        """Mean score of each forecaster over all (origin, horizon) pairs and per horizon, with skill."""
        rows = self.rows if rows is None else rows
        out: dict[str, Any] = {"n": len(rows)}
        for rule in scoring.RULES:
            mean = {
                f: float(np.mean([r[f"{f}_{rule}"] for r in rows])) if rows else float("nan")
                for f in FORECASTERS
            }
            out[rule] = {
                **mean,
                "skill_vs_persistence": scoring.skill(mean["model"], mean["persistence"]),
                "skill_vs_climatology": scoring.skill(mean["model"], mean["climatology"]),
            }
        return out

    def by_horizon(self) -> dict[int, dict[str, Any]]:
        """``pooled`` for each horizon separately."""
        return {h: self.pooled([r for r in self.rows if r["h"] == h]) for h in range(1, self.horizon + 1)}

    def by_origin(self) -> list[dict[str, Any]]:
        """Per origin: each forecaster's mean score over the horizons scored there."""
        out = []
        for y in sorted({r["origin"] for r in self.rows}):
            sub = [r for r in self.rows if r["origin"] == y]
            row: dict[str, Any] = {"origin": y, "n": len(sub)}
            for rule in scoring.RULES:
                for f in FORECASTERS:
                    row[f"{f}_{rule}"] = float(np.mean([r[f"{f}_{rule}"] for r in sub]))
            out.append(row)
        return out

    def agreement(self) -> dict[str, Any]:
        """Mean agreement of the replay's out-of-sample year labels and of the two baselines' labels."""
        rr = self.replay_rows
        return {
            "n": len(rr),
            **{
                f: float(np.mean([r[f"{f}_agreement"] for r in rr])) if rr else float("nan")
                for f in ("replay", "persistence", "climatology")
            },
        }

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready data: pooled (headline, out of sample), per horizon, per origin, rows, posteriors."""
        from detente.report.jsondata import plain

        return plain(
            {
                "scenario": self.scenario,
                "horizon_years": self.horizon,
                "runs": self.runs,
                "draws": self.draws,
                "rules": {
                    "scores": "brier (0..2), rps over frozen<tactical<strategic (0..1), "
                    f"log = -ln(max(p, {scoring.LOG_FLOOR})); lower is better",
                    "persistence": "last labelled year before the origin, probability 1",
                    "climatology": "label frequencies before the origin, add-one smoothing",
                },
                "pooled_out_of_sample": self.pooled(),
                "by_horizon": {str(h): v for h, v in self.by_horizon().items()},
                "by_origin": self.by_origin(),
                "replay_agreement": self.agreement(),
                "in_sample_pooled": self.pooled(self.in_sample) if self.in_sample else None,
                "rows": self.rows,
                "replay_rows": self.replay_rows,
                "posteriors": {str(k): v for k, v in self.posteriors.items()},
            }
        )


def _label_mode(before: np.ndarray) -> int:
    """Climatology's label: the most frequent regime before the origin (ties: the one seen last)."""
    counts = np.bincount(before, minlength=3)
    tied = np.flatnonzero(counts == counts.max())
    return int(next(r for r in before[::-1] if r in tied))


def backtest(
    scenario: Any,
    periods: Any,
    table: Any = None,
    horizon: int = 3,
    runs: int = 400,
    draws: int = 8,
    seed: int | None = None,
    gammas: np.ndarray | None = None,
    ps: np.ndarray | None = None,
    extra: dict[str, list[float]] | None = None,
    types: str | None = "from_trust",
    in_sample: bool = False,
    progress: Callable[[int, int], None] | None = None,
    origins: list[int] | None = None,
) -> Backtest:
    """Rolling-origin backtest (module docstring) of ``scenario``'s record against the labelled ``periods``."""
    from detente.errors import DetenteError
    from detente.history.assimilate import history_of, prepare, replay
    from detente.history.forecast import ensemble, forecast_base

    hist = history_of(scenario)
    seed = scenario.seed if seed is None else seed
    labels = Labels.from_periods(periods)
    keep = np.array([f"{y}-12" >= hist.start[:7] for y in labels.years], dtype=bool)
    labels = Labels(labels.years[keep], labels.main[keep], labels.alt[keep])
    if len(labels.years) < 2:
        raise DetenteError("backtest: needs at least two labelled years inside the replay window")
    until = f"{int(labels.years.max())}-12-31"
    pred, axes, names = grid_predictions(scenario, labels, table, gammas, ps, extra, until)
    S = labels.score(pred)
    extra_names = names[: len(names) - 3]
    setups: dict[str, Any] = {}

    def start_trust(d: dict[str, float], year: int) -> tuple[np.ndarray, np.ndarray, dict[str, Any]]:
        over = {k: d[k] for k in extra_names}
        key = repr(sorted(over.items()))
        sc = scenario.apply(over) if over else scenario
        if key not in setups:
            setups[key] = prepare(sc, table, until=until)
        st = setups[key]
        p_start = {k.split(".", 1)[1]: v for k, v in d.items() if k.startswith("p_start.")}
        rep = replay(sc, setup=st, gamma=d["gamma"], p_start=p_start)
        m = st.months.index(f"{year - 1}-12")
        return rep.p[:, m], st.h[:, m], over

    last = int(labels.years.max())
    usable = [int(y) for y in labels.years[1:] if (y - 1) in labels.years]
    origins = usable if origins is None else [y for y in usable if y in set(origins)]
    full_post = posterior(S, axes, names) if in_sample else None
    rows, replay_rows, posts, ins = [], [], {}, []
    for n_done, Y in enumerate(origins):
        before = labels.years < Y
        post = posterior(S, axes, names, use=before)
        posts[Y] = post.summary()
        H = min(horizon, last - Y + 1)
        months = [12 * h - 1 for h in range(1, H + 1)]
        prev = labels.main[before]

        def model_prob(p: Any, Y: int = Y, H: int = H, months: list[int] = months) -> np.ndarray:
            got = [start_trust(d, Y) for d in p.draws(draws)]
            base = forecast_base(scenario, f"{Y}-01", 12 * H, got[0][1], types)
            prob, _ = ensemble(base, [g[0] for g in got], runs, seed + Y, months, [g[2] for g in got])
            return prob

        prob = model_prob(post)
        prob_in = model_prob(full_post) if full_post is not None else None
        pers = scoring.persistence(int(prev[-1]))
        clim = scoring.climatology(prev)
        for h in range(1, H + 1):
            target = Y + h - 1
            i = int(np.flatnonzero(labels.years == target)[0])
            out = int(labels.main[i])
            row: dict[str, Any] = {"origin": Y, "h": h, "year": target, "label": REGIMES[out]}
            for f, p in (("model", prob[h - 1]), ("persistence", pers), ("climatology", clim)):
                row.update({f"{f}_p_{n}": float(p[r]) for r, n in enumerate(REGIMES)})
                row.update({f"{f}_{k}": float(v) for k, v in scoring.scores(p, out).items()})
            rows.append(row)
            if prob_in is not None:
                ins.append(
                    {
                        **row,
                        **{f"model_p_{n}": float(prob_in[h - 1, r]) for r, n in enumerate(REGIMES)},
                        **{f"model_{k}": float(v) for k, v in scoring.scores(prob_in[h - 1], out).items()},
                    }
                )
        i = int(np.flatnonzero(labels.years == Y)[0])
        idx = tuple(int(np.flatnonzero(axes[d] == v)[0]) for d, v in enumerate(post.mode().values()))
        guess = {"replay": int(pred[idx][i]), "persistence": int(prev[-1]), "climatology": _label_mode(prev)}
        replay_rows.append(
            {
                "year": Y,
                "label": REGIMES[labels.main[i]],
                "alt": REGIMES[labels.alt[i]] if labels.alt[i] >= 0 else None,
                **{f"{f}_label": REGIMES[g] for f, g in guess.items()},
                **{
                    f"{f}_agreement": float(scoring.agreement(g, labels.main[i], labels.alt[i]))
                    for f, g in guess.items()
                },
            }
        )
        if progress is not None:
            progress(n_done + 1, len(origins))
    return Backtest(scenario.name, horizon, runs, draws, rows, replay_rows, posts, ins)
