"""An independent oracle of the monthly step (theory.md §10.5), kept under tests/ (not a production copy).

Written from the theory with plain Python floats, lists and loops over (run, side, issue); it calls none
of the model functions. It reads the same ``Params`` and draws the same counter-based bits as
``detente.model.month.month`` and writes every float expression in the same order, so the two agree bit
for bit. The only transcendental, exp, is libm's (``math.exp``), as in the compiled kernel.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from detente.engine.compile import Params, Structure
from detente.rng import site_bits

INTENT, NOISE, LOGIT = 0, 1, 2


def site(side: int, issue: int, purpose: int, n_issues: int) -> int:
    return (side * n_issues + issue) * 4 + purpose


@dataclass(frozen=True)
class State:
    """Per-run state (n, ...): trust log-odds, cohort shares, types, grievances, own last moves."""

    L: np.ndarray
    h: np.ndarray
    theta: np.ndarray
    z: np.ndarray
    a_prev: np.ndarray
    J: np.ndarray  # (n, 2, K) bool: in the offered architecture of issue k


@dataclass(frozen=True)
class Month:
    """One month's outputs (n, ...)."""

    G: np.ndarray
    a: np.ndarray
    regime: np.ndarray
    mutual: np.ndarray


def initial_state(params: Params, n_issues: int) -> State:
    """State before month 0."""
    n = params.n
    return State(
        L=params.side["L0"].copy(), h=params.side["h0"].copy(), theta=params.theta0.copy(),
        z=np.zeros((n, 2, n_issues), bool), a_prev=np.ones((n, 2, n_issues), bool),
        J=np.zeros((n, 2, n_issues), bool),
    )  # fmt: skip


_TWO_M32 = 2.0**-32
_TWO_M53 = 2.0**-53
_LOW32 = 0xFFFFFFFF


def _bits(key: int, where: int) -> int:
    """64 counter-based bits of one site under one run's month key."""
    return int(site_bits(np.uint64(key), np.uint64(where)))


def _hi(bits: int) -> float:
    return (bits >> 32) * _TWO_M32


def _lo(bits: int) -> float:
    return (bits & _LOW32) * _TWO_M32


def _u53(bits: int) -> float:
    return (bits >> 11) * _TWO_M53


def _exp(x: float) -> float:
    return math.inf if x > 709.782712893384 else math.exp(x)


def _clip(x: float, lo: float, hi: float) -> float:
    return min(max(x, lo), hi)


def _sigma(x: float) -> float:
    """Trust from log-odds: 1/(1 + e^-x)."""
    return 1.0 / (1.0 + _exp(-x))


def _payoffs(
    run: dict, s: int, k: int, r: float, tau: float, iota: float, invited: int, working: bool
) -> tuple:
    """Side s's transformed payoffs on issue k (theory §10.4; v lost without a working channel)."""
    iss = {name: col[k][s] for name, col in run["issue"].items()}
    R = iss["R0"] + iss["w"] * tau
    v = iss["v"] + iss["dv"] * iota
    if not working:
        v = 0.0
    S = iss["S"]
    if invited == s:
        S = S + iota * (iss["S_incl"] - S)
    P0 = iss["P0"]
    TB = v * P0 + (1 - v) * iss["T_B"]
    TM = v * P0 + (1 - v) * iss["T_M"]
    Sv = v * P0 + (1 - v) * S
    return (1 - r) * R, TB - r * Sv, TM - r * Sv, Sv - r * TB, (1 - r) * P0


def _threshold(R: float, T: float, P: float, S: float) -> float:
    """Kydd's t* = (P-S)/((R-T)+(P-S)); +inf for a PD (R <= T), 0 if S >= P (theory §1.2)."""
    if R <= T:
        return math.inf
    if S >= P:
        return 0.0
    return (P - S) / ((R - T) + (P - S))


def _patience_needed(T: float, R: float, P: float) -> float:
    """Grim-trigger sustainment: (T-R)/(T-P), 0 if T <= R, +inf if R <= P."""
    if T <= R:
        return 0.0
    if R <= P:
        return math.inf
    return (T - R) / (T - P)


