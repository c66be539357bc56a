"""Analytic facts of theory.md §10.8 on the equations the engine runs (tolerance 1e-6 unless stated).

Every test runs twice through ``FactBase``: on the compiled equations and on their plain-Python twins.
Analytic companions that the engine does not run (half-life, Grieco's k, p*, QRE fixed points, Kydd's
spiral update, signal values) appear beside the engine equation that carries the same fact. F12–F15
(repeated-game doctrines) live in test_repeated_games.py; F21–F25 are also run month by month through the
engine's composition in test_facts_engine.py. F9 and F17–F19 (continuous types, Richardson, KTAB, BDM)
have no code in detente.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.optimize import brentq
from test_facts_base import FactBase

from detente.model import beliefs, elites, games, regime

TOL = 1e-6
TOL4 = 5e-5  # numbers the theory states to four decimals
L_MAX = math.log(999)
INF = math.inf


def approx(x: float, tol: float = TOL):
    return pytest.approx(x, abs=tol)


def _rtps(rtsp: tuple) -> tuple:
    """(R', T', S', P') -> (R', T', P', S') for trust_threshold."""
    R, T, S, P = rtsp
    return R, T, P, S


ISSUES = {  # T_M, S, v, w: theory §10.3 defaults
    "arms": (6.0, 0.0, 0.8, 0.0),
    "transit": (6.0, 1.5, 0.5, 1.0),
    "nonprolif": (6.0, 1.0, 0.4, 1.0),
    "arch": (10.0, -4.0, 0.0, 0.5),
}


class TestGameFacts(FactBase):
    def test_F1_trust_threshold(self, f):
        t = f(games.trust_threshold)
        assert t(4.0, 3.0, 2.0, 0.0) == approx(2 / 3)
        assert t(4.0, 3.0, 2.0, 1.0) == approx(0.5)
        assert t(3.0, 3.0, 2.0, 0.0) == INF  # R <= T: a PD for the B type
        assert t(4.0, 3.0, 2.0, 2.0) == 0.0  # S >= P: cooperating is safe

    def test_F2_verification(self, f):
        assert f(games.verified)(3.0, 2.0, 0.5) == approx(2.5)  # T_v
        assert f(games.verified)(0.0, 2.0, 0.5) == approx(1.0)  # S_v
        R, TB, TM, S, P = f(games.payoffs)(4.0, 3.0, 2.0, 6.0, 0.0, 0.5, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, False)
        assert (approx(4.0), approx(2.5), approx(4.0), approx(1.0), approx(2.0)) == (R, TB, TM, S, P)
        assert f(games.trust_threshold)(R, TB, P, S) == approx(0.4)

    def test_F3_common_threat(self, f):
        assert f(games.threat_reward)(4.0, 1.0, 1.0) == approx(5.0)
        assert f(games.threat_reward)(4.0, 0.5, 2.0) == approx(5.0)  # w_k weighs the threat
        R, TB, _, S, P = f(games.payoffs)(4.0, 3.0, 2.0, 6.0, 0.0, 0.0, 1.0, 0.0, 1.0, 0.0, 0.0, 0.0, False)
        assert approx(5.0) == R
        assert f(games.trust_threshold)(R, TB, P, S) == approx(0.5)

    def test_F4_relative_gains_stag_hunt(self, f):
        rg, t = f(games.relative_gains), f(games.trust_threshold)
        assert rg(4.0, 3.0, 1.0, 2.0, 0.2) == (approx(3.2), approx(2.8), approx(0.4), approx(1.6))
        assert t(*_rtps(rg(4.0, 3.0, 1.0, 2.0, 0.2))) == approx(0.75)
        assert t(*_rtps(rg(4.0, 3.0, 1.0, 2.0, 0.3))) == approx(0.928571)
        assert games.stag_hunt_pd_boundary(4, 3, 1) == approx(1 / 3)
        assert games.is_prisoners_dilemma(*rg(4.0, 3.0, 1.0, 2.0, 0.34))
        assert not games.is_prisoners_dilemma(*rg(4.0, 3.0, 1.0, 2.0, 0.33))
        assert t(*_rtps(rg(4.0, 3.0, 1.0, 2.0, 0.34))) == INF  # the engine's threshold sees the PD
        for r in (0.34, 0.5, 0.9, 0.999):
            assert games.is_prisoners_dilemma(*rg(4.0, 3.0, 1.0, 2.0, r))
        assert not games.is_prisoners_dilemma(*rg(4.0, 3.0, 1.0, 2.0, 1.0))  # constant-sum, not strict

    def test_F5_relative_gains_harmony(self, f):
        rg = f(games.relative_gains)
        assert games.harmony_pd_boundary(4, 3, 2, 1) == approx(0.5)
        out = rg(4.0, 3.0, 2.0, 1.0, 0.6)
        assert out == (approx(1.6), approx(1.8), approx(0.2), approx(0.4))
        assert games.is_prisoners_dilemma(*out)
        assert not games.is_prisoners_dilemma(*rg(4.0, 3.0, 2.0, 1.0, 0.5))  # boundary (2, 2, .5, .5)
        assert not games.is_prisoners_dilemma(*rg(4.0, 3.0, 2.0, 1.0, 0.49))
        assert games.is_prisoners_dilemma(*rg(4.0, 3.0, 2.0, 1.0, 0.51))
        # either Harmony inequality can bind: R' < T' first, or S' < P' first
        assert games.harmony_pd_boundary(4, 2, 1.5, 1) == approx(0.8)  # (R-T)/(R-S)
        assert games.harmony_pd_boundary(4, 3.5, 3, 1) == approx(0.8)  # (S-P)/(T-P)
        assert not games.is_prisoners_dilemma(3.0, 3.0, 0.0, 1.0)  # T = R: not strict
        assert not games.is_prisoners_dilemma(3.0, 5.0, 1.0, 1.0)  # P = S: not strict
        assert games.is_prisoners_dilemma(3.0, 5.0, 0.0, 1.0)

    def test_F6_grieco_snidal(self, f):
        # r = k/(1+k) is a conversion of inputs (no engine equation); r = 1/2 halves R and P in the engine
        assert games.grieco_to_snidal(1) == approx(0.5)
        assert games.grieco_to_snidal(3) == approx(0.75)
        R, _, _, P = f(games.relative_gains)(4.0, 3.0, 1.0, 2.0, float(games.grieco_to_snidal(1)))
        assert (approx(2.0), approx(1.0)) == (R, P)

    def test_F8_effective_threshold(self, f):
        pi = f(games.expected_cooperation)
        assert games.effective_threshold(0.6, 0.5) == approx(0.2)
        assert games.effective_threshold(0.6, 1.0) == approx(0.6)
        # pi(p*) = t*: at p* the issue opens exactly (the engine's pi and G)
        assert pi(0.2, 0.5, True) == approx(0.6)
        assert pi(0.2, 0.5, False) == 1.0  # the other's M type would not exploit
        assert pi(0.6, 1.0, True) == approx(0.6)  # rho = 1: pi = p
        is_open = f(regime.issue_open)
        assert is_open(pi(0.2 + 1e-9, 0.5, True), 0.6, 1.0, 0.0)
        assert not is_open(pi(0.2 - 1e-9, 0.5, True), 0.6, 1.0, 0.0)
        assert not is_open(1.0, 0.0, pi(0.2 - 1e-9, 0.5, True), 0.6)  # two-sided

    def test_F16_logit_qre(self, f):
        logit = f(games.logit_cooperate)
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
            # each QRE is a fixed point of the engine's logit response
            assert logit(lam, want, float(R), float(T), float(S), float(P)) == approx(want, 2e-6)
        assert games.symmetric_qre(4, 3, 2, 0, 5.0) == pytest.approx(4.5429e-5, abs=1e-8)  # principal branch
        # at pi = t*, Pr(C) = 1/2 for any lambda
        for R, T, P, S in ((4.0, 3.0, 2.0, 0.0), (4.0, 3.0, 2.0, 1.5), (3.38, 2.22875, 1.69, 0.87)):
            t_star = f(games.trust_threshold)(R, T, P, S)
            for lam in (0.0, 0.5, 1.0, 5.0, 20.0):
                assert logit(lam, t_star, R, T, S, P) == approx(0.5, 1e-12)
        assert logit(INF, 0.9, 4.0, 3.0, 0.0, 2.0) == 1.0  # lambda = inf: best response


class TestBeliefFacts(FactBase):
    def test_F7_bayes_log_odds(self, f):
        L0, p = f(beliefs.log_odds), f(beliefs.prob)
        ev, upd = f(beliefs.event_evidence), f(beliefs.event_update)
        assert beliefs.bayes_posterior(0.5, 3) == approx(0.25)
        assert beliefs.bayes_posterior(0.5, 4) == approx(0.2)
        for lr, want in ((3.0, 0.25), (4.0, 0.2)):
            _, hostile = f(beliefs.split_evidence)(ev(math.log(lr)))
            assert p(upd(L0(0.5), 0.0, hostile, 0.0, 0.0, L_MAX)) == approx(want)  # beta = 0: plain Bayes
        # updates commute and add in L
        a = L0(0.4) + ev(math.log(3.0)) + ev(math.log(0.5))
        b = L0(0.4) + ev(math.log(0.5)) + ev(math.log(3.0))
        assert a == pytest.approx(b, abs=1e-12)
        assert a == pytest.approx(L0(0.4) - math.log(1.5), abs=1e-12)
        assert p(a) == approx(beliefs.bayes_posterior(0.4, 1.5))

    def test_F7_event_log_lr_from_goldstein(self, f):
        # an event without explicit lr: ln lr = gamma*|g|*(-valence); hostile acts are evidence of M
        assert f(beliefs.event_log_lr)(-10.0, -1.0, 0.1) == approx(1.0)
        assert f(beliefs.event_log_lr)(8.0, 1.0, 0.1) == approx(-0.8)
        assert f(beliefs.event_log_lr)(8.0, 0.0, 0.1) == 0.0

    def test_F7_split_and_amplify(self, f):
        split, upd = f(beliefs.split_evidence), f(beliefs.event_update)
        assert split(0.7) == (0.7, 0.0) and split(-0.3) == (0.0, -0.3)
        # hostile evidence is weighed by 1 + beta*h (Jervis), friendly evidence is not
        assert upd(0.0, 0.8, -1.0, 1.0, 0.3, L_MAX) == approx(0.8 - 1.3)
        assert upd(0.0, 0.0, -100.0, 0.0, 0.0, L_MAX) == approx(-L_MAX, 1e-12)  # clipped
        assert f(beliefs.hostile_weight)(2.0, 0.25) == approx(1.5)

    def test_exp_overflows_to_inf_on_both_paths(self, f):
        exp = f(beliefs.exp)
        assert exp(800.0) == INF and exp(709.0) == pytest.approx(math.exp(709.0), rel=1e-15)
        assert math.isfinite(exp(beliefs._EXP_MAX))  # the largest finite e^x
        assert f(beliefs.prob)(-800.0) == 0.0 and f(beliefs.prob)(800.0) == 1.0

    def test_F10_spiral_update(self, f):
        assert beliefs.spiral_update(0.5, 0.2, 0.8, build=True) == approx(0.2)
        assert beliefs.spiral_update(0.5, 0.2, 0.8, build=False) == approx(0.8)
        # the engine's form: a Build is an event with lr = alpha_M/alpha_B = 4
        L, path = f(beliefs.log_odds)(0.5), []
        for _ in range(3):
            _, hostile = f(beliefs.split_evidence)(f(beliefs.event_evidence)(math.log(0.8 / 0.2)))
            L = f(beliefs.event_update)(L, 0.0, hostile, 0.0, 0.0, L_MAX)
            path.append(f(beliefs.prob)(L))
        assert path == [approx(0.2), approx(0.058824), approx(0.015385)]
        p_kydd = 0.5
        for want in path:
            p_kydd = float(beliefs.spiral_update(p_kydd, 0.2, 0.8, build=True))
            assert p_kydd == approx(want, 1e-12)

    def test_F11_costly_signal(self, f):
        V_B, V_M = beliefs.signal_values(R=4, P=2, T_M=6, delta=0.9)
        assert (approx(18.0), approx(3.6)) == (V_B, V_M)
        assert f(beliefs.separating_cost)(2.0, 6.0, 0.9) == approx(3.6)
        V_B, V_M = beliefs.signal_values(R=4, P=2, T_M=6, delta=0.4)
        assert (approx(4 / 3), approx(1.6)) == (V_B, V_M)  # V_B < V_M: no separating signal
        sig, L0, p = f(beliefs.signal_update), f(beliefs.log_odds), f(beliefs.prob)
        L = L0(0.4)
        assert p(sig(L, False, True, math.log(0.5), L_MAX)) == approx(0.571429)  # pooling, m = 0.5
        assert beliefs.pooling_posterior(0.4, 0.5) == approx(0.571429)
        assert sig(L, True, True, math.log(0.5), L_MAX) == L_MAX  # separating, sent by a B type
        assert sig(L, True, False, math.log(0.5), L_MAX) == L  # an M type does not pay for it
        for p0 in (0.05, 0.4, 0.9):  # cheap talk: m = 1
            assert p(sig(L0(p0), False, True, 0.0, L_MAX)) == approx(p0, 1e-12)
            assert beliefs.pooling_posterior(p0, 1.0) == approx(p0, 1e-12)

    def test_F24_condition_3b_one_observation(self, f):
        o_B, o_M = f(beliefs.observation_likelihoods)(0.02, 0.5, 0.02)
        assert (o_B, o_M) == (approx(0.9608), approx(0.5))
        L0 = f(beliefs.log_odds)(0.40)
        for saw_c, want in ((False, 0.260774), (True, 0.439750)):
            ell = f(beliefs.move_evidence)(saw_c, o_B, o_M, 50.0)
            # h_W = 0 and own previous move C: no negativity bias, no provocation discount
            ell = f(beliefs.attributed_evidence)(ell, False, 0.5, 1.0, 0.0)
            gain = f(beliefs.learning_gain)(0.25, ell, True)
            assert f(beliefs.prob)(f(beliefs.learn)(L0, gain, L_MAX)) == approx(want)
        assert f(beliefs.learning_gain)(0.25, -3.0, False) == 0.0  # uninformative: closed or alike types

    def test_F24_attribution_and_negativity(self, f):
        att = f(beliefs.attributed_evidence)
        assert att(-2.0, True, 0.5, 0.0, 0.0) == approx(-1.0)  # provoked D discounted by 1 - alpha
        assert att(-2.0, False, 0.5, 1.0, 0.8) == approx(-3.6)  # hostile evidence x (1 + beta*h)
        assert att(-2.0, True, 0.5, 1.0, 0.8) == approx(-1.8)
        assert att(2.0, False, 0.5, 1.0, 0.8) == approx(2.0)  # friendly evidence untouched
        assert f(beliefs.move_evidence)(True, 1.0, 1e-300, 50.0) == 50.0  # capped
        one = np.float64(1.0)  # numpy scalars: x/0 is inf or nan on both paths, as in the kernel
        with np.errstate(invalid="ignore"):
            assert f(beliefs.move_evidence)(False, one, one, 50.0) == 0.0  # 0/0: no evidence
        assert f(beliefs.learn)(6.0, 5.0, L_MAX) == L_MAX and f(beliefs.learn)(-6.0, -5.0, L_MAX) == -L_MAX


class TestCohortFacts(FactBase):
    def test_F20_cohort(self, f):
        hazard = f(elites.monthly_hazard)(0.05)
        assert hazard == approx(0.004265)
        assert elites.half_life(0.05) == pytest.approx(13.5134, abs=TOL4)
        h = 0.9
        for _ in range(240):  # 20 years of the engine's monthly step
            h = f(elites.cohort_step)(h, hazard)
        assert h == approx(0.322637)
        assert f(elites.cohort_share)(0.9, 0.05, 20.0) == approx(h, 1e-12)
        rw = f(elites.relative_gains_weight)
        assert rw(h, 0.6, 0.2, 0.0, 0.0) == approx(0.329055)
        assert elites.crossing_time(1 / 3, 0.9, 0.05, 0.6, 0.2) == pytest.approx(19.3642, abs=TOL4)
        assert (1 - hazard) ** 12 == pytest.approx(0.95, abs=1e-12)  # twelve months = one year
        assert rw(0.3, 0.4, 0.05, 0.0, 0.0) == approx(0.155) and rw(0.8, 0.4, 0.05, 0.0, 0.0) == approx(0.33)
        assert rw(0.8, 0.4, 0.05, 1.0, 1.0) == approx(0.165)  # kappa_tau: r/(1 + kappa_tau*tau)
        assert rw(0.8, 0.4, 0.05) == approx(0.33) and rw(0.8, 0.4, 0.05, 1.0) == approx(
            0.33
        )  # defaults: no threat


# ---- F21–F25 on the scalar equations (defaults of theory §10.3) ----


def _pay(f, name: str, r: float, tau: float = 0.0, iota: float = 0.0, invited: bool = False) -> tuple:
    T_M, S, v, w = ISSUES[name]
    arch = name == "arch"
    dv, S_incl = (0.5, 3.0) if arch else (0.0, S)
    return f(games.payoffs)(4.0, 3.0, 2.0, T_M, S, v, w, r, tau, iota, dv, S_incl, invited and arch)


def _t(f, pay: tuple) -> float:
    R, TB, _, S, P = pay
    return f(games.trust_threshold)(R, TB, P, S)


def _r(f, h: float) -> float:
    return f(elites.relative_gains_weight)(h, 0.40, 0.05, 0.0, 0.0)


def _arch_thresholds(f, cond1: bool, cond2: bool, cond3a: bool) -> tuple[float, float]:
    h_W, h_R = (0.0, 0.0) if cond1 else (0.3, 0.8)
    tau, iota = float(cond2), float(cond3a)
    return _t(f, _pay(f, "arch", _r(f, h_W), tau, iota)), _t(f, _pay(f, "arch", _r(f, h_R), tau, iota, True))


class TestRegimeFacts(FactBase):
    def test_F21_default_baseline_regime(self, f):
        r_W, r_R = _r(f, 0.3), _r(f, 0.8)
        assert (r_W, r_R) == (approx(0.155), approx(0.33))
        W = {k: _pay(f, k, r_W) for k in ISSUES}
        R = {k: _pay(f, k, r_R, invited=True) for k in ISSUES}
        want = {"arms": (0.2318, 0.3161), "transit": (0.2215, 0.3539), "nonprolif": (0.4101, 0.5955)}
        for name, (tw, tr) in want.items():
            assert _t(f, W[name]) == pytest.approx(tw, abs=TOL4), name
            assert _t(f, R[name]) == pytest.approx(tr, abs=TOL4), name
        exploit = f(games.would_exploit)
        e = {name: (exploit(W[name][2], W[name][0]), exploit(R[name][2], R[name][0])) for name in ISSUES}
        assert not exploit(4.0, 4.0) and exploit(4.0 + 1e-12, 4.0)  # strictly more than R'
        assert e == {
            "arms": (False, False),
            "transit": (True, True),
            "nonprolif": (True, True),
            "arch": (True, True),
        }
        assert (W["arch"][0], W["arch"][1]) == (approx(3.38), approx(3.62))
        assert (R["arch"][0], R["arch"][1]) == (approx(2.68), approx(4.32))
        assert _t(f, W["arch"]) == INF and _t(f, R["arch"]) == INF
        p_W, p_R, rho = 0.40, 0.35, 0.5
        pi, is_open = f(games.expected_cooperation), f(regime.issue_open)
        G = []
        for name in ISSUES:
            pi_W, pi_R = pi(p_W, rho, e[name][1]), pi(p_R, rho, e[name][0])
            assert (pi_W, pi_R) == ((1.0, 1.0) if name == "arms" else (approx(0.7), approx(0.675)))
            G.append(is_open(pi_W, _t(f, W[name]), pi_R, _t(f, R[name])))
        assert G == [True, True, True, False]
        label = f(regime.regime_label)
        assert label(False, True) == regime.TACTICAL
        assert label(True, True) == regime.STRATEGIC and label(False, False) == regime.FROZEN
        # the most fragile tactical issue: Russia's non-proliferation cooperation needs p_R >= 0.1910
        p_star = {k: float(games.effective_threshold(_t(f, R[k]), rho)) for k in ("transit", "nonprolif")}
        assert p_star["nonprolif"] == pytest.approx(0.1910, abs=TOL4)
        assert p_star["nonprolif"] > p_star["transit"]

    def test_F22_necessity_of_mindset_change(self, f):
        for (tau, iota), want in (((0.0, 0.0), 0.125), ((1.0, 0.0), 0.176471), ((1.0, 1.0), 0.363636)):

            def gap(r: float, tau: float = tau, iota: float = iota) -> float:
                R, TB, *_ = _pay(f, "arch", r, tau, iota)
                return R - TB

            r_star = brentq(gap, 0.0, 1.0, xtol=1e-14)
            assert r_star == approx(want)
            assert _t(f, _pay(f, "arch", r_star + 1e-6, tau, iota)) == INF
            assert math.isfinite(_t(f, _pay(f, "arch", r_star - 1e-6, tau, iota)))

    def test_F23_three_conditions_jointly(self, f):
        pi_W, pi_R = 0.7, 0.675  # baseline beliefs (0.40, 0.35), rho = 0.5
        is_open = f(regime.issue_open)
        want_W = {
            (1, 0, 0): 0.9098,
            (0, 1, 0): 0.9712,
            (0, 0, 1): 0.8093,
            (1, 1, 0): 0.8491,
            (1, 0, 1): 0.7076,
            (0, 1, 1): 0.7284,
        }
        for conds, t_W in want_W.items():
            tw, tr = _arch_thresholds(f, *map(bool, conds))
            assert tw == pytest.approx(t_W, abs=TOL4), conds
            assert not is_open(pi_W, tw, pi_R, tr), conds
        assert _arch_thresholds(f, False, True, False)[1] == INF  # cond2 alone: R's game still a PD
        tw, tr = _arch_thresholds(f, True, True, True)
        assert tw == approx(0.636842)
        assert tr == 0.0  # S' >= P' for Russia under full inclusion
        assert is_open(pi_W, tw, pi_R, tr)
        assert games.effective_threshold(tw, 0.5) == approx(0.273684)
        assert 0.260774 < games.effective_threshold(tw, 0.5) < 0.439750  # F24: one observation decides

    def test_F23_inclusion_terms(self, f):
        assert f(games.inclusion_verification)(0.0, 0.5, 1.0) == approx(0.5)
        assert f(games.inclusion_sucker)(-4.0, 3.0, 1.0, True) == approx(3.0)
        assert f(games.inclusion_sucker)(-4.0, 3.0, 0.5, True) == approx(-0.5)
        assert f(games.inclusion_sucker)(-4.0, 3.0, 1.0, False) == -4.0  # only the invited side

    def test_weighted_cooperation_index(self, f):  # theory §10.6
        ci = f(regime.cooperation_index)
        omega = np.array([1.0, 1.0, 1.0, 3.0])
        W = np.array([True, True, True, True])
        assert ci(W, W, omega) == approx(1.0, 1e-15)
        assert ci(W, np.array([True, True, False, False]), omega) == approx(2 / 6, 1e-15)
        assert ci(np.array([False, False, False, True]), W, omega) == approx(0.5, 1e-15)
        assert ci(np.array([True, False, True, False]), np.array([False, True, False, True]), omega) == 0.0
