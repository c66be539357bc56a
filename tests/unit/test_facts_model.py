"""Analytic facts of theory.md §10.8 on the pure model functions (tolerance 1e-6 unless stated).

F12–F15 (repeated-game doctrines) live with the doctrines tests; F21–F25 are also checked through the
engine in test_facts_engine.py.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.optimize import brentq

from detente.model import beliefs, elites, games, regime
from detente.model.games import Payoffs

TOL = 1e-6
TOL4 = 5e-5  # numbers the theory states to four decimals


def approx(x: float, tol: float = TOL):
    return pytest.approx(x, abs=tol)


def test_F1_trust_threshold():
    assert games.trust_threshold(4, 3, 2, 0) == approx(2 / 3)
    assert games.trust_threshold(4, 3, 2, 1) == approx(0.5)


def test_F2_verification():
    pay = games.issue_payoffs(R0=4, T_B=3, P0=2, T_M=6, S=0, v=0.5, w=0, r=0)
    assert approx(2.5) == pay.T_B
    assert approx(1.0) == pay.S
    assert games.trust_threshold(pay.R, pay.T_B, pay.P, pay.S) == approx(0.4)


def test_F3_common_threat():
    pay = games.issue_payoffs(R0=4, T_B=3, P0=2, T_M=6, S=0, v=0, w=1, r=0, tau=1.0)
    assert approx(5.0) == pay.R
    assert games.trust_threshold(pay.R, pay.T_B, pay.P, pay.S) == approx(0.5)


def test_F4_relative_gains_stag_hunt():
    # Stag Hunt (R, T, P, S) = (4, 3, 2, 1)
    Rp, Tp, Sp, Pp = games.relative_gains(4, 3, 1, 2, 0.2)
    assert (Rp, Tp, Sp, Pp) == (approx(3.2), approx(2.8), approx(0.4), approx(1.6))
    assert games.trust_threshold(Rp, Tp, Pp, Sp) == approx(0.75)
    assert games.stag_hunt_pd_boundary(4, 3, 1) == approx(1 / 3)
    assert games.is_prisoners_dilemma(*games.relative_gains(4, 3, 1, 2, 0.34))
    assert not games.is_prisoners_dilemma(*games.relative_gains(4, 3, 1, 2, 0.33))
    for r in (0.34, 0.5, 0.9, 0.999):
        assert games.is_prisoners_dilemma(*games.relative_gains(4, 3, 1, 2, r))
    # r = 1: constant-sum, not a strict PD
    assert not games.is_prisoners_dilemma(*games.relative_gains(4, 3, 1, 2, 1.0))
    assert games.trust_threshold(*_rtps(games.relative_gains(4, 3, 1, 2, 0.3))) == approx(0.928571)


def _rtps(rtsp: tuple) -> tuple:
    """(R', T', S', P') -> (R', T', P', S') for trust_threshold."""
    R, T, S, P = rtsp
    return R, T, P, S


def test_F5_relative_gains_harmony():
    # Harmony (R, T, S, P) = (4, 3, 2, 1)
    assert games.harmony_pd_boundary(4, 3, 2, 1) == approx(0.5)
    out = games.relative_gains(4, 3, 2, 1, 0.6)
    assert tuple(out) == (approx(1.6), approx(1.8), approx(0.2), approx(0.4))
    assert games.is_prisoners_dilemma(*out)
    assert not games.is_prisoners_dilemma(*games.relative_gains(4, 3, 2, 1, 0.5))  # boundary (2, 2, .5, .5)
    assert not games.is_prisoners_dilemma(*games.relative_gains(4, 3, 2, 1, 0.49))
    assert games.is_prisoners_dilemma(*games.relative_gains(4, 3, 2, 1, 0.51))


def test_F6_grieco_snidal():
    assert games.grieco_to_snidal(1) == approx(0.5)
    assert games.grieco_to_snidal(3) == approx(0.75)


def test_F7_bayes_log_odds():
    assert beliefs.bayes_posterior(0.5, 3) == approx(0.25)
    assert beliefs.bayes_posterior(0.5, 4) == approx(0.2)
    L0 = beliefs.log_odds(0.4)
    a = beliefs.event_update(beliefs.event_update(L0, 3), 0.5)
    b = beliefs.event_update(beliefs.event_update(L0, 0.5), 3)
    assert a == pytest.approx(b, abs=1e-12)
    assert a == pytest.approx(L0 - math.log(3) - math.log(0.5), abs=1e-12)
    assert beliefs.prob(a) == approx(beliefs.bayes_posterior(0.4, 1.5))


def test_F8_effective_threshold():
    assert games.effective_threshold(0.6, 0.5) == approx(0.2)
    assert games.effective_threshold(0.6, 1.0) == approx(0.6)
    # the same through expected cooperation: pi(p*) = t*
    assert games.expected_cooperation(0.2, 0.5, True) == approx(0.6)
    assert games.expected_cooperation(0.2, 0.5, False) == approx(1.0)


def test_F10_spiral_update():
    assert beliefs.spiral_update(0.5, 0.2, 0.8, build=True) == approx(0.2)
    assert beliefs.spiral_update(0.5, 0.2, 0.8, build=False) == approx(0.8)
    p, path = 0.5, []
    for _ in range(3):
        p = float(beliefs.spiral_update(p, 0.2, 0.8, build=True))
        path.append(p)
    assert path == [approx(0.2), approx(0.058824), approx(0.015385)]
    # the same as a log-odds update with lr = alpha_M/alpha_B = 4
    assert beliefs.bayes_posterior(0.5, 4) == approx(path[0])


def test_F11_costly_signal():
    V_B, V_M = beliefs.signal_values(R=4, P=2, T_M=6, delta=0.9)
    assert (approx(18.0), approx(3.6)) == (V_B, V_M)
    assert beliefs.separating_cost(2, 6, 0.9) == approx(3.6)
    assert V_B >= V_M  # separating
    V_B, V_M = beliefs.signal_values(R=4, P=2, T_M=6, delta=0.4)
    assert (approx(4 / 3), approx(1.6)) == (V_B, V_M)
    assert V_B < V_M  # no separating signal
    assert beliefs.pooling_posterior(0.4, 0.5) == approx(0.571429)
    for p in (0.05, 0.4, 0.9):
        assert beliefs.pooling_posterior(p, 1.0) == approx(p, 1e-12)  # cheap talk


def test_F16_logit_qre():
    cases = [
        ((3, 5, 1, 0), 0.0, 0.5),
        ((3, 5, 1, 0), 0.5, 0.338648),
        ((3, 5, 1, 0), 1.0, 0.226751),
        ((3, 5, 1, 0), 2.0, 0.099788),
        ((4, 3, 2, 0), 1.0, 0.195846),
        ((4, 3, 2, 1.5), 1.0, 0.597948),
        ((4, 3, 2, 1.5), 2.0, 0.804154),
    ]
    for (R, T, P, S), lam, want in cases:
        assert games.symmetric_qre(R, T, P, S, lam) == approx(want), (R, T, P, S, lam)
    # three QRE at lambda = 5 on SH (4,3,2,0); the principal branch goes to ~0 (risk-dominant D)
    assert games.symmetric_qre(4, 3, 2, 0, 5.0) == pytest.approx(4.5429e-5, abs=1e-8)
    # each QRE is a fixed point of the logit response through logit_cooperate
    for (R, T, P, S), lam, want in cases:
        pay = Payoffs(R=np.float64(R), T_B=np.float64(T), T_M=np.float64(T), S=np.float64(S), P=np.float64(P))
        assert games.logit_cooperate(lam, want, pay) == approx(want, 2e-6)
    # at pi = t*, Pr(C) = 1/2 for any lambda
    for R, T, P, S in ((4, 3, 2, 0), (4, 3, 2, 1.5), (3.38, 2.22875, 1.69, 0.87)):
        t_star = games.trust_threshold(R, T, P, S)
        pay = Payoffs(*(np.float64(x) for x in (R, T, T, S, P)))
        for lam in (0.0, 0.5, 1.0, 5.0, 20.0):
            assert games.logit_cooperate(lam, t_star, pay) == approx(0.5, 1e-12)


def test_F20_cohort():
    assert elites.half_life(0.05) == pytest.approx(13.5134, abs=TOL4)
    h20 = elites.cohort_share(0.9, 0.05, 20)
    assert h20 == approx(0.322637)
    assert elites.relative_gains_weight(h20, 0.6, 0.2) == approx(0.329055)
    assert elites.crossing_time(1 / 3, 0.9, 0.05, 0.6, 0.2) == pytest.approx(19.3642, abs=TOL4)
    assert elites.monthly_hazard(0.05) == approx(0.004265)
    # twelve monthly decays equal one annual decay
    assert (1 - elites.monthly_hazard(0.05)) ** 12 == pytest.approx(0.95, abs=1e-12)


# ---- F21–F25 on the model functions (defaults of theory §10.3) ----

ISSUES = {  # T_M, S, v, w
    "arms": (6.0, 0.0, 0.8, 0.0),
    "transit": (6.0, 1.5, 0.5, 1.0),
    "nonprolif": (6.0, 1.0, 0.4, 1.0),
    "arch": (10.0, -4.0, 0.0, 0.5),
}


def _side_payoffs(r: float, tau: float = 0.0, iota: float = 0.0, invited: bool = False) -> dict[str, Payoffs]:
    out = {}
    for name, (T_M, S, v, w) in ISSUES.items():
        arch = name == "arch"
        out[name] = games.issue_payoffs(
            4.0,
            3.0,
            2.0,
            T_M,
            S,
            v,
            w,
            r,
            tau=tau,
            iota=iota,
            dv=0.5 if arch else 0.0,
            S_incl=3.0 if arch else None,
            invited=invited and arch,
        )
    return out


def _threshold(pay: Payoffs) -> float:
    return float(games.trust_threshold(pay.R, pay.T_B, pay.P, pay.S))


def _default_r(h: float) -> float:
    return float(elites.relative_gains_weight(h, 0.40, 0.05))


def test_F21_default_baseline_regime():
    r_W, r_R = _default_r(0.3), _default_r(0.8)
    assert (r_W, r_R) == (approx(0.155), approx(0.33))
    W, R = _side_payoffs(r_W), _side_payoffs(r_R, invited=True)
    want = {"arms": (0.2318, 0.3161), "transit": (0.2215, 0.3539), "nonprolif": (0.4101, 0.5955)}
    for name, (tw, tr) in want.items():
        assert _threshold(W[name]) == pytest.approx(tw, abs=TOL4), name
        assert _threshold(R[name]) == pytest.approx(tr, abs=TOL4), name
    # under verification even the M type cooperates on arms control
    assert not games.would_exploit(W["arms"]) and not games.would_exploit(R["arms"])
    for name in ("transit", "nonprolif", "arch"):
        assert games.would_exploit(W[name]) and games.would_exploit(R[name])
    assert (approx(3.38), approx(3.62)) == (W["arch"].R, W["arch"].T_B)
    assert (approx(2.68), approx(4.32)) == (R["arch"].R, R["arch"].T_B)
    assert math.isinf(_threshold(W["arch"])) and math.isinf(_threshold(R["arch"]))
    p_W, p_R, rho = 0.40, 0.35, 0.5
    G = []
    for name in ISSUES:
        pi_W = float(games.expected_cooperation(p_W, rho, games.would_exploit(R[name])))
        pi_R = float(games.expected_cooperation(p_R, rho, games.would_exploit(W[name])))
        if name == "arms":
            assert (pi_W, pi_R) == (1.0, 1.0)
        else:
            assert (pi_W, pi_R) == (approx(0.7), approx(0.675))
        G.append(bool(regime.issue_open(pi_W, _threshold(W[name]), pi_R, _threshold(R[name]))))
    assert G == [True, True, True, False]
    assert regime.regime_label(np.array(G), np.array([False, False, False, True])) == regime.TACTICAL
    # the most fragile tactical issue: Russia's non-proliferation cooperation
    p_star = {
        name: float(games.effective_threshold(_threshold(R[name]), rho)) for name in ("transit", "nonprolif")
    }
    assert p_star["nonprolif"] == pytest.approx(0.1910, abs=TOL4)
    assert p_star["nonprolif"] == max(p_star.values())


def _arch_pd_boundary(tau: float, iota: float) -> float:
    def gap(r: float) -> float:
        pay = _side_payoffs(r, tau, iota)["arch"]
        return float(pay.R - pay.T_B)

    return brentq(gap, 0.0, 1.0, xtol=1e-14)


def test_F22_necessity_of_mindset_change():
    for (tau, iota), want in (((0, 0), 0.125), ((1, 0), 0.176471), ((1, 1), 0.363636)):
        r_star = _arch_pd_boundary(tau, iota)
        assert r_star == approx(want)
        assert math.isinf(_threshold(_side_payoffs(r_star + 1e-6, tau, iota)["arch"]))
        assert math.isfinite(_threshold(_side_payoffs(r_star - 1e-6, tau, iota)["arch"]))


def _arch_thresholds(cond1: bool, cond2: bool, cond3a: bool) -> tuple[float, float]:
    h_W, h_R = (0.0, 0.0) if cond1 else (0.3, 0.8)
    tau, iota = float(cond2), float(cond3a)
    W = _side_payoffs(_default_r(h_W), tau, iota)["arch"]
    R = _side_payoffs(_default_r(h_R), tau, iota, invited=True)["arch"]
    return _threshold(W), _threshold(R)


def test_F23_three_conditions_jointly():
    pi_W, pi_R = 0.7, 0.675  # baseline beliefs (0.40, 0.35), rho = 0.5
    want_W = {
        (1, 0, 0): 0.9098,
        (0, 1, 0): 0.9712,
        (0, 0, 1): 0.8093,
        (1, 1, 0): 0.8491,
        (1, 0, 1): 0.7076,
        (0, 1, 1): 0.7284,
    }
    for conds, t_W in want_W.items():
        tw, tr = _arch_thresholds(*map(bool, conds))
        assert tw == pytest.approx(t_W, abs=TOL4), conds
        assert tw > pi_W
        assert not regime.issue_open(pi_W, tw, pi_R, tr), conds
    assert math.isinf(_arch_thresholds(False, True, False)[1])  # cond2 alone: R's game still a PD
    tw, tr = _arch_thresholds(True, True, True)
    assert tw == approx(0.636842)
    assert tr == 0.0  # S' >= P' for Russia under full inclusion
    assert regime.issue_open(pi_W, tw, pi_R, tr)
    assert games.effective_threshold(tw, 0.5) == approx(0.273684)


def test_F24_condition_3b_one_observation():
    o_B, o_M = beliefs.observation_likelihoods(0.02, 0.5, 0.02)
    assert (o_B, o_M) == (approx(0.9608), approx(0.5))
    L0 = beliefs.log_odds(0.40)
    for saw_c, want in ((False, 0.260774), (True, 0.439750)):
        ell = beliefs.move_evidence(saw_c, o_B, o_M)
        # h_W = 0 and own previous move C: no negativity bias, no provocation discount
        ell = beliefs.biased_evidence(ell, provoked=False, alpha=0.5, beta=1.0, h=0.0)
        p = beliefs.prob(beliefs.learn(L0, 0.25, ell, math.log(999)))
        assert p == approx(want)
    assert 0.260774 < games.effective_threshold(_arch_thresholds(True, True, True)[0], 0.5) < 0.439750


def test_F25_reset_without_signal_model():
    # a reset is cheap talk: an M type would send it too (mimic = 1), so beliefs do not move
    for p in (0.1, 0.4, 0.35, 0.8):
        assert beliefs.pooling_posterior(p, 1.0) == approx(p, 1e-12)
        assert beliefs.bayes_posterior(p, 1.0) == approx(p, 1e-12)
