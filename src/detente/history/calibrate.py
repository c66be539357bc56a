"""Calibration of gamma and the starting beliefs on the labelled years (model.md §4).

For every point of a grid over (gamma, p_start of each side) the record is replayed; each labelled year
gets the regime its months' beliefs imply under the history's payoffs (``history.regime_at``), scored 1
if it matches the label, 1/2 if it matches ``alt_regime``, else 0. The fit maximises the total score;
ties (the score is a step function) are broken by taking the tied point nearest the centroid of the tied
set. Uncertainty: the profile (range of each parameter over the maximal set) and a bootstrap over years
(percentile interval of the refitted values). Leave-one-year-out agreement gives an out-of-sample check.
Nothing is tuned per event: the only free numbers are gamma and two starting beliefs (and, if asked, other
scenario parameters given as dotted paths with a grid of values).

``posterior`` turns the same grid into a posterior: each year's label is the model's regime with
probability 1 - eps and either of the two others with eps/2 (eps, the label noise, uniform on 0..2/3,
where a label becomes independent of the model, and integrated out; n, the agreement total, counts an
alternative reading as half); the prior is uniform over the grid. A parameter whose marginal posterior stays within total variation
``UNIDENTIFIED_TV`` of its prior is reported as not identified, with its admissible range, never with a
standard error.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from detente.history.assimilate import Setup, prepare, replay_log_odds
from detente.history.context import side_clears
from detente.history.events import EventTable, Periods
from detente.model.regime import REGIMES

LABEL_TO_REGIME = {
    "strategic_partnership_attempt": 0,
    "limited_tactical": 1,
    "adversarial": 2,
    "confrontation_war": 2,
}
GAMMA_GRID = np.round(np.arange(0.0, 0.5001, 0.01), 6)
P_GRID = np.round(np.arange(0.02, 0.9801, 0.04), 6)
UNIDENTIFIED_TV = 0.05


@dataclass(frozen=True)
class Labels:
    """Labelled years as model regimes: main (int) and alternative (int, -1 if none)."""

    years: np.ndarray
    main: np.ndarray
    alt: np.ndarray

    @classmethod
    def from_periods(cls, periods: Periods) -> Labels:
        """Map the record's four labels onto the model's three regimes."""
        main = np.array([LABEL_TO_REGIME[r] for r in periods.regime])
        alt = np.array([LABEL_TO_REGIME[a] if a else -1 for a in periods.alt_regime])
        return cls(periods.year.copy(), main, alt)

    def score(self, pred: np.ndarray) -> np.ndarray:
        """Per-year score of predicted regimes (..., Y): 1 main, 0.5 alternative, else 0."""
        pred = np.asarray(pred)
        return np.where(pred == self.main, 1.0, np.where((pred == self.alt) & (self.alt >= 0), 0.5, 0.0))


def year_months(months: list[str], years: np.ndarray, rule: str) -> list[np.ndarray]:
    """Indices of the months that stand for each labelled year under ``rule``."""
    out = []
    for y in years:
        idx = np.array([i for i, m in enumerate(months) if int(m[:4]) == y], dtype=int)
        if rule == "mid-year":
            idx = idx[[int(m[5:7]) == 7 for m in np.array(months)[idx]]] if len(idx) else idx
        elif rule == "year-end":
            idx = idx[-1:]
        out.append(idx)
    return out


def yearly_regime(regime: np.ndarray, groups: list[np.ndarray]) -> np.ndarray:
    """The modal regime of each year's months (..., Y); ties go to the regime seen latest in the year."""
    out = np.full((*regime.shape[:-1], len(groups)), -1, dtype=np.int8)
    for y, idx in enumerate(groups):
        if len(idx) == 0:
            continue
        sub = regime[..., idx]
        pos = np.arange(1, len(idx) + 1)
        key = np.stack([(sub == r).sum(-1) * 100 + ((sub == r) * pos).max(-1) for r in range(3)], axis=-1)
        out[..., y] = key.argmax(-1)
    return out


