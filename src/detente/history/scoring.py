"""The scoring rules and baselines of the backtest, fixed before any fitting (docs/history.md, "Scoring rules").

A forecast is a probability vector over the model's regimes in ``REGIMES`` order (strategic, tactical,
frozen); the outcome is a labelled year's main regime (its alternative reading is used only by the
agreement score). All three proper scores are losses (lower is better):

- Brier: sum over the three regimes of (p_k - o_k)^2, in 0..2.
- RPS (ranked probability score) over the ordered regimes frozen < tactical < strategic: sum over the two
  inner cut points of (P_k - O_k)^2 of the cumulative probabilities, divided by 2, in 0..1.
- Log score: -ln(max(p_outcome, LOG_FLOOR)), at most -ln(0.01) = 4.61; the floor keeps a point forecast
  (persistence) finite and applies to every forecaster alike.

Baselines (also fixed): persistence predicts the last labelled year before the origin with probability 1;
climatology predicts the label frequencies of the years before the origin with add-one smoothing,
(n_k + 1) / (n + 3).
"""

from __future__ import annotations

import numpy as np

LOG_FLOOR = 0.01
ORDINAL = (2, 1, 0)  # regime indices from low to high: frozen < tactical < strategic
RULES = ("brier", "rps", "log")


def one_hot(outcome: np.ndarray | int, k: int = 3) -> np.ndarray:
    """Indicator vectors (..., 3) of regime indices."""
    return np.eye(k)[np.asarray(outcome, dtype=int)]


def brier(prob: np.ndarray, outcome: np.ndarray | int) -> np.ndarray:
    """Multi-category Brier score (0 perfect .. 2 certain and wrong)."""
    return ((np.asarray(prob, float) - one_hot(outcome)) ** 2).sum(-1)


def rps(prob: np.ndarray, outcome: np.ndarray | int) -> np.ndarray:
    """Ranked probability score over frozen < tactical < strategic, normalised to 0..1."""
    p = np.asarray(prob, float)[..., ORDINAL]
    o = one_hot(outcome)[..., ORDINAL]
    cp, co = np.cumsum(p, -1)[..., :-1], np.cumsum(o, -1)[..., :-1]
    return ((cp - co) ** 2).sum(-1) / (p.shape[-1] - 1)


def log_score(prob: np.ndarray, outcome: np.ndarray | int, floor: float = LOG_FLOOR) -> np.ndarray:
    """Negative log probability of the outcome, floored at ``floor``."""
    p = np.take_along_axis(np.asarray(prob, float), np.asarray(outcome, int)[..., None], -1)[..., 0]
    return -np.log(np.maximum(p, floor))


def scores(prob: np.ndarray, outcome: np.ndarray | int) -> dict[str, np.ndarray]:
    """All three scores of forecasts ``prob`` (..., 3) against ``outcome`` (...)."""
    return {"brier": brier(prob, outcome), "rps": rps(prob, outcome), "log": log_score(prob, outcome)}


def persistence(last: int) -> np.ndarray:
    """Persistence: the last labelled regime with probability 1."""
    return one_hot(last)


def climatology(before: np.ndarray) -> np.ndarray:
    """Label frequencies of the years before the origin with add-one smoothing."""
    counts = np.bincount(np.asarray(before, int), minlength=3)[:3]
    return (counts + 1.0) / (counts.sum() + 3.0)


def agreement(pred: np.ndarray | int, main: np.ndarray | int, alt: np.ndarray | int) -> np.ndarray:
    """Agreement of predicted regimes with the labels: 1 main, 1/2 the alternative reading, else 0."""
    pred, main, alt = np.asarray(pred), np.asarray(main), np.asarray(alt)
    return np.where(pred == main, 1.0, np.where((pred == alt) & (alt >= 0), 0.5, 0.0))


def skill(model: float, reference: float) -> float:
    """Skill score 1 - model/reference (positive: the model is better); nan if the reference is 0."""
    return float(1.0 - model / reference) if reference > 0 else float("nan")