def _run_month(
    run: dict, L: list, h: list, theta: list, z: list, a_prev: list, J: list, st: Structure, t: int, key: int
):
    """One month of one run; lists are [side] or [side][issue]; returns the new state and outputs."""
    side = run["side"]
    K = len(st.issues)
    L_max = run["L_max"]

    # 1. slow variables
    h = [h[s] * (1.0 - side["eta_m"][s]) for s in range(2)] if t > 0 else list(h)
    theta = list(theta)
    for j, (month, s, _, kind) in enumerate(st.leadership):
        if month == t:
            h_set = run["lead_h"][j]
            h[s] = h_set if not math.isnan(h_set) else h[s] * (1.0 - run["lead_dh"][j])
            if kind in (0, 1):
                theta[s] = kind == 1
            elif kind == 2:
                m_share = side["m_new"][s] + (side["m_old"][s] - side["m_new"][s]) * h[s]
                theta[s] = run["lead_u"][j] >= m_share
    for s in range(2):
        if st.join_month[s] == t:
            theta[s] = True

    # 2. events (positive and negative evidence summed per observer; bias on the negative), signals, reset
    L = list(L)
    if st.events:
        pos, neg = [0.0, 0.0], [0.0, 0.0]
        for j, (month, obs, _, _) in enumerate(st.events):
            if month == t:
                dl = run["ev_dl"][j]
                pos[obs] = pos[obs] + max(dl, 0.0)
                neg[obs] = neg[obs] + min(dl, 0.0)
        for s in range(2):
            L[s] = _clip(L[s] + pos[s] + (1.0 + side["beta"][s] * h[s]) * neg[s], -L_max, L_max)
    for j, (month, sender, _, _) in enumerate(st.signals):
        if month == t:
            obs = 1 - sender
            separating = run["sig_separating"][j]
            if separating and theta[sender]:
                L[obs] = L_max
            elif not separating:
                L[obs] = L[obs] - run["sig_log_mimic"][j]
            L[obs] = _clip(L[obs], -L_max, L_max)
    z = [[False] * K for _ in range(2)] if st.reset[t] else z

    # 3. channel, payoffs, thresholds, exploitation flags, joining, expected cooperation, G
    iota = run["iota"][t]
    p = [_sigma(L[0]), _sigma(L[1])]
    working = p[0] >= run["channel_floor"] and p[1] >= run["channel_floor"]
    pay, t_star, e = [[None] * K, [None] * K], [[0.0] * K, [0.0] * K], [[False] * K, [False] * K]
    for s in range(2):
        tau = run["tau"][t][s]
        r = side["r_new"][s] + (side["r_old"][s] - side["r_new"][s]) * h[s]
        r = r / (1.0 + run["kappa_tau"] * tau)
        for k in range(K):
            Rp, TBp, TMp, Sp, Pp = _payoffs(run, s, k, r, tau, iota, int(st.invited[k]), working)
            pay[s][k] = (Rp, TBp, TMp, Sp, Pp)
            t_star[s][k] = _threshold(Rp, TBp, Pp, Sp)
            e[s][k] = TMp > Rp
    J = [list(row) for row in J]
    for k in range(K):
        j = int(st.invited[k])
        if j < 0:
            continue
        Rp, TBp, TMp, _, Pp = pay[j][k]
        need_B, need_M = _patience_needed(TBp, Rp, Pp), _patience_needed(TMp, Rp, Pp)
        delta = side["delta"][j]
        now = iota > 0.0 and delta >= (need_B if theta[j] else need_M)
        if now and not J[j][k] and need_B <= delta < need_M and theta[j]:
            L[1 - j] = L_max
            p[1 - j] = _sigma(L[1 - j])
        J[j][k] = now
    e = [[e[s][k] and not J[s][k] for k in range(K)] for s in range(2)]
    pi = [[1.0] * K, [1.0] * K]
    for s in range(2):
        for k in range(K):
            if e[1 - s][k]:
                pi[s][k] = p[s] + (1 - p[s]) * (1 - side["rho"][1 - s])
    G = [pi[0][k] >= t_star[0][k] and pi[1][k] >= t_star[1][k] for k in range(K)]

    # 4–6. intentions (closed: D; M exploits w.p. rho; B cooperates or logit; GTFT), noise, perception
    a = [[False] * K for _ in range(2)]
    flip_seen = [[False] * K for _ in range(2)]
    for s in range(2):
        for k in range(K):
            ib = _bits(key, site(s, k, INTENT, K))
            intend = G[k]
            if G[k] and not theta[s] and e[s][k]:
                intend = _hi(ib) >= side["rho"][s]
            elif G[k] and theta[s] and math.isfinite(side["lam"][s]):
                Rp, TBp, _, Sp, Pp = pay[s][k]
                d_eu = pi[s][k] * (Rp - TBp) + (1 - pi[s][k]) * (Sp - Pp)
                pr_c = 1.0 / (1.0 + _exp(-side["lam"][s] * d_eu))
                intend = _u53(_bits(key, site(s, k, INTENT, K) + LOGIT)) < pr_c
            if G[k] and z[s][k] and _lo(ib) >= side["q"][s]:
                intend = False
            nb = _bits(key, site(s, k, NOISE, K))
            a[s][k] = intend != (_hi(nb) < side["eps"][s])
            flip_seen[s][k] = _lo(nb) < side["mu"][1 - s]
    o = [[a[1 - s][k] != flip_seen[s][k] for k in range(K)] for s in range(2)]

    # 7. learn where informative (open, and the other's M type would exploit); one clip per month
    for s in range(2):
        j = 1 - s
        total = 0.0
        for k in range(K):
            ell = run["ell_C"][j] if o[s][k] else run["ell_D"][j]
            if not o[s][k] and not a_prev[s][k]:
                ell = (1 - side["alpha"][s]) * ell
            if ell < 0:
                ell = (1 + side["beta"][s] * h[s]) * ell
            gain = side["kappa"][s] * ell if (G[k] and e[j][k]) else 0.0
            total = gain if k == 0 else total + gain
        L[s] = _clip(L[s] + total, -L_max, L_max)

    # 8. memory: grievance where the other's move was seen as D on an open issue
    z = [[G[k] and not o[s][k] for k in range(K)] for s in range(2)]
    return L, h, theta, z, a, G, J


