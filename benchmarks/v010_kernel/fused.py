# ruff: noqa
"""The whole time loop for one chunk of runs as one numba kernel, bit-identical to ``engine.step``.

Each run is advanced month by month with its state in registers; draws come from the same
counter-based sites as the numpy step (``mix64`` on uint64), drawn only where the numpy step would use
them, and every float operation repeats ``step.py``'s order. A chunk is split into slices run on a
thread pool (the kernel releases the GIL); each slice counts into its own integer aggregates, which are
then added, so totals do not depend on thread scheduling. A serial kernel on threads compiles about
three times faster than a ``prange`` one and runs as fast.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import fields
from pathlib import Path

import numba
import numpy as np
from numba import njit

from .compile import ISSUE_FIELDS, SIDE_FIELDS, Compiled, Params, Structure
from .random import (  # the same constants as the numpy draws
    _G_SITE,
    _G_STEP,
    _LOW32,
    _M1,
    _M2,
    _S11,
    _S27,
    _S30,
    _S31,
    _S32,
    _TWO_M32,
    _TWO_M53,
    run_keys,
)
from .simulate import TRUST_BINS, ChunkOut, empty_totals, run_summaries, trust_edges_log_odds
from .step import thresholds

if not os.environ.get("NUMBA_CACHE_DIR") and not os.access(Path(__file__).parent, os.W_OK):
    numba.config.CACHE_DIR = str(
        Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "detente" / "numba"
    )

_ONE = np.uint64(1)

_S = {name: i for i, name in enumerate(SIDE_FIELDS)}
_I = {name: i for i, name in enumerate(ISSUE_FIELDS)}
H0, ETA_M, R_OLD, R_NEW, L0, EPS, MU, RHO, Q, LAM, KAPPA, ALPHA, BETA = (_S[f] for f in SIDE_FIELDS)
R0, T_B, P0, T_M, S_, V, W, OMEGA, DV, S_INCL = (_I[f] for f in ISSUE_FIELDS)


@njit(cache=True, inline="always")
def _mix64(z):
    z = (z ^ (z >> _S30)) * _M1
    z = (z ^ (z >> _S27)) * _M2
    return z ^ (z >> _S31)


@njit(cache=True, inline="always")
def _bits(key_t, site):
    return _mix64(key_t + (np.uint64(site) + _ONE) * _G_SITE)


@njit(cache=True, inline="always")
def _u53(bits):
    return np.float64(bits >> _S11) * _TWO_M53


@njit(cache=True, inline="always")
def _uhi(bits):
    return np.float64(bits >> _S32) * _TWO_M32


@njit(cache=True, inline="always")
def _ulo(bits):
    return np.float64(bits & _LOW32) * _TWO_M32


@njit(cache=True, inline="always")
def _clip(x, lo, hi):
    """np.clip's float semantics: min(max(x, lo), hi), NaN propagating."""
    if x != x:
        return x
    m = x if x > lo else lo
    return m if m < hi else hi


@njit(cache=True, inline="always")
def _bin(edges, x, p):
    """np.searchsorted(edges, x, side='right') for log-odds edges of equal p-bins, starting from p = sigma(x)."""
    m = edges.shape[0]
    if not (p >= 0.0 and p <= 1.0):
        return m if x != x or x > 0 else 0
    g = min(int(p * (m + 1)), m)
    while g < m and not (x < edges[g]):
        g += 1
    while g > 0 and x < edges[g - 1]:
        g -= 1
    return g


