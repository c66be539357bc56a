# ruff: noqa
"""The vectorised monthly step over (runs, sides, issues): theory.md §10.5, steps 1–8.

Pure: ``step(state, params, structure, t, keys_t)`` returns a new state and the month's outputs. Every
random number comes from ``keys_t`` (the runs' counter-based keys for month t) and a fixed site, so the
scalar reference (engine.reference) and the fused kernel (engine.fused) can reproduce it exactly.
Float operations are written in one fixed order that the other implementations repeat.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .compile import ISSUE_FIELDS, Params, Structure
from .random import site_bits, uniform53, uniform_hi, uniform_lo
from .beliefs import biased_evidence, prob
from .elites import relative_gains_weight
from .games import (
    Payoffs,
    expected_cooperation,
    issue_payoffs,
    logit_cooperate,
    trust_threshold,
    would_exploit,
)
from .regime import issue_open, regime_label

INTENT, NOISE, LOGIT = 0, 1, 2
"""Purposes of the per-(side, issue) draw sites: intention (exploit | forgive), noise (act | perceive), logit."""


def site(side: int, issue: int, purpose: int, n_issues: int) -> int:
    """The draw site of (side, issue, purpose) within a month."""
    return (side * n_issues + issue) * 4 + purpose


@dataclass(frozen=True)
class State:
    """Per-run state: trust log-odds, Cold-War shares, true types, grievances, own last moves."""

    L: np.ndarray  # (n, 2) float: log-odds that the other side is benign
    h: np.ndarray  # (n, 2) float: Cold-War cohort share
    theta: np.ndarray  # (n, 2) bool: True = benign (B)
    z: np.ndarray  # (n, 2, K) bool: grievance (last perceived move of the other was D on an open issue)
    a_prev: np.ndarray  # (n, 2, K) bool: own realised move last month, True = C


@dataclass(frozen=True)
class Month:
    """One month's outputs."""

    G: np.ndarray  # (n, K) bool: issue open
    a: np.ndarray  # (n, 2, K) bool: realised moves, True = C
    regime: np.ndarray  # (n,) int8: 0 strategic, 1 tactical, 2 frozen
    mutual: np.ndarray  # (n, K) bool: both cooperated


def initial_state(params: Params, n_issues: int) -> State:
    """State before month 0: starting trust and shares, drawn types, no grievances, own last move C."""
    n = params.n
    return State(
        L=params.side["L0"].copy(),
        h=params.side["h0"].copy(),
        theta=params.theta0.copy(),
        z=np.zeros((n, 2, n_issues), dtype=bool),
        a_prev=np.ones((n, 2, n_issues), dtype=bool),
    )


def thresholds(
    params: Params, st: Structure, h: np.ndarray, t: int
) -> tuple[np.ndarray, np.ndarray, Payoffs]:
    """Thresholds t*, exploit flags e and transformed payoffs for month t (theory §10.4), each (n, 2, K)."""
    sp, ip = params.side, params.issue
    tau = params.tau[:, t]
    r = relative_gains_weight(h, sp["r_old"], sp["r_new"])
    r = r / (1.0 + params.kappa_tau[:, None] * tau[:, None])
    col = {name: ip[name][:, None, :] for name in ISSUE_FIELDS}
    pay = issue_payoffs(
        col["R0"],
        col["T_B"],
        col["P0"],
        col["T_M"],
        col["S"],
        col["v"],
        col["w"],
        r[:, :, None],
        tau=tau[:, None, None],
        iota=params.iota[:, t][:, None, None],
        dv=col["dv"],
        S_incl=col["S_incl"],
        invited=(st.invited[None, :] == np.arange(2)[:, None])[None],
    )
    return trust_threshold(pay.R, pay.T_B, pay.P, pay.S), would_exploit(pay), pay


