"""2x2 issue games: payoffs with verification, threat and inclusion; relative gains; thresholds; logit.

Sources: theory.md §1.2 (Kydd's trust threshold), §2.2–2.3 (Grieco/Snidal relative gains), §3.3
(Jervis's payoff levers), §5 (McKelvey–Palfrey logit QRE) and §10.4 (the v1 per-issue payoffs).
Scalar ``@equation`` functions are what the engine runs; the rest are analytic companions for the facts.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from detente.model.beliefs import prob
from detente.model.equation import equation, pure


@equation
def relative_gains(R, T, S, P, r):
    """Snidal's U_i = u_i - r*u_j on a symmetric 2x2 game: (R', T', S', P') (theory §2.2)."""
    return (1.0 - r) * R, T - r * S, S - r * T, (1.0 - r) * P


@equation
def threat_reward(R0, w, tau):
    """R_k = R0 + w_k*tau: a common threat raises the reward of mutual cooperation (§10.4, Jervis §3.3)."""
    return R0 + w * tau


@equation
def inclusion_verification(v, dv, iota):
    """v_k = v0_k + dv*iota: inclusion adds verification (theory §10.4)."""
    return v + dv * iota


@equation
def inclusion_sucker(S, S_incl, iota, invited):
    """S_ik = S_k + iota*(S_incl - S_k) for the invited side, else S_k (theory §10.4)."""
    return S + iota * (S_incl - S) if invited else S


@equation
def verified(x, P0, v):
    """X_v = v*P0 + (1 - v)*X: detected cheating ends in mutual defection (theory §10.4, F2)."""
    return v * P0 + (1.0 - v) * x


@equation
def channel_verification(v, working):
    """Verification needs a working channel: v if it works, 0 after a breakdown (model v2; docs/model.md)."""
    return v if working else 0.0


@equation
def issue_terms(R0, T_B, P0, T_M, S, v, w, tau, iota, dv, S_incl, invited, working=True):
    """(R_k, T_B,v, T_M,v, S_v) of a side before relative gains: threat, inclusion, verification (§10.4)."""
    v_eff = channel_verification(inclusion_verification(v, dv, iota), working)
    Sv = verified(inclusion_sucker(S, S_incl, iota, invited), P0, v_eff)
    return threat_reward(R0, w, tau), verified(T_B, P0, v_eff), verified(T_M, P0, v_eff), Sv


@equation
def side_payoffs(R, TBv, TMv, Sv, P0, r):
    """(R', T'_B, T'_M, S', P'): relative gains with the side's r, the opponent from the B template (§10.4)."""
    Rr, TBr, Sr, Pr = relative_gains(R, TBv, Sv, P0, r)
    return Rr, TBr, TMv - r * Sv, Sr, Pr


@equation
def payoffs(R0, T_B, P0, T_M, S, v, w, r, tau, iota, dv, S_incl, invited, working=True):
    """A side's transformed payoffs (R', T'_B, T'_M, S', P') on an issue: threat, verification, inclusion, r (§10.4)."""
    R, TBv, TMv, Sv = issue_terms(R0, T_B, P0, T_M, S, v, w, tau, iota, dv, S_incl, invited, working)
    return side_payoffs(R, TBv, TMv, Sv, P0, r)


@equation
def trust_threshold(R, T, P, S):
    """Kydd's t* = (P-S)/((R-T)+(P-S)); +inf if R <= T (a PD), 0 if S >= P (theory §1.2, §10.4, F1)."""
    if R <= T:
        return np.inf
    if S >= P:
        return 0.0
    return (P - S) / ((R - T) + (P - S))


@equation
def would_exploit(T_M, R):
    """e = [T'_M > R']: the side's M type would exploit this issue (theory §10.4)."""
    return T_M > R


@equation
def expected_cooperation(p, rho_other, exploits):
    """pi = p + (1-p)(1-rho) if the other's M type would exploit, else 1 (theory §10.4, F8)."""
    return p + (1.0 - p) * (1.0 - rho_other) if exploits else 1.0


@equation
def logit_cooperate(lam, pi, R, T_B, S, P):
    """Pr(C) = sigma(lambda*dEU), dEU = pi(R'-T'_B) + (1-pi)(S'-P') (McKelvey–Palfrey, theory §5.4, F16)."""
    return prob(lam * (pi * (R - T_B) + (1.0 - pi) * (S - P)))


def grieco_to_snidal(k: ArrayLike) -> np.ndarray:
    """Grieco's sensitivity k as Snidal's weight: r = k/(1+k) (theory §2.2, fact F6)."""
    k = np.asarray(k, dtype=float)
    return k / (1 + k)


def effective_threshold(t_star: ArrayLike, rho: ArrayLike) -> np.ndarray:
    """Belief needed when M types exploit only at rate rho: p* = max(0, (t* - 1 + rho)/rho) (theory §1.2, F8)."""
    t_star, rho = np.asarray(t_star, dtype=float), np.asarray(rho, dtype=float)
    return np.maximum(0.0, (t_star - 1 + rho) / rho)


def symmetric_qre(R: float, T: float, P: float, S: float, lam: float) -> float:
    """Principal-branch symmetric logit QRE of a 2x2 game: p = Pr(C) at pi = p (theory §5.2, F16)."""
    from scipy.optimize import brentq

    logit = pure(logit_cooperate)

    def gap(p: float, lam: float = lam) -> float:
        return p - logit(lam, p, R, T, S, P)

    grid = np.linspace(0.0, 1.0, 2001)
    values = np.array([gap(p) for p in grid])
    roots = [
        brentq(gap, grid[i], grid[i + 1], xtol=1e-14)
        for i in range(len(grid) - 1)
        if values[i] == 0 or values[i] * values[i + 1] < 0
    ]
    if len(roots) == 1:
        return float(roots[0])
    p = 0.5  # several equilibria: follow the principal branch from lambda = 0 (p = 1/2) by continuation
    for lam_k in np.linspace(0.0, lam, 401)[1:]:
        lo, hi = max(p - 0.05, 1e-15), min(p + 0.05, 1 - 1e-15)
        while gap(lo, lam_k) * gap(hi, lam_k) > 0 and (lo > 1e-15 or hi < 1 - 1e-15):
            lo, hi = max(lo - 0.05, 1e-15), min(hi + 0.05, 1 - 1e-15)
        p = brentq(gap, lo, hi, args=(lam_k,), xtol=1e-14)
    return float(p)


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