@njit(cache=True, nogil=True, error_model="numpy")
def _kernel(
    lo,
    hi,
    keys, side, issue, theta0, tau, iota, L_max_a, kappa_tau_a, ell_C, ell_D,
    lead_dh, sig_sep, sig_log_mimic, ev_dl,
    strategic, invited, reset, join_month, lead_month, lead_side, sig_month, sig_sender, ev_month, ev_obs,
    edges, durable_months, want_paths, use_tab, tab_tstar, tab_e, tab_pay,
    regime_counts, open_counts, mutual_counts, trust_hist, final_regime_o, months_o, first_o, durable_o, longest_o, ci_sum_o, final_L_o,
    path_L, path_h, path_a, path_G, path_regime,
):  # fmt: skip
    T = tau.shape[1]
    K = issue.shape[1]
    n_lead, n_sig, n_ev = lead_month.shape[0], sig_month.shape[0], ev_month.shape[0]
    for i in range(lo, hi):
        fl = np.empty((12, 2, K))
        Rp, TBp, TMp, Sp, Pp, tstar, pi, ulo = fl[0], fl[1], fl[2], fl[3], fl[4], fl[5], fl[6], fl[7]
        bo = np.zeros((6, 2, K), np.bool_)
        z, a_prev, e, a, o = bo[0], bo[1], bo[2], bo[3], bo[4]
        G = np.zeros(K, np.bool_)
        cR, cTB, cTM, cS = np.empty(K), np.empty(K), np.empty(K), np.empty((2, K))
        tau_c, iota_c = np.nan, np.nan
        L_c = np.full(2, np.nan)
        p_c = np.empty(2)
        L = np.empty(2)
        h = np.empty(2)
        theta = np.empty(2, np.bool_)
        for s in range(2):
            L[s] = side[i, s, L0]
            h[s] = side[i, s, H0]
            theta[s] = theta0[i, s]
            for k in range(K):
                a_prev[s, k] = True
        L_max = L_max_a[i]
        kappa_tau = kappa_tau_a[i]
        omega_total = issue[i, 0, OMEGA]
        for k in range(1, K):
            omega_total = omega_total + issue[i, k, OMEGA]
        key = keys[i]
        streak = 0
        first = -1
        durable_at = -1
        longest = 0
        m0, m1, m2 = 0, 0, 0
        ci_sum = 0.0
        regime = 0
        for t in range(T):
            key_t = _mix64(key + np.uint64(t + 2) * _G_STEP)
            # 1. slow variables
            if t > 0:
                for s in range(2):
                    h[s] = h[s] * (1.0 - side[i, s, ETA_M])
            for j in range(n_lead):
                if lead_month[j] == t:
                    s = lead_side[j]
                    h[s] = h[s] * (1.0 - lead_dh[i, j])
            for s in range(2):
                if join_month[s] == t:
                    theta[s] = True
            # 2. events, signals, resets
            if n_ev > 0:
                pos0, pos1, neg0, neg1 = 0.0, 0.0, 0.0, 0.0
                for j in range(n_ev):
                    if ev_month[j] == t:
                        dl = ev_dl[i, j]
                        up = dl if (dl >= 0.0 or dl != dl) else 0.0
                        dn = dl if (dl <= 0.0 or dl != dl) else 0.0
                        if ev_obs[j] == 0:
                            pos0 = pos0 + up
                            neg0 = neg0 + dn
                        else:
                            pos1 = pos1 + up
                            neg1 = neg1 + dn
                L[0] = _clip(L[0] + pos0 + (1.0 + side[i, 0, BETA] * h[0]) * neg0, -L_max, L_max)
                L[1] = _clip(L[1] + pos1 + (1.0 + side[i, 1, BETA] * h[1]) * neg1, -L_max, L_max)
            for j in range(n_sig):
                if sig_month[j] == t:
                    sender = sig_sender[j]
                    obs = 1 - sender
                    moved = L[obs] if sig_sep[i, j] else L[obs] - sig_log_mimic[i, j]
                    L[obs] = L_max if (sig_sep[i, j] and theta[sender]) else moved
                    L[obs] = _clip(L[obs], -L_max, L_max)
            if reset[t]:
                for s in range(2):
                    for k in range(K):
                        z[s, k] = False
            # 3. regime (the schedule-dependent payoff parts are recomputed only when tau or iota moves)
            if use_tab:
                for s in range(2):
                    for k in range(K):
                        tstar[s, k] = tab_tstar[t, s, k]
                        e[s, k] = tab_e[t, s, k]
                        Rp[s, k], TBp[s, k] = tab_pay[t, 0, s, k], tab_pay[t, 1, s, k]
                        Sp[s, k], Pp[s, k] = tab_pay[t, 2, s, k], tab_pay[t, 3, s, k]
            else:
                tau_t = tau[i, t]
                iota_t = iota[i, t]
                if not (tau_t == tau_c and iota_t == iota_c):
                    tau_c, iota_c = tau_t, iota_t
                    for k in range(K):
                        cR[k] = issue[i, k, R0] + issue[i, k, W] * tau_t
                        v_eff = issue[i, k, V] + issue[i, k, DV] * iota_t
                        p0 = issue[i, k, P0]
                        cTB[k] = v_eff * p0 + (1.0 - v_eff) * issue[i, k, T_B]
                        cTM[k] = v_eff * p0 + (1.0 - v_eff) * issue[i, k, T_M]
                        for s in range(2):
                            S_eff = issue[i, k, S_]
                            if invited[k] == s:
                                S_eff = S_eff + iota_t * (issue[i, k, S_INCL] - S_eff)
                            cS[s, k] = v_eff * p0 + (1.0 - v_eff) * S_eff
                for s in range(2):
                    r = side[i, s, R_NEW] + (side[i, s, R_OLD] - side[i, s, R_NEW]) * h[s]
                    r = r / (1.0 + kappa_tau * tau_t)
                    for k in range(K):
                        Sv = cS[s, k]
                        TBv = cTB[k]
                        rR = (1.0 - r) * cR[k]
                        rTB = TBv - r * Sv
                        rTM = cTM[k] - r * Sv
                        rS = Sv - r * TBv
                        rP = (1.0 - r) * issue[i, k, P0]
                        Rp[s, k], TBp[s, k], TMp[s, k], Sp[s, k], Pp[s, k] = rR, rTB, rTM, rS, rP
                        if rR <= rTB:
                            tstar[s, k] = np.inf
                        elif rS >= rP:
                            tstar[s, k] = 0.0
                        else:
                            tstar[s, k] = (rP - rS) / ((rR - rTB) + (rP - rS))
                        e[s, k] = rTM > rR
            for s in range(2):
                p = p_c[s] if L[s] == L_c[s] else 1.0 / (1.0 + np.exp(-L[s]))
                rho_o = side[i, 1 - s, RHO]
                for k in range(K):
                    pi[s, k] = p + (1.0 - p) * (1.0 - rho_o) if e[1 - s, k] else 1.0
            any_open = False
            any_strategic = False
            for k in range(K):
                G[k] = (pi[0, k] >= tstar[0, k]) and (pi[1, k] >= tstar[1, k])
                any_open = any_open or G[k]
                any_strategic = any_strategic or (G[k] and strategic[k])
            # 4–5. intentions and realised moves
            for s in range(2):
                rho = side[i, s, RHO]
                lam = side[i, s, LAM]
                q = side[i, s, Q]
                eps = side[i, s, EPS]
                for k in range(K):
                    base = (s * K + k) * 4
                    intend = G[k]
                    if G[k]:
                        ib = _bits(key_t, base)
                        exploiting = (not theta[s]) and e[s, k]
                        if exploiting:
                            intend = _uhi(ib) >= rho
                        elif theta[s] and np.isfinite(lam):
                            pik = pi[s, k]
                            d_eu = pik * (Rp[s, k] - TBp[s, k]) + (1.0 - pik) * (Sp[s, k] - Pp[s, k])
                            pr_c = 1.0 / (1.0 + np.exp((-lam) * d_eu))
                            intend = _u53(_bits(key_t, base + 2)) < pr_c
                        if z[s, k] and _ulo(ib) >= q:
                            intend = False
                    nb = _bits(key_t, base + 1)
                    a[s, k] = intend ^ (_uhi(nb) < eps)
                    ulo[s, k] = _ulo(nb)
            # 6–7. observe and learn
            for s in range(2):
                mu_o = side[i, 1 - s, MU]
                eC = ell_C[i, 1 - s]
                eD = ell_D[i, 1 - s]
                alpha = side[i, s, ALPHA]
                beta = side[i, s, BETA]
                kappa = side[i, s, KAPPA]
                total = 0.0
                for k in range(K):
                    ok = a[1 - s, k] ^ (ulo[s, k] < mu_o)
                    o[s, k] = ok
                    ell = eC if ok else eD
                    if (not ok) and (not a_prev[s, k]):
                        ell = (1.0 - alpha) * ell
                    if ell < 0:
                        ell = (1.0 + beta * h[s]) * ell
                    gain = kappa * ell if (G[k] and e[1 - s, k]) else 0.0
                    total = gain if k == 0 else total + gain
                L[s] = _clip(L[s] + total, -L_max, L_max)
            # 8. memory and outputs
            ci = 0.0
            for k in range(K):
                mut = a[0, k] and a[1, k]
                mutual_counts[k, t] += mut
                open_counts[k, t] += G[k]
                term = issue[i, k, OMEGA] * (1.0 if mut else 0.0)
                ci = term if k == 0 else ci + term
                for s in range(2):
                    z[s, k] = G[k] and not o[s, k]
                    a_prev[s, k] = a[s, k]
            regime = 0 if any_strategic else (1 if any_open else 2)
            regime_counts[regime, t] += 1
            for s in range(2):
                L_c[s] = L[s]
                p_c[s] = 1.0 / (1.0 + np.exp(-L[s]))
                trust_hist[s, t, _bin(edges, L[s], p_c[s])] += 1
            if regime == 0:
                m0 += 1
                if first < 0:
                    first = t
                streak += 1
            else:
                if regime == 1:
                    m1 += 1
                else:
                    m2 += 1
                streak = 0
            longest = max(longest, streak)
            if streak == durable_months and durable_at < 0:
                durable_at = t
            ci_sum = ci_sum + ci / omega_total
            if want_paths:
                for s in range(2):
                    path_L[i, t, s] = L[s]
                    path_h[i, t, s] = h[s]
                    path_regime[i, t] = regime
                    for k in range(K):
                        path_a[i, t, s, k] = a[s, k]
                        path_G[i, t, k] = G[k]
        months_o[i, 0], months_o[i, 1], months_o[i, 2] = m0, m1, m2
        first_o[i], durable_o[i], longest_o[i] = first, durable_at, longest
        ci_sum_o[i] = ci_sum
        final_regime_o[i] = regime
        final_L_o[i, 0], final_L_o[i, 1] = L[0], L[1]