@dataclass
class Fit:
    """Result of a calibration."""

    sides: tuple[str, str]
    years: np.ndarray
    labels: Labels
    gamma_grid: np.ndarray
    p_grid: np.ndarray
    gamma: float
    p_start: dict[str, float]
    agreement: float  # mean score over the labelled years
    score: np.ndarray  # per-year score at the fit
    predicted: np.ndarray  # per-year regime at the fit
    profile_gamma: np.ndarray  # best agreement at each gamma
    maximal_set: dict[str, tuple[float, float]]  # range of each parameter over the maximal set
    bootstrap: dict[str, tuple[float, float]]  # 95% percentile interval over years
    bootstrap_se: dict[str, float]
    loo_agreement: float
    baselines: dict[str, dict[str, float]]
    confusion: np.ndarray  # (3 label regimes, 3 predicted regimes)
    n_boot: int
    rule: str
    final_trust: dict[str, dict[str, Any]]  # trust on the target date at the fit, with bootstrap interval
    until: str
    extra: dict[str, Any] = field(default_factory=dict)
    posterior: Posterior | None = None

    def interval(self, name: str) -> tuple[float, float]:
        """The reported uncertainty of a fitted value: the union of its maximal-set range and bootstrap interval."""
        a, b = self.maximal_set[name], self.bootstrap[name]
        return min(a[0], b[0]), max(a[1], b[1])

    def summary(self) -> dict[str, Any]:
        """JSON-ready summary."""
        names = ["gamma", *(f"p_start.{s}" for s in self.sides)]
        return {
            "agreement": self.agreement,
            "agreement_loo": self.loo_agreement,
            "years": [int(y) for y in self.years],
            "rule": self.rule,
            "fitted": {n: self._fitted(n) for n in names},
            "posterior": self.posterior.summary() if self.posterior is not None else None,
            "baselines": self.baselines,
            "per_year": [
                {
                    "year": int(y),
                    "label": REGIMES[m],
                    "alt": REGIMES[a] if a >= 0 else None,
                    "predicted": REGIMES[p],
                    "score": float(s),
                }
                for y, m, a, p, s in zip(
                    self.years, self.labels.main, self.labels.alt, self.predicted, self.score, strict=True
                )
            ],
            "confusion": {
                "rows_label": list(REGIMES),
                "cols_predicted": list(REGIMES),
                "counts": self.confusion.astype(int).tolist(),
            },
            "n_bootstrap": self.n_boot,
            "agreement_from_second": self.extra.get("model_agreement_from_second"),
            "starting_trust": {"date": self.until, **self.final_trust},
        }

    def identified(self, name: str) -> bool:
        """Whether the labels identify the parameter (see ``Posterior.identified``)."""
        return self.posterior is None or self.posterior.identified(name)

    def _fitted(self, name: str) -> dict[str, Any]:
        """A fitted value with its uncertainty; an unidentified one gets its admissible range, no s.e."""
        out = {
            "value": self.value(name),
            "identified": self.identified(name),
            "maximal_set": list(self.maximal_set[name]),
            "bootstrap_95": list(self.bootstrap[name]),
            "bootstrap_se": self.bootstrap_se[name],
        }
        if not out["identified"]:
            grid = self.gamma_grid if name == "gamma" else self.p_grid
            out.update(
                admissible_range=[float(grid.min()), float(grid.max())], bootstrap_95=None, bootstrap_se=None
            )
        return out

    def value(self, name: str) -> float:
        """Fitted value by name: 'gamma' or 'p_start.<side>'."""
        return self.gamma if name == "gamma" else self.p_start[name.split(".", 1)[1]]