def _regime(G: list, strategic: np.ndarray) -> int:
    if any(g and bool(strategic[k]) for k, g in enumerate(G)):
        return 0
    return 1 if any(G) else 2


def _run_params(params: Params, i: int) -> dict:
    """Run i's parameters as plain Python floats and lists."""
    return {
        "side": {name: [float(x) for x in params.side[name][i]] for name in params.side.dtype.names},
        "issue": {
            name: [[float(x) for x in row] for row in params.issue[name][i]]
            for name in params.issue.dtype.names
        },
        "tau": [[float(x) for x in row] for row in params.tau[i]],
        "channel_floor": float(params.channel_floor[i]),
        "lead_h": [float(x) for x in params.lead_h[i]],
        "lead_u": [float(x) for x in params.lead_u[i]],
        "iota": [float(x) for x in params.iota[i]],
        "L_max": float(params.L_max[i]),
        "kappa_tau": float(params.kappa_tau[i]),
        "ell_C": [float(x) for x in params.ell_C[i]],
        "ell_D": [float(x) for x in params.ell_D[i]],
        "lead_dh": [float(x) for x in params.lead_dh[i]],
        "sig_separating": [bool(x) for x in params.sig_separating[i]],
        "sig_log_mimic": [float(x) for x in params.sig_log_mimic[i]],
        "ev_dl": [float(x) for x in params.ev_dl[i]],
    }


def reference_step(
    state: State, params: Params, st: Structure, t: int, keys_t: np.ndarray
) -> tuple[State, Month]:
    """Advance every run by one month, one run, side and issue at a time (same contract as ``step``)."""
    n, K = state.z.shape[0], state.z.shape[2]
    L, h = np.zeros((n, 2)), np.zeros((n, 2))
    theta = np.zeros((n, 2), bool)
    z, a, J = np.zeros((n, 2, K), bool), np.zeros((n, 2, K), bool), np.zeros((n, 2, K), bool)
    G = np.zeros((n, K), bool)
    regime = np.zeros(n, np.int8)
    for i in range(n):
        out = _run_month(
            _run_params(params, i),
            [float(x) for x in state.L[i]],
            [float(x) for x in state.h[i]],
            [bool(x) for x in state.theta[i]],
            [[bool(x) for x in row] for row in state.z[i]],
            [[bool(x) for x in row] for row in state.a_prev[i]],
            [[bool(x) for x in row] for row in state.J[i]],
            st,
            t,
            int(keys_t[i]),
        )
        L[i], h[i], theta[i], z[i], a[i], G[i], J[i] = out
        regime[i] = _regime(out[5], st.strategic)
    new = State(L=L, h=h, theta=theta, z=z, a_prev=a.copy(), J=J)
    return new, Month(G=G, a=a, regime=regime, mutual=a[:, 0, :] & a[:, 1, :])
