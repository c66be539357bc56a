# ruff: noqa
"""2x2 issue games: payoffs with verification, threat and inclusion; relative gains; thresholds; logit.

Sources: theory.md §1.2 (Kydd's trust threshold), §2.2–2.3 (Grieco/Snidal relative gains), §3.3
(Jervis's payoff levers), §5 (McKelvey–Palfrey logit QRE) and §10.4 (the v1 per-issue payoffs).
All functions broadcast over numpy arrays.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike


class Payoffs(NamedTuple):
    """A side's transformed payoffs on one issue (theory §10.4): R', T'_B, T'_M, S', P'."""

    R: np.ndarray
    T_B: np.ndarray
    T_M: np.ndarray
    S: np.ndarray
    P: np.ndarray


def relative_gains(R: ArrayLike, T: ArrayLike, S: ArrayLike, P: ArrayLike, r: ArrayLike) -> tuple:
    """Snidal's U_i = u_i - r*u_j on a symmetric 2x2 game: (R', T', S', P') (theory §2.2)."""
    R, T, S, P, r = map(np.asarray, (R, T, S, P, r))
    return (1 - r) * R, T - r * S, S - r * T, (1 - r) * P


def grieco_to_snidal(k: ArrayLike) -> np.ndarray:
    """Grieco's sensitivity k as Snidal's weight: r = k/(1+k) (theory §2.2, fact F6)."""
    k = np.asarray(k, dtype=float)
    return k / (1 + k)


def trust_threshold(R: ArrayLike, T: ArrayLike, P: ArrayLike, S: ArrayLike) -> np.ndarray:
    """Kydd's threshold t* = (P-S)/((R-T)+(P-S)); +inf if R <= T (a PD), 0 if S >= P (theory §1.2, §10.4)."""
    R, T, P, S = np.broadcast_arrays(*(np.asarray(x, dtype=float) for x in (R, T, P, S)))
    with np.errstate(divide="ignore", invalid="ignore"):
        t = (P - S) / ((R - T) + (P - S))
    t = np.where(S >= P, 0.0, t)
    return np.where(R <= T, np.inf, t)


def effective_threshold(t_star: ArrayLike, rho: ArrayLike) -> np.ndarray:
    """Belief needed when M types exploit only at rate rho: p* = max(0, (t* - 1 + rho)/rho) (theory §1.2, F8)."""
    t_star, rho = np.asarray(t_star, dtype=float), np.asarray(rho, dtype=float)
    return np.maximum(0.0, (t_star - 1 + rho) / rho)


def expected_cooperation(p: ArrayLike, rho_other: ArrayLike, exploits: ArrayLike) -> np.ndarray:
    """pi = p + (1-p)(1-rho) if the other's M type would exploit, else 1 (theory §10.4)."""
    p = np.asarray(p, dtype=float)
    return np.where(exploits, p + (1 - p) * (1 - np.asarray(rho_other, dtype=float)), 1.0)


def issue_payoffs(
    R0: ArrayLike,
    T_B: ArrayLike,
    P0: ArrayLike,
    T_M: ArrayLike,
    S: ArrayLike,
    v: ArrayLike,
    w: ArrayLike,
    r: ArrayLike,
    tau: ArrayLike = 0.0,
    iota: ArrayLike = 0.0,
    dv: ArrayLike = 0.0,
    S_incl: ArrayLike | None = None,
    invited: ArrayLike = False,
) -> Payoffs:
    """A side's transformed payoffs on an issue (theory §10.4).

    Threat raises R by w*tau; inclusion raises verification by dv*iota and, for the invited side,
    moves S toward S_incl; detected cheating (prob v) ends in mutual defection; then relative gains
    with the side's r (the opponent's payoff taken from the symmetric B template).
    """
    R = np.asarray(R0, dtype=float) + np.asarray(w, dtype=float) * tau
    v_eff = np.asarray(v, dtype=float) + np.asarray(dv, dtype=float) * iota
    S_eff = np.asarray(S, dtype=float)
    if S_incl is not None:
        S_eff = np.where(invited, S_eff + iota * (np.asarray(S_incl, dtype=float) - S_eff), S_eff)
    P0 = np.asarray(P0, dtype=float)
    TBv = v_eff * P0 + (1 - v_eff) * np.asarray(T_B, dtype=float)
    TMv = v_eff * P0 + (1 - v_eff) * np.asarray(T_M, dtype=float)
    Sv = v_eff * P0 + (1 - v_eff) * S_eff
    r = np.asarray(r, dtype=float)
    return Payoffs(R=(1 - r) * R, T_B=TBv - r * Sv, T_M=TMv - r * Sv, S=Sv - r * TBv, P=(1 - r) * P0)