def predictions(setup: Setup, labels: Labels, gammas: np.ndarray, ps: np.ndarray, rule: str) -> np.ndarray:
    """Yearly regimes on the grid: (n_gamma, n_p for side 0, n_p for side 1, Y) int8.

    Each side's per-issue clearances (with the verification channel working and lost) are packed into bit
    masks per month, so the two-sided test over the (p_a, p_b) grid is one bitwise AND.
    """
    groups = year_months(setup.months, labels.years, rule)
    L0 = np.log(ps / (1 - ps))
    L = replay_log_odds(setup, gammas[:, None], np.stack([L0, L0], axis=-1)[None])  # (G, P, 2, M)
    p = 1.0 / (1.0 + np.exp(-L))
    ctx = setup.context
    K = len(ctx.issues)
    weights = (1 << np.arange(K)).astype(np.uint16)
    strategic_bits = np.uint16(int((weights * ctx.strategic).sum()))
    cols = np.concatenate(groups) if groups else np.zeros(0, int)
    p = p[..., cols]  # only the months that stand for labelled years
    ctx = replace(ctx, t_star=ctx.t_star[..., cols], exploit=ctx.exploit[..., cols])

    def mask(side: int, working: bool) -> np.ndarray:  # (G, P, months of labelled years)
        return (side_clears(ctx, side, p[:, :, side], working) * weights).sum(-1).astype(np.uint16)

    up_a, up_b, down_a, down_b = mask(0, True), mask(1, True), mask(0, False), mask(1, False)
    # the verification channel works while both trusts are at least the floor (model.regime.channel_works)
    floor = getattr(ctx, "channel_floor", 0.0)
    ok_a, ok_b = p[:, :, 0] >= floor, p[:, :, 1] >= floor
    out = np.empty((len(gammas), len(ps), len(ps), len(labels.years)), dtype=np.int8)
    for g in range(len(gammas)):
        works = ok_a[g][:, None] & ok_b[g][None, :]
        G = np.where(
            works, up_a[g][:, None] & up_b[g][None, :], down_a[g][:, None] & down_b[g][None, :]
        )  # (P, P, months of labelled years)
        reg = np.where(G & strategic_bits, 0, np.where(G != 0, 1, 2)).astype(np.int8)
        out[g] = yearly_regime(reg, _regroup(groups))
    return out


def _regroup(groups: list[np.ndarray]) -> list[np.ndarray]:
    out, at = [], 0
    for idx in groups:
        out.append(np.arange(at, at + len(idx)))
        at += len(idx)
    return out


def _pick(total: np.ndarray, axes: list[np.ndarray]) -> tuple[tuple[int, ...], np.ndarray]:
    """Index of the maximum of ``total`` (ties: the tied point nearest the tied set's centroid), and the set."""
    best = total.max()
    tied = np.argwhere(np.isclose(total, best, rtol=0, atol=1e-9))
    scaled = np.stack([axes[d][tied[:, d]] / max(np.ptp(axes[d]), 1e-12) for d in range(len(axes))], axis=1)
    centre = scaled.mean(axis=0)
    return tuple(tied[np.argmin(((scaled - centre) ** 2).sum(axis=1))]), tied


def baselines(labels: Labels) -> dict[str, dict[str, Any]]:
    """Majority-class and persistence (last year's label) agreement, on all years and from the second."""
    counts = np.bincount(labels.main, minlength=3)
    majority = int(counts.argmax())
    maj = labels.score(np.full(len(labels.years), majority))
    prev, main, alt = labels.main[:-1], labels.main[1:], labels.alt[1:]
    pers = np.where(prev == main, 1.0, np.where((prev == alt) & (alt >= 0), 0.5, 0.0))
    return {
        "majority_class": {
            "predicts": REGIMES[majority],
            "agreement": float(maj.mean()),
            "agreement_from_second": float(maj[1:].mean()),
        },
        "persistence": {
            "predicts": "last year's label",
            "agreement": float(pers.mean()),
            "agreement_from_second": float(pers.mean()),
        },
    }