def _events_arrays(items: tuple, cols: tuple[int, ...]) -> list[np.ndarray]:
    return [np.array([x[c] for x in items], dtype=np.int64) for c in cols]


def _uniform(params: Params) -> bool:
    """True when every input of the payoff transform is the same in all runs of the chunk."""
    side = [v for k, v in params.side.items() if k != "L0"]
    arrays = [*side, *params.issue.values(), params.tau, params.iota, params.kappa_tau, params.lead_dh]
    return all(a.shape[0] == 0 or bool(np.all(a == a[:1])) for a in arrays)


def _threshold_table(params: Params, st: Structure) -> tuple[bool, np.ndarray, np.ndarray, np.ndarray]:
    """Month-by-month t*, e and payoffs from engine.step.thresholds, when they are the same for every run.

    The payoff transform depends only on parameters and time (not on beliefs), so for a chunk whose
    parameters do not vary by run it is computed once, by the same numpy code as the reference step.
    """
    K, T = len(st.issues), st.horizon
    if params.n == 0 or not _uniform(params):
        return False, np.zeros((0, 2, K)), np.zeros((0, 2, K), np.bool_), np.zeros((0, 4, 2, K))
    one = Params(**{f.name: _first(getattr(params, f.name)) for f in fields(Params)})
    tstar, e, pay = np.empty((T, 2, K)), np.empty((T, 2, K), np.bool_), np.empty((T, 4, 2, K))
    h = one.side["h0"].copy()
    for t in range(T):
        if t > 0:
            h = h * (1.0 - one.side["eta_m"])
        for j, (month, s, _) in enumerate(st.leadership):
            if month == t:
                h[:, s] = h[:, s] * (1.0 - one.lead_dh[:, j])
        ts, ex, p = thresholds(one, st, h, t)
        tstar[t], e[t] = ts[0], ex[0]
        pay[t] = np.stack([p.R[0], p.T_B[0], p.S[0], p.P[0]])
    return True, tstar, e, pay


