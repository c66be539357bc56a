# ruff: noqa
"""Bayesian trust in log-odds: event updates, costly signals, likelihoods of observed moves, biases.

Sources: theory.md §1.2–1.5 (Kydd: Bayesian trust, spiral updates, reassurance by costly signals),
§3.2 (Jervis: negativity and attribution biases) and §10.5 steps 2 and 7 (the v1 update).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike


def log_odds(p: ArrayLike) -> np.ndarray:
    """L = ln(p/(1-p))."""
    p = np.asarray(p, dtype=float)
    return np.log(p / (1 - p))


def prob(L: ArrayLike) -> np.ndarray:
    """p = sigma(L) = 1/(1+e^-L)."""
    return 1.0 / (1.0 + np.exp(-np.asarray(L, dtype=float)))


def event_update(L: ArrayLike, lr: ArrayLike) -> np.ndarray:
    """Observer's log-odds after an event with lr = Pr(e|M)/Pr(e|B): L - ln(lr) (theory §10.5 step 2, F7)."""
    return np.asarray(L, dtype=float) - np.log(np.asarray(lr, dtype=float))


def bayes_posterior(p: ArrayLike, lr: ArrayLike) -> np.ndarray:
    """Posterior trust after evidence with likelihood ratio lr = Pr(e|M)/Pr(e|B) (theory §1.4, F7)."""
    return prob(event_update(log_odds(p), lr))


def event_log_lr(goldstein: ArrayLike, valence: ArrayLike, gamma: ArrayLike) -> np.ndarray:
    """ln(lr) = gamma*|goldstein|*(-valence) for an event without explicit lr (model.md §1)."""
    return np.asarray(gamma, float) * np.abs(np.asarray(goldstein, float)) * -np.asarray(valence, float)


def spiral_update(p: ArrayLike, alpha_B: float, alpha_M: float, build: bool) -> np.ndarray:
    """Belief after observing Build/NotBuild in Kydd's spiral game (theory §1.4, F10)."""
    p = np.asarray(p, dtype=float)
    like_B, like_M = (alpha_B, alpha_M) if build else (1 - alpha_B, 1 - alpha_M)
    return p * like_B / (p * like_B + (1 - p) * like_M)


def signal_values(R: float, P: float, T_M: float, delta: float) -> tuple[float, float]:
    """(V_B, V_M): value of being trusted for a B type, and an M type's one-shot gain (theory §1.5, F11)."""
    return delta * (R - P) / (1 - delta), delta * (T_M - P)


def separating_cost(P: ArrayLike, T_M: ArrayLike, delta: ArrayLike) -> np.ndarray:
    """Least-cost separating signal x* = V_M = delta*(T_M - P) (theory §1.5)."""
    return np.asarray(delta, float) * (np.asarray(T_M, float) - np.asarray(P, float))


def pooling_posterior(p: ArrayLike, mimic: ArrayLike) -> np.ndarray:
    """Trust after a pooling signal that M mimics w.p. m: p/(p + (1-p)m); m = 1 is cheap talk (F11)."""
    p = np.asarray(p, dtype=float)
    return p / (p + (1 - p) * np.asarray(mimic, dtype=float))


def observation_likelihoods(eps: ArrayLike, rho: ArrayLike, mu: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """(o_B, o_M): probability that the other's move on an informative issue is seen as C (theory §10.5 step 7)."""
    eps, rho, mu = (np.asarray(x, dtype=float) for x in (eps, rho, mu))
    a_B = 1 - eps
    a_M = (1 - rho) * (1 - eps) + rho * eps
    return a_B * (1 - mu) + (1 - a_B) * mu, a_M * (1 - mu) + (1 - a_M) * mu


def move_evidence(saw_cooperation: ArrayLike, o_B: ArrayLike, o_M: ArrayLike) -> np.ndarray:
    """Log-likelihood ratio for B of an observed move: ln(o_B/o_M) for C, ln((1-o_B)/(1-o_M)) for D."""
    o_B, o_M = np.asarray(o_B, float), np.asarray(o_M, float)
    return np.where(saw_cooperation, np.log(o_B / o_M), np.log((1 - o_B) / (1 - o_M)))


def biased_evidence(
    ell: ArrayLike, provoked: ArrayLike, alpha: ArrayLike, beta: ArrayLike, h: ArrayLike
) -> np.ndarray:
    """Jervis's biases on evidence: provoked D discounted by (1-alpha); hostile evidence x(1+beta*h)."""
    ell = np.where(provoked, (1 - np.asarray(alpha, float)) * ell, ell)
    return np.where(ell < 0, (1 + np.asarray(beta, float) * np.asarray(h, float)) * ell, ell)


def learn(L: ArrayLike, kappa: ArrayLike, ell: ArrayLike, L_max: float) -> np.ndarray:
    """Tempered Bayes: L <- clip(L + kappa*ell, -L_max, L_max) (theory §10.5 step 7)."""
    return np.clip(np.asarray(L, float) + np.asarray(kappa, float) * ell, -L_max, L_max)