def calibrate(
    scenario: Any,
    periods: Periods,
    table: EventTable | None = None,
    gammas: np.ndarray | None = None,
    ps: np.ndarray | None = None,
    n_boot: int = 400,
    seed: int = 0,
    setup: Setup | None = None,
) -> Fit:
    """Fit gamma and both starting beliefs to the labelled years; report uncertainty and baselines."""
    from detente.errors import DetenteError
    from detente.history.assimilate import history_of
    from detente.limits import check_limit

    hist = history_of(scenario)
    gammas = GAMMA_GRID if gammas is None else np.asarray(gammas, float)
    ps = P_GRID if ps is None else np.asarray(ps, float)
    if isinstance(n_boot, bool) or not isinstance(n_boot, int | np.integer) or n_boot < 1:
        raise DetenteError(f"bootstrap: expected a positive whole number of resamples, got {n_boot!r}")
    grid = len(gammas) * len(ps) ** 2 * len(periods.year)
    check_limit(
        "bootstrap", "cost", int(n_boot) * grid, f"grid-point-years ({n_boot:,} resamples x {grid:,})"
    )
    labels = Labels.from_periods(periods)
    setup = setup or prepare(scenario, table)
    inside = np.array([setup.months[0] <= f"{y}-12" and f"{y}-01" <= setup.months[-1] for y in labels.years])
    labels = Labels(labels.years[inside], labels.main[inside], labels.alt[inside])
    pred = predictions(setup, labels, gammas, ps, hist.regime_at)
    S = labels.score(pred)  # (G, P, P, Y)
    axes = [gammas, ps, ps]
    idx, tied = _pick(S.sum(-1), axes)
    names = ["gamma", *(f"p_start.{s}" for s in setup.sides)]
    maximal = {
        n: (float(axes[d][tied[:, d]].min()), float(axes[d][tied[:, d]].max())) for d, n in enumerate(names)
    }

    rng = np.random.default_rng(seed)
    Y = len(labels.years)
    flat = S.reshape(-1, Y)
    draws = np.empty((n_boot, 3))
    for b in range(n_boot):
        w = np.bincount(rng.integers(0, Y, Y), minlength=Y).astype(float)
        bi, _ = _pick((flat @ w).reshape(S.shape[:-1]), axes)
        draws[b] = [axes[d][bi[d]] for d in range(3)]
    boot = {
        n: (float(np.percentile(draws[:, d], 2.5)), float(np.percentile(draws[:, d], 97.5)))
        for d, n in enumerate(names)
    }
    boot_se = {n: float(draws[:, d].std(ddof=1)) if n_boot > 1 else float("nan") for d, n in enumerate(names)}

    total = S.sum(-1)
    loo = np.empty(Y)
    for y in range(Y):
        li, _ = _pick(total - S[..., y], axes)
        loo[y] = S[(*li, y)]

    L_fit = replay_log_odds(
        setup,
        float(gammas[idx[0]]),
        np.log(np.array([ps[idx[1]], ps[idx[2]]]) / (1 - np.array([ps[idx[1]], ps[idx[2]]]))),
    )
    uniq, back = np.unique(draws, axis=0, return_inverse=True)  # draws are grid points: few distinct
    L_boot = replay_log_odds(setup, uniq[:, 0], np.log(uniq[:, 1:] / (1 - uniq[:, 1:])))
    p_boot = (1.0 / (1.0 + np.exp(-L_boot[:, :, -1])))[back.reshape(-1)]
    final = {
        s: {
            "value": float(1.0 / (1.0 + np.exp(-L_fit[i, -1]))),
            "bootstrap_95": [
                float(np.percentile(p_boot[:, i], 2.5)),
                float(np.percentile(p_boot[:, i], 97.5)),
            ],
        }
        for i, s in enumerate(setup.sides)
    }
    best_pred = pred[idx]
    confusion = np.zeros((3, 3))
    for m, p in zip(labels.main, best_pred, strict=True):
        confusion[m, p] += 1
    base = baselines(labels)
    score = S[idx]
    post = posterior(S, axes, names)
    return Fit(
        sides=setup.sides,
        years=labels.years,
        labels=labels,
        gamma_grid=gammas,
        p_grid=ps,
        gamma=float(gammas[idx[0]]),
        p_start={setup.sides[0]: float(ps[idx[1]]), setup.sides[1]: float(ps[idx[2]])},
        agreement=float(score.mean()),
        score=score,
        predicted=best_pred,
        profile_gamma=S.sum(-1).max(axis=(1, 2)) / Y,
        maximal_set=maximal,
        bootstrap=boot,
        bootstrap_se=boot_se,
        loo_agreement=float(loo.mean()),
        baselines=base,
        confusion=confusion,
        n_boot=n_boot,
        rule=hist.regime_at,
        final_trust=final,
        until=str(setup.until),
        extra={"model_agreement_from_second": float(score[1:].mean()), "loo_per_year": loo},
        posterior=post,
    )


