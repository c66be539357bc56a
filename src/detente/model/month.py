"""One month of one run (theory §10.5 steps 1–8), composed from the scalar equations of ``detente.model``.

``month(s, P, i, t)`` advances run ``i`` of the parameter block ``P`` (``detente.engine.compile.Params``)
in place in its ``State`` (``new_state`` allocates one, ``start_run`` fills it for run ``i``) and returns
the month's regime label. Nothing here allocates, so the kernel runs without numba's reference counting. It holds no formula of its own: every
number comes from an ``@equation``; every draw from the counter-based key of (run, month, site).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from detente.model.behaviour import NOISE, intention, noisy, site
from detente.model.beliefs import (
    attributed_evidence,
    event_update,
    learn,
    learning_gain,
    prob,
    signal_update,
    split_evidence,
)
from detente.model.elites import cohort_step, drawn_benign, leadership_share, relative_gains_weight
from detente.model.equation import equation
from detente.model.games import expected_cooperation, payoffs, trust_threshold, would_exploit
from detente.model.joining import join_separating, joins, sustainment_threshold
from detente.model.regime import channel_works, cooperation_index, issue_open, regime_label
from detente.rng import month_key, site_key, uhi, ulo

R_, TB_, TM_, S_, P_ = range(5)
"""Rows of ``State.pay``: the side's transformed payoffs R', T'_B, T'_M, S', P'."""


class State(NamedTuple):
    """One run's state (theory §10.2) and the month's derived quantities, as small arrays updated in place."""

    L: np.ndarray  # (2,) log-odds that the other side is benign
    h: np.ndarray  # (2,) Cold-War cohort share
    theta: np.ndarray  # (2,) bool, True = benign (B)
    z: np.ndarray  # (2, K) bool grievance: last perceived move of the other on an open issue was D
    a_prev: np.ndarray  # (2, K) bool own move last month (True = C)
    a: np.ndarray  # (2, K) bool realised moves this month
    o: np.ndarray  # (2, K) bool what each side saw the other do
    u_see: np.ndarray  # (2, K) perception uniforms (low half of each side's noise site)
    G: np.ndarray  # (K,) bool issue open
    pay: np.ndarray  # (5, 2, K) transformed payoffs (rows R_, TB_, TM_, S_, P_)
    t_star: np.ndarray  # (2, K) trust thresholds
    e: np.ndarray  # (2, K) bool: the side's M type would exploit
    pi: np.ndarray  # (2, K) expected cooperation of the other side
    omega: np.ndarray  # (K,) issue weights of the cooperation index
    p: np.ndarray  # (2,) trust sigma(L), cached: ``p_of`` holds the L it was computed from
    p_of: np.ndarray  # (2,)
    J: np.ndarray  # (2, K) bool: the side is in the offered architecture of issue k this month
    joined: np.ndarray  # (2,) int: first month the side joined an architecture, -1 never


def new_state(n_issues: int) -> State:
    """Room for one run's state (allocated once per thread and reused run after run; see ``start_run``)."""
    K = n_issues
    return State(
        np.empty(2), np.empty(2), np.empty(2, np.bool_), np.zeros((2, K), np.bool_), np.ones((2, K), np.bool_),
        np.zeros((2, K), np.bool_), np.zeros((2, K), np.bool_), np.zeros((2, K)), np.zeros(K, np.bool_),
        np.zeros((5, 2, K)), np.zeros((2, K)), np.zeros((2, K), np.bool_), np.zeros((2, K)), np.empty(K),
        np.zeros(2), np.full(2, np.nan), np.zeros((2, K), np.bool_), np.full(2, -1, np.int64),
    )  # fmt: skip


@equation
def start_run(s, P, i):
    """State before month 0: starting trust and shares, drawn types, no grievances, own last move C (§10.2)."""
    for side in range(2):
        s.L[side] = P.side[i, side]["L0"]
        s.h[side] = P.side[i, side]["h0"]
        s.theta[side] = P.theta0[i, side]
        s.p_of[side] = np.nan
        s.joined[side] = -1
        for k in range(P.issue.shape[1]):
            s.z[side, k] = False
            s.a_prev[side, k] = True
            s.J[side, k] = False
    for k in range(P.issue.shape[1]):
        s.omega[k] = P.issue[i, k, 0]["omega"]


@equation
def trust(s, side):
    """A side's trust p = sigma(L) (theory §10.2), computed once per value of L."""
    if s.p_of[side] != s.L[side]:
        s.p[side] = prob(s.L[side])
        s.p_of[side] = s.L[side]
    return s.p[side]


