"""Bayesian trust in log-odds: event updates, costly signals, likelihoods of observed moves, biases.

Sources: theory.md §1.2–1.5 (Kydd: Bayesian trust, spiral updates, reassurance by costly signals),
§3.2 (Jervis: negativity and attribution biases) and §10.5 steps 2 and 7 (the v1 update).
Scalar ``@equation`` functions are what the engine runs; the rest are analytic companions for the facts.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike

from detente.model.equation import equation, pure, vectorised

_EXP_MAX = 709.782712893384
"""ln of the largest float64: above it exp overflows (inf, as in compiled code, not OverflowError)."""


@equation
def exp(x):
    """e^x as the compiled kernel computes it (libm), +inf past overflow also in plain Python."""
    return math.inf if x > _EXP_MAX else math.exp(x)


@equation
def clip(x, lo, hi):
    """min(max(x, lo), hi) with NaN passed through (numpy's clip): keeps L inside [-L_max, L_max] (§10.2)."""
    if x != x:
        return x
    m = x if x > lo else lo
    return m if m < hi else hi


@equation
def log_odds(p):
    """L = ln(p/(1-p)) (theory §1.4)."""
    return np.log(p / (1.0 - p))


@equation
def prob(L):
    """p = sigma(L) = 1/(1+e^-L) (theory §1.4, §10.2)."""
    return 1.0 / (1.0 + exp(-L))


@equation
def event_log_lr(goldstein, valence, gamma):
    """ln(lr) = gamma*|goldstein|*(-valence) for an event without explicit lr (model.md §1, §10.7)."""
    return gamma * np.abs(goldstein) * -valence


@equation
def event_evidence(log_lr):
    """An event's log-odds shift for B: -ln(lr), lr = Pr(e|M)/Pr(e|B) (theory §10.5 step 2, F7)."""
    return -log_lr


@equation
def split_evidence(dl):
    """(friendly, hostile) parts of a shift: (max(dl, 0), min(dl, 0)), NaN kept in both (Jervis §3.2)."""
    up = dl if (dl >= 0.0 or dl != dl) else 0.0
    down = dl if (dl <= 0.0 or dl != dl) else 0.0
    return up, down


@equation
def hostile_weight(beta, h):
    """1 + beta*h: the cohort negativity bias multiplying hostile evidence (Jervis, theory §3.2, §8.2)."""
    return 1.0 + beta * h


@equation
def event_update(L, friendly, hostile, beta, h, L_max):
    """L <- clip(L + friendly + (1 + beta*h)*hostile): the month's events, hostile ones amplified (§10.5 step 2)."""
    return clip(L + friendly + hostile_weight(beta, h) * hostile, -L_max, L_max)


@equation
def separating_cost(P, T_M, delta):
    """Least-cost separating signal x* = V_M = delta*(T_M - P) (theory §1.5, F11)."""
    return delta * (T_M - P)


@equation
def signal_update(L, separating, sender_benign, log_mimic, L_max):
    """Costly signal: separating -> +L_max if a B type sent it (M does not); pooling -> L - ln m (§1.5, §10.5 step 2)."""
    moved = L if separating else L - log_mimic
    return clip(L_max if (separating and sender_benign) else moved, -L_max, L_max)


@equation
def observation_likelihoods(eps, rho, mu):
    """(o_B, o_M): probability that the other's move on an informative issue is seen as C (§10.5 step 7)."""
    a_B = 1.0 - eps
    a_M = (1.0 - rho) * (1.0 - eps) + rho * eps
    return a_B * (1.0 - mu) + (1.0 - a_B) * mu, a_M * (1.0 - mu) + (1.0 - a_M) * mu


@equation
def move_evidence(saw_cooperation, o_B, o_M, cap):
    """ln(o_B/o_M) if C was seen, ln((1-o_B)/(1-o_M)) if D, capped at +-cap, 0 if undefined (§10.5 step 7, F24)."""
    ell = np.log(o_B / o_M) if saw_cooperation else np.log((1.0 - o_B) / (1.0 - o_M))
    return 0.0 if ell != ell else clip(ell, -cap, cap)


@equation
def attributed_evidence(ell, provoked, alpha, beta, h):
    """Jervis's biases: provoked D discounted by (1-alpha); hostile evidence x(1+beta*h) (§10.5 step 7, §3.2)."""
    if provoked:
        ell = (1.0 - alpha) * ell
    if ell < 0:
        ell = hostile_weight(beta, h) * ell
    return ell


@equation
def learning_gain(kappa, ell, informative):
    """kappa*ell where the move is informative (issue open and the other's M type would exploit), else 0 (§10.5 step 7)."""
    return kappa * ell if informative else 0.0


@equation
def learn(L, gain, L_max):
    """Tempered Bayes: L <- clip(L + sum_k kappa*ell_k, -L_max, L_max) (theory §10.5 step 7)."""
    return clip(L + gain, -L_max, L_max)


def bayes_posterior(p: ArrayLike, lr: ArrayLike) -> np.ndarray:
    """Posterior trust after evidence with likelihood ratio lr = Pr(e|M)/Pr(e|B) (theory §1.4, F7)."""
    L = pure(log_odds)(np.asarray(p, dtype=float)) + pure(event_evidence)(np.log(lr))
    return vectorised(prob)(L)


def spiral_update(p: ArrayLike, alpha_B: float, alpha_M: float, build: bool) -> np.ndarray:
    """Belief after observing Build/NotBuild in Kydd's spiral game (theory §1.4, F10)."""
    p = np.asarray(p, dtype=float)
    like_B, like_M = (alpha_B, alpha_M) if build else (1 - alpha_B, 1 - alpha_M)
    return p * like_B / (p * like_B + (1 - p) * like_M)


def signal_values(R: float, P: float, T_M: float, delta: float) -> tuple[float, float]:
    """(V_B, V_M): value of being trusted for a B type, and an M type's one-shot gain (theory §1.5, F11)."""
    return delta * (R - P) / (1 - delta), delta * (T_M - P)


def pooling_posterior(p: ArrayLike, mimic: ArrayLike) -> np.ndarray:
    """Trust after a pooling signal that M mimics w.p. m: p/(p + (1-p)m); m = 1 is cheap talk (F11)."""
    p = np.asarray(p, dtype=float)
    return p / (p + (1 - p) * np.asarray(mimic, dtype=float))