NOISE_MAX = 2.0 / 3.0  # at eps = 2/3 a label is uniform, independent of the model: noise cannot exceed chance


def _noise_integral(miss: np.ndarray, hit: np.ndarray) -> np.ndarray:
    """log of the integral of eps^miss * (1 - eps)^hit over 0 < eps < NOISE_MAX."""
    from scipy.special import betainc, betaln

    return betaln(miss + 1.0, hit + 1.0) + np.log(betainc(miss + 1.0, hit + 1.0, NOISE_MAX))


def label_log_likelihood(total: np.ndarray, years: int) -> np.ndarray:
    """Log marginal likelihood of ``years`` labels with agreement total ``total``.

    Each label is the model's regime w.p. 1 - eps, else either other regime (eps/2 each); eps is uniform
    on 0..2/3 and integrated out. Increasing in ``total``.
    """
    total = np.asarray(total, float)
    miss = years - total
    return _noise_integral(miss, total) - miss * np.log(2.0) - np.log(NOISE_MAX)


@dataclass(frozen=True, eq=False)
class Posterior:
    """Posterior weights over a parameter grid (uniform prior) from the labelled years' agreement."""

    names: tuple[str, ...]
    axes: tuple[np.ndarray, ...]
    weight: np.ndarray  # grid shape, sums to 1
    total: np.ndarray  # agreement total per grid point
    years: int

    def marginal(self, name: str) -> np.ndarray:
        """Marginal posterior of one parameter over its grid values."""
        d = self.names.index(name)
        return self.weight.sum(axis=tuple(i for i in range(self.weight.ndim) if i != d))

    def mean(self, name: str) -> float:
        """Posterior mean."""
        return float((self.marginal(name) * self.axes[self.names.index(name)]).sum())

    def interval(self, name: str, level: float = 0.95) -> tuple[float, float]:
        """Equal-tailed credible interval on the grid (the grid values holding the tails' cut points)."""
        m, ax = self.marginal(name), self.axes[self.names.index(name)]
        cdf = np.cumsum(m)
        lo = np.searchsorted(cdf, (1 - level) / 2 - 1e-12)
        hi = np.searchsorted(cdf, 1 - (1 - level) / 2 - 1e-12)
        return float(ax[min(lo, len(ax) - 1)]), float(ax[min(hi, len(ax) - 1)])

    def sd(self, name: str) -> float:
        """Posterior standard deviation."""
        ax, mu = self.axes[self.names.index(name)], self.mean(name)
        return float(np.sqrt((self.marginal(name) * (ax - mu) ** 2).sum()))

    def identified(self, name: str) -> bool:
        """False when the labels leave the parameter's marginal within ``UNIDENTIFIED_TV`` of its prior."""
        m = self.marginal(name)
        return bool(0.5 * np.abs(m - 1.0 / len(m)).sum() >= UNIDENTIFIED_TV)

    def mode(self) -> dict[str, float]:
        """The most probable grid point (ties: the tied point nearest the tied set's centroid)."""
        idx, _ = _pick(self.weight, list(self.axes))
        return {n: float(self.axes[d][idx[d]]) for d, n in enumerate(self.names)}

    def draws(self, n: int) -> list[dict[str, float]]:
        """``n`` grid points at the posterior quantiles (j + 1/2)/n of the flattened grid (no randomness)."""
        cdf = np.cumsum(self.weight.ravel())
        flat = np.minimum(np.searchsorted(cdf, (np.arange(n) + 0.5) / n), cdf.size - 1)
        out = []
        for f in flat:
            idx = np.unravel_index(f, self.weight.shape)
            out.append({nm: float(self.axes[d][idx[d]]) for d, nm in enumerate(self.names)})
        return out

    def label_noise(self) -> float:
        """Posterior mean of the label-noise rate eps."""
        miss = self.years - self.total
        mean = np.exp(_noise_integral(miss + 1.0, self.total) - _noise_integral(miss, self.total))
        return float((self.weight * mean).sum())

    def summary(self) -> dict[str, Any]:
        """Per parameter: mode, mean, 95% credible interval and s.d., or 'not identified' with its range."""
        mode = self.mode()
        out: dict[str, Any] = {}
        for d, n in enumerate(self.names):
            ax = self.axes[d]
            if self.identified(n):
                out[n] = {
                    "identified": True,
                    "mode": mode[n],
                    "mean": self.mean(n),
                    "credible_95": list(self.interval(n)),
                    "sd": self.sd(n),
                }
            else:
                out[n] = {
                    "identified": False,
                    "admissible_range": [float(ax.min()), float(ax.max())],
                    "note": "not identified: the labels leave its prior (uniform on the range) unchanged",
                }
        return {
            "prior": "uniform over the grid",
            "likelihood": "label = model regime w.p. 1 - eps, else another (eps ~ U(0, 2/3), integrated out)",
            "years": self.years,
            "label_noise_mean": self.label_noise(),
            "parameters": out,
        }