def would_exploit(pay: Payoffs) -> np.ndarray:
    """e = [T'_M > R']: the side's M type would exploit this issue (theory §10.4)."""
    return pay.T_M > pay.R


def logit_cooperate(lam: ArrayLike, pi: ArrayLike, pay: Payoffs) -> np.ndarray:
    """Pr(C) = sigma(lambda * dEU), dEU = pi(R'-T'_B) + (1-pi)(S'-P') (theory §5.4)."""
    pi = np.asarray(pi, dtype=float)
    d_eu = pi * (pay.R - pay.T_B) + (1 - pi) * (pay.S - pay.P)
    return 1.0 / (1.0 + np.exp(-np.asarray(lam, dtype=float) * d_eu))


def symmetric_qre(R: float, T: float, P: float, S: float, lam: float) -> float:
    """Principal-branch symmetric logit QRE of a 2x2 game: p = sigma(lam*[p(R-T) + (1-p)(S-P)]) (theory §5.2)."""
    from scipy.optimize import brentq

    def gap(p: float) -> float:
        return p - 1.0 / (1.0 + np.exp(-lam * (p * (R - T) + (1 - p) * (S - P))))

    grid = np.linspace(0.0, 1.0, 2001)
    values = np.array([gap(p) for p in grid])
    roots = [
        brentq(gap, grid[i], grid[i + 1], xtol=1e-14)
        for i in range(len(grid) - 1)
        if values[i] == 0 or values[i] * values[i + 1] < 0
    ]
    if len(roots) == 1:
        return float(roots[0])
    return float(_principal_branch(R, T, P, S, lam))


def _principal_branch(R: float, T: float, P: float, S: float, lam: float, steps: int = 400) -> float:
    """Follow the QRE from lambda = 0 (p = 1/2) by continuation (theory §5.2)."""
    from scipy.optimize import brentq

    p = 0.5
    for lam_k in np.linspace(0.0, lam, steps + 1)[1:]:

        def gap(x: float, lam_k: float = lam_k) -> float:
            return x - 1.0 / (1.0 + np.exp(-lam_k * (x * (R - T) + (1 - x) * (S - P))))

        lo, hi = max(p - 0.05, 1e-15), min(p + 0.05, 1 - 1e-15)
        while gap(lo) * gap(hi) > 0 and (lo > 1e-15 or hi < 1 - 1e-15):
            lo, hi = max(lo - 0.05, 1e-15), min(hi + 0.05, 1 - 1e-15)
        p = brentq(gap, lo, hi, xtol=1e-14)
    return p


def stag_hunt_pd_boundary(R: float, T: float, S: float) -> float:
    """r above which a Stag Hunt becomes a PD: (R-T)/(R-S) (theory §2.3, F4)."""
    return (R - T) / (R - S)


def harmony_pd_boundary(R: float, T: float, S: float, P: float) -> float:
    """r above which Harmony becomes a PD: max((R-T)/(R-S), (S-P)/(T-P)) (theory §2.3, F5)."""
    return max((R - T) / (R - S), (S - P) / (T - P))


def is_prisoners_dilemma(R: ArrayLike, T: ArrayLike, S: ArrayLike, P: ArrayLike) -> np.ndarray:
    """Strict PD ordering T > R > P > S."""
    R, T, S, P = map(np.asarray, (R, T, S, P))
    return (T > R) & (R > P) & (P > S)