def _first(value: object) -> object:
    if isinstance(value, dict):
        return {k: v[:1] for k, v in value.items()}
    return value[:1] if isinstance(value, np.ndarray) else value


_POOL: ThreadPoolExecutor | None = None
MIN_SLICE = 128
"""Runs per thread below which a chunk is not split further."""


_LOCAL = threading.local()


@contextmanager
def single_threaded() -> Iterator[None]:
    """Within this block (in this thread) chunks run on one thread: for callers that parallelise cells."""
    _LOCAL.single = True
    try:
        yield
    finally:
        _LOCAL.single = False


def threads() -> int:
    """Worker threads for a chunk: 1 inside ``single_threaded``, else ``DETENTE_THREADS``, else the usable CPUs."""
    if getattr(_LOCAL, "single", False):
        return 1
    env = os.environ.get("DETENTE_THREADS")
    if env:
        return max(1, int(env))
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def _pool(workers: int) -> ThreadPoolExecutor:
    global _POOL
    if _POOL is None or _POOL._max_workers < workers:
        _POOL = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="detente-fused")
    return _POOL


def run_chunk_fused(compiled: Compiled, params: Params, want_paths: bool) -> ChunkOut:
    """Simulate one chunk with the fused numba kernel; same outputs as ``run_chunk_numpy``, bit for bit."""
    st = compiled.structure
    T, K, n = st.horizon, len(st.issues), params.n
    side = np.ascontiguousarray(np.stack([params.side[f] for f in SIDE_FIELDS], axis=-1), dtype=np.float64)
    issue = np.ascontiguousarray(np.stack([params.issue[f] for f in ISSUE_FIELDS], axis=-1), dtype=np.float64)
    lead_month, lead_side = _events_arrays(st.leadership, (0, 1))
    sig_month, sig_sender = _events_arrays(st.signals, (0, 1))
    ev_month, ev_obs = _events_arrays(st.events, (0, 1))
    final_regime = np.empty(n, np.int8)
    months = np.empty((n, 3), np.int32)
    first = np.empty(n, np.int32)
    durable_at = np.empty(n, np.int32)
    longest = np.empty(n, np.int32)
    ci_sum = np.empty(n)
    final_L = np.empty((n, 2))
    shape = (n, T) if want_paths else (0, 0)
    path_L, path_h = np.zeros((*shape, 2)), np.zeros((*shape, 2))
    path_a, path_G = np.zeros((*shape, 2, K), np.bool_), np.zeros((*shape, K), np.bool_)
    path_regime = np.zeros(shape, np.int8)
    inputs = (
        run_keys(compiled.seed, params.runs), side, issue, np.ascontiguousarray(params.theta0, dtype=np.bool_),
        np.ascontiguousarray(params.tau, dtype=np.float64), np.ascontiguousarray(params.iota, dtype=np.float64),
        np.ascontiguousarray(params.L_max, np.float64), np.ascontiguousarray(params.kappa_tau, np.float64),
        np.ascontiguousarray(params.ell_C, np.float64), np.ascontiguousarray(params.ell_D, np.float64),
        np.ascontiguousarray(params.lead_dh, np.float64), np.ascontiguousarray(params.sig_separating, np.bool_),
        np.ascontiguousarray(params.sig_log_mimic, np.float64), np.ascontiguousarray(params.ev_dl, np.float64),
        np.asarray(st.strategic, np.bool_), np.asarray(st.invited, np.int64), np.asarray(st.reset, np.bool_),
        np.asarray(st.join_month, np.int64), lead_month, lead_side, sig_month, sig_sender, ev_month, ev_obs,
        trust_edges_log_odds(), int(st.durable_months), bool(want_paths), *_threshold_table(params, st),
    )  # fmt: skip
    per_run = (final_regime, months, first, durable_at, longest, ci_sum, final_L)
    paths = (path_L, path_h, path_a, path_G, path_regime)
    workers = max(1, min(threads(), n // MIN_SLICE))
    bounds = np.linspace(0, n, workers + 1).astype(int)
    parts = [empty_totals(T, K, TRUST_BINS) for _ in range(workers)]
    small = np.uint16 if int(np.diff(bounds).max(initial=0)) < 2**16 else np.int32  # counts cannot overflow
    hists = [np.zeros((2, T, TRUST_BINS), small) for _ in range(workers)]

    def work(w: int) -> None:
        c = parts[w]
        counts = (c.regime_counts, c.open_counts, c.mutual_counts, hists[w])
        _kernel(int(bounds[w]), int(bounds[w + 1]), *inputs, *counts, *per_run, *paths)

    if workers == 1:
        work(0)
    else:
        list(_pool(workers).map(work, range(workers)))
    out = parts[0]
    for c, hist in zip(parts, hists, strict=True):
        c.trust_hist += hist
    for c in parts[1:]:
        out.regime_counts += c.regime_counts
        out.open_counts += c.open_counts
        out.mutual_counts += c.mutual_counts
        out.trust_hist += c.trust_hist
    out.summaries = run_summaries(params, months, first, durable_at, longest, ci_sum, final_L, final_regime)
    if want_paths:
        out.paths = {"L": path_L, "h": path_h, "G": path_G, "a": path_a, "regime": path_regime}
    return out