@equation
def slow_variables(s, P, i, t):
    """Step 1: cohort exit (not before month 0), leadership changes (share, type), counterfactual type switches."""
    for side in range(2):
        if t > 0:
            s.h[side] = cohort_step(s.h[side], P.side[i, side]["eta_m"])
    for j in range(P.lead_month.shape[0]):
        if P.lead_month[j] == t:
            side = P.lead_side[j]
            s.h[side] = leadership_share(s.h[side], P.lead_dh[i, j], P.lead_h[i, j])
            kind = P.lead_type[j]
            if kind == 0 or kind == 1:
                s.theta[side] = kind == 1
            elif kind == 2:
                sd = P.side[i, side]
                s.theta[side] = drawn_benign(P.lead_u[i, j], s.h[side], sd["m_old"], sd["m_new"])
    for side in range(2):
        if P.join_month[side] == t:
            s.theta[side] = True


@equation
def exogenous(s, P, i, t):
    """Step 2: the month's events (hostile ones amplified), costly signals, resets clearing grievances."""
    if P.ev_month.shape[0] > 0:
        for obs in range(2):
            friendly, hostile = 0.0, 0.0
            for j in range(P.ev_month.shape[0]):
                if P.ev_month[j] == t and P.ev_obs[j] == obs:
                    up, down = split_evidence(P.ev_dl[i, j])
                    friendly, hostile = friendly + up, hostile + down
            sd = P.side[i, obs]
            s.L[obs] = event_update(s.L[obs], friendly, hostile, sd["beta"], s.h[obs], P.L_max[i])
    for j in range(P.sig_month.shape[0]):
        if P.sig_month[j] == t:
            sender = P.sig_sender[j]
            obs = 1 - sender
            s.L[obs] = signal_update(
                s.L[obs], P.sig_separating[i, j], s.theta[sender], P.sig_log_mimic[i, j], P.L_max[i]
            )
    if P.reset[t]:
        for side in range(2):
            for k in range(P.issue.shape[1]):
                s.z[side, k] = False


@equation
def channel(s, P, i):
    """Step 3a: whether the verification channel works this month (both trusts at least the floor)."""
    return channel_works(trust(s, 0), trust(s, 1), P.channel_floor[i])


@equation
def issue_games(s, P, i, t, working):
    """Step 3b: every side's payoffs, threshold t* and exploit flag e on every issue this month (§10.4)."""
    iota = P.iota[i, t]
    for side in range(2):
        sd = P.side[i, side]
        tau = P.tau[i, t, side]
        r = relative_gains_weight(s.h[side], sd["r_old"], sd["r_new"], P.kappa_tau[i], tau)
        for k in range(P.issue.shape[1]):
            x = P.issue[i, k, side]
            Rp, TBp, TMp, Sp, Pp = payoffs(
                x["R0"], x["T_B"], x["P0"], x["T_M"], x["S"], x["v"], x["w"], r, tau, iota, x["dv"],
                x["S_incl"], P.invited[k] == side, working,
            )  # fmt: skip
            s.pay[R_, side, k], s.pay[TB_, side, k], s.pay[TM_, side, k] = Rp, TBp, TMp
            s.pay[S_, side, k], s.pay[P_, side, k] = Sp, Pp
            s.t_star[side, k] = trust_threshold(Rp, TBp, Pp, Sp)
            s.e[side, k] = would_exploit(TMp, Rp)


@equation
def table_games(s, P, t, working):
    """``s`` seen with month t's games read from the engine's table (same for every run): no copy."""
    c = 1 if working else 0
    return State(
        s.L, s.h, s.theta, s.z, s.a_prev, s.a, s.o, s.u_see, s.G, P.table_pay[t, c], P.table_t_star[t, c],
        P.table_e[t, c], s.pi, s.omega, s.p, s.p_of, s.J, s.joined,
    )  # fmt: skip


@equation
def join_decisions(g, P, i, t):
    """Step 3c: the invited side of an offered architecture joins iff its discount factor clears its type's
    sustainment threshold; joining when only a B type would is a separating signal to the other side."""
    for k in range(P.issue.shape[1]):
        j = P.invited[k]
        if j < 0:
            continue
        offered = P.iota[i, t] > 0.0
        if not offered:  # nobody is in (as joins() says); skips the thresholds
            g.J[j, k] = False
            continue
        reward, punish = g.pay[R_, j, k], g.pay[P_, j, k]
        d_B = sustainment_threshold(g.pay[TB_, j, k], reward, punish)
        d_M = sustainment_threshold(g.pay[TM_, j, k], reward, punish)
        delta = P.side[i, j]["delta"]
        now = joins(offered, delta, d_B if g.theta[j] else d_M)
        if now and not g.J[j, k]:
            other = 1 - j
            g.L[other] = signal_update(
                g.L[other], join_separating(delta, d_B, d_M), g.theta[j], 0.0, P.L_max[i]
            )
            if g.joined[j] < 0:
                g.joined[j] = t
        g.J[j, k] = now