def posterior(
    scores: np.ndarray, axes: list[np.ndarray], names: list[str], use: np.ndarray | None = None
) -> Posterior:
    """Posterior over the grid from per-year agreement ``scores`` (grid..., Y), using the years in ``use``."""
    use = np.ones(scores.shape[-1], bool) if use is None else np.asarray(use, bool)
    total = scores[..., use].sum(-1)
    ll = label_log_likelihood(total, int(use.sum()))
    w = np.exp(ll - ll.max())
    return Posterior(
        tuple(names), tuple(np.asarray(a, float) for a in axes), w / w.sum(), total, int(use.sum())
    )


def grid_predictions(
    scenario: Any,
    labels: Labels,
    table: EventTable | None = None,
    gammas: np.ndarray | None = None,
    ps: np.ndarray | None = None,
    extra: dict[str, list[float]] | None = None,
    until: str | None = None,
) -> tuple[np.ndarray, list[np.ndarray], list[str]]:
    """Yearly regimes over the grid (extra..., gamma, p_a, p_b, Y), its axes and parameter names.

    ``extra`` maps dotted scenario paths to values; each combination is replayed with those overrides.
    """
    from itertools import product

    from detente.history.assimilate import history_of

    gammas = GAMMA_GRID if gammas is None else np.asarray(gammas, float)
    ps = P_GRID if ps is None else np.asarray(ps, float)
    extra = dict(extra or {})
    rule = history_of(scenario).regime_at
    blocks = []
    sides = scenario.side_ids
    for combo in product(*extra.values()):
        sc = scenario.apply(dict(zip(extra, combo, strict=True))) if extra else scenario
        setup = prepare(sc, table, until=until)
        blocks.append(predictions(setup, labels, gammas, ps, rule))
    S = np.stack(blocks).reshape(*(len(v) for v in extra.values()), *blocks[0].shape)
    axes = [np.asarray(v, float) for v in extra.values()] + [gammas, ps, ps]
    names = [*extra, "gamma", *(f"p_start.{s}" for s in sides)]
    return S, axes, names