def step(state: State, params: Params, st: Structure, t: int, keys_t: np.ndarray) -> tuple[State, Month]:
    """Advance every run by one month (theory §10.5)."""
    sp = params.side
    n, K = state.z.shape[0], state.z.shape[2]
    L_max = params.L_max[:, None]

    # 1. slow variables
    h = state.h * (1.0 - sp["eta_m"]) if t > 0 else state.h.copy()
    for j, (month, s, _) in enumerate(st.leadership):
        if month == t:
            h[:, s] = h[:, s] * (1.0 - params.lead_dh[:, j])
    theta = state.theta.copy()
    for s in range(2):
        if st.join_month[s] == t:
            theta[:, s] = True

    # 2. events, signals, resets
    L = state.L.copy()
    pos = np.zeros((n, 2))
    neg = np.zeros((n, 2))
    for j, (month, obs, _) in enumerate(st.events):
        if month == t:
            dl = params.ev_dl[:, j]
            pos[:, obs] = pos[:, obs] + np.maximum(dl, 0.0)
            neg[:, obs] = neg[:, obs] + np.minimum(dl, 0.0)
    if st.events:
        L = np.clip(L + pos + (1.0 + sp["beta"] * h) * neg, -L_max, L_max)
    for j, (month, sender, _, _) in enumerate(st.signals):
        if month == t:
            obs = 1 - sender
            moved = np.where(params.sig_separating[:, j], L[:, obs], L[:, obs] - params.sig_log_mimic[:, j])
            L[:, obs] = np.where(params.sig_separating[:, j] & theta[:, sender], params.L_max, moved)
            L[:, obs] = np.clip(L[:, obs], -params.L_max, params.L_max)
    z = np.zeros_like(state.z) if st.reset[t] else state.z

    # 3. regime
    t_star, e, pay = thresholds(params, st, h, t)
    pi = expected_cooperation(prob(L)[:, :, None], sp["rho"][:, ::-1, None], e[:, ::-1, :])
    G = issue_open(pi[:, 0], t_star[:, 0], pi[:, 1], t_star[:, 1])

    # 4. intentions
    sites = np.array([[site(s, k, INTENT, K) for k in range(K)] for s in range(2)], dtype=np.uint64)
    bits = site_bits(keys_t[:, None, None], sites[None])
    u_exploit, u_forgive = uniform_hi(bits), uniform_lo(bits)
    open3 = np.broadcast_to(G[:, None, :], (n, 2, K))
    intend = open3.copy()
    exploiting = open3 & ~theta[:, :, None] & e
    intend = np.where(exploiting, u_exploit >= sp["rho"][:, :, None], intend)
    lam = sp["lam"][:, :, None]
    stochastic = open3 & theta[:, :, None] & ~exploiting & np.isfinite(lam)
    if stochastic.any():
        with np.errstate(over="ignore", invalid="ignore"):
            pr_c = logit_cooperate(lam, pi, pay)
        u_logit = uniform53(site_bits(keys_t[:, None, None], (sites + np.uint64(LOGIT))[None]))
        intend = np.where(stochastic, u_logit < pr_c, intend)
    intend = intend & ~(open3 & z & (u_forgive >= sp["q"][:, :, None]))

    # 5–6. realise and observe
    nbits = site_bits(keys_t[:, None, None], (sites + np.uint64(NOISE))[None])
    a = intend ^ (uniform_hi(nbits) < sp["eps"][:, :, None])
    o = a[:, ::-1, :] ^ (uniform_lo(nbits) < sp["mu"][:, ::-1, None])

    # 7. learn where informative (open, and the other's M type would exploit)
    informative = open3 & e[:, ::-1, :]
    ell = np.where(o, params.ell_C[:, ::-1, None], params.ell_D[:, ::-1, None])
    ell = biased_evidence(
        ell, ~o & ~state.a_prev, sp["alpha"][:, :, None], sp["beta"][:, :, None], h[:, :, None]
    )
    gain = np.where(informative, sp["kappa"][:, :, None] * ell, 0.0)
    total = gain[:, :, 0]
    for k in range(1, K):
        total = total + gain[:, :, k]
    L = np.clip(L + total, -L_max, L_max)

    # 8. memory
    new = State(L=L, h=h, theta=theta, z=open3 & ~o, a_prev=a)
    return new, Month(G=G, a=a, regime=regime_label(G, st.strategic), mutual=a[:, 0, :] & a[:, 1, :])