@equation
def exploits(g, side, k):
    """Whether the side's M type would exploit issue k: e, unless the side is in that issue's architecture."""
    return g.e[side, k] and not g.J[side, k]


@equation
def open_issues(s, P, i):
    """Step 3d: expected cooperation pi, open issues G_k and the regime label (§10.4, §10.6)."""
    for side in range(2):
        p = trust(s, side)
        rho_other = P.side[i, 1 - side]["rho"]
        for k in range(P.issue.shape[1]):
            s.pi[side, k] = expected_cooperation(p, rho_other, exploits(s, 1 - side, k))
    any_open, any_strategic = False, False
    for k in range(P.issue.shape[1]):
        s.G[k] = issue_open(s.pi[0, k], s.t_star[0, k], s.pi[1, k], s.t_star[1, k])
        any_open = any_open or s.G[k]
        any_strategic = any_strategic or (s.G[k] and P.strategic[k])
    return regime_label(any_strategic, any_open)


@equation
def moves(s, P, i, key_t):
    """Steps 4–5: intentions (exploitation, logit, GTFT forgiveness) realised with implementation noise."""
    K = P.issue.shape[1]
    for side in range(2):
        sd = P.side[i, side]
        for k in range(K):
            base = site(side, k, 0, K)
            intend = intention(
                s.G[k], s.theta[side], exploits(s, side, k), s.z[side, k], sd["rho"], sd["q"], sd["lam"], s.pi[side, k],
                s.pay[R_, side, k], s.pay[TB_, side, k], s.pay[S_, side, k], s.pay[P_, side, k], key_t, base,
            )  # fmt: skip
            bits = site_key(key_t, base + NOISE)
            s.a[side, k] = noisy(intend, uhi(bits), sd["eps"])
            s.u_see[side, k] = ulo(bits)


@equation
def observe_and_learn(s, P, i):
    """Steps 6–7: each side sees the other's moves with perception noise and learns where informative."""
    for side in range(2):
        other = 1 - side
        sd = P.side[i, side]
        mu_other = P.side[i, other]["mu"]
        gain = 0.0
        for k in range(P.issue.shape[1]):
            seen = noisy(s.a[other, k], s.u_see[side, k], mu_other)
            s.o[side, k] = seen
            ell = P.ell_C[i, other] if seen else P.ell_D[i, other]
            ell = attributed_evidence(
                ell, (not seen) and (not s.a_prev[side, k]), sd["alpha"], sd["beta"], s.h[side]
            )
            g = learning_gain(sd["kappa"], ell, s.G[k] and exploits(s, other, k))
            gain += g
        s.L[side] = learn(s.L[side], gain, P.L_max[i])


@equation
def remember(s):
    """Step 8: grievance where an open issue's move was seen as D; own move kept for attribution."""
    for side in range(2):
        for k in range(s.G.shape[0]):
            s.z[side, k] = s.G[k] and not s.o[side, k]
            s.a_prev[side, k] = s.a[side, k]


@equation
def month_games(s, P, i, t):
    """Steps 1–3: slow variables, events and signals, the month's games; returns (games view, regime label)."""
    slow_variables(s, P, i, t)
    exogenous(s, P, i, t)
    working = channel(s, P, i)
    if P.use_table:  # the month's games are the same for every run: read them from the engine's table
        g = table_games(s, P, t, working)
    else:
        issue_games(s, P, i, t, working)
        g = s
    join_decisions(g, P, i, t)
    return g, open_issues(g, P, i)


@equation
def month_learn(g, s, P, i):
    """Steps 6–8 after the moves: observation, learning and memory."""
    observe_and_learn(g, P, i)
    remember(s)


@equation
def month(s, P, i, t):
    """Advance run ``i`` by month ``t`` (theory §10.5); returns the regime label."""
    g, regime = month_games(s, P, i, t)
    moves(g, P, i, month_key(P.keys[i], t))
    month_learn(g, s, P, i)
    return regime


@equation
def month_ci(s):
    """The month's cooperation index (theory §10.6)."""
    return cooperation_index(s.a[0], s.a[1], s.omega)
