"""Analytic facts of theory.md §10.8 through the engine on the bundled reset-2009 scenario.

Thresholds come from ``engine.step.thresholds`` on compiled cells; belief moves from ``engine.step.step``
(and the scalar reference) on crafted states. Tolerance 1e-6 unless the theory states fewer digits.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

import detente
from detente.engine.compile import Compiled
from detente.engine.random import run_keys, step_keys
from detente.engine.reference import reference_step
from detente.engine.step import initial_state, step, thresholds
from detente.model.beliefs import log_odds, prob
from detente.model.games import effective_threshold, expected_cooperation
from detente.model.regime import TACTICAL, issue_open

TOL = 1e-6
TOL4 = 5e-5
ARMS, TRANSIT, NONPROLIF, ARCH = range(4)
ALL3 = ("generational_change", "shared_threat", "inclusion")
NO_COHORT = {"sides.W.elite.h0": 0.0, "sides.R.elite.h0": 0.0}
W, R = 0, 1


THEORY_BELIEFS = {"sides.W.belief.p0": 0.40, "sides.R.belief.p0": 0.35}
"""Theory §10.8's "default" beliefs (the bundled scenario may start from the replayed history instead)."""


@pytest.fixture(scope="module")
def scenario():
    return detente.load_scenario("reset-2009").apply(THEORY_BELIEFS)


def _compiled_regime(cell, t: int, n: int = 3):
    """t*, e, pi and G of month t at the cell's starting beliefs and cohort shares, each for n runs."""
    c = Compiled(cell, seed=1)
    p = c.draw(np.arange(n))
    t_star, e, pay = thresholds(p, c.structure, p.side["h0"], t)
    pi = expected_cooperation(prob(p.side["L0"])[:, :, None], p.side["rho"][:, ::-1, None], e[:, ::-1, :])
    G = issue_open(pi[:, W], t_star[:, W], pi[:, R], t_star[:, R])
    return t_star, e, pi, G, pay


def _run(cell, n: int, t: int, state_edit=None, seed: int = 3, reference: bool = False):
    """One month t of n runs from the initial state (optionally edited); returns params, old and new state, month."""
    c = Compiled(cell, seed)
    p = c.draw(np.arange(n))
    st0 = initial_state(p, len(c.structure.issues))
    if state_edit:
        st0 = dataclasses.replace(st0, **state_edit(st0))
    keys = step_keys(run_keys(c.seed, p.runs), t)
    new, month = (reference_step if reference else step)(st0, p, c.structure, t, keys)
    return c, p, st0, new, month


def test_F21_default_baseline_regime_engine(scenario):
    assert scenario.cell("spiral").sides["W"].belief.p0 == 0.40
    t_star, e, pi, G, pay = _compiled_regime(scenario.cell("spiral"), t=0)
    want = {ARMS: (0.2318, 0.3161), TRANSIT: (0.2215, 0.3539), NONPROLIF: (0.4101, 0.5955)}
    for k, (tw, tr) in want.items():
        assert t_star[:, W, k] == pytest.approx(tw, abs=TOL4)
        assert t_star[:, R, k] == pytest.approx(tr, abs=TOL4)
    assert not e[:, :, ARMS].any()  # even M cooperates under verification
    assert (pi[:, :, ARMS] == 1.0).all()
    assert pi[:, W, NONPROLIF] == pytest.approx(0.7, abs=TOL)
    assert pi[:, R, NONPROLIF] == pytest.approx(0.675, abs=TOL)
    assert np.isinf(t_star[:, :, ARCH]).all()
    assert pay.R[:, W, ARCH] == pytest.approx(3.38, abs=TOL)
    assert pay.T_B[:, W, ARCH] == pytest.approx(3.62, abs=TOL)
    assert pay.R[:, R, ARCH] == pytest.approx(2.68, abs=TOL)
    assert pay.T_B[:, R, ARCH] == pytest.approx(4.32, abs=TOL)
    assert (G == [True, True, True, False]).all()
    assert effective_threshold(t_star[0, R, NONPROLIF], 0.5) == pytest.approx(0.1910, abs=TOL4)
    # and the whole step opens exactly those issues in month 0 (tactical regime) in every world
    for world in scenario.worlds:
        *_, month = _run(scenario.cell(world), n=64, t=0)
        assert (month.G == [True, True, True, False]).all(), world
        assert (month.regime == TACTICAL).all(), world


def test_F21_nonproliferation_is_most_fragile_engine(scenario):
    for p_R, is_open in ((0.1915, True), (0.1905, False)):
        cell = scenario.cell("spiral").apply({"sides.R.belief.p0": p_R})
        *_, G, _ = _compiled_regime(cell, t=0)
        assert (G[:, NONPROLIF] == is_open).all(), p_R
        assert G[:, TRANSIT].all() and G[:, ARMS].all()  # transit needs only p_R >= 0.2079


def test_F23_three_conditions_jointly_engine(scenario):
    base = scenario.apply(NO_COHORT)  # condition 1 as the fact states it: h = 0, so r = r_new = 0.05
    t_month = 6  # 2010-01: threat and inclusion schedules switch on
    want_W = {
        ("generational_change",): 0.9098,
        ("shared_threat",): 0.9712,
        ("inclusion",): 0.8093,
        ("generational_change", "shared_threat"): 0.8491,
        ("generational_change", "inclusion"): 0.7076,
        ("shared_threat", "inclusion"): 0.7284,
    }
    for conds, t_W in want_W.items():
        cell = (base if "generational_change" in conds else scenario).cell("spiral", conds)
        t_star, _, pi, G, _ = _compiled_regime(cell, t=t_month)
        assert t_star[:, W, ARCH] == pytest.approx(t_W, abs=TOL4), conds
        assert (t_star[:, W, ARCH] > pi[:, W, ARCH]).all() and pi[0, W, ARCH] == pytest.approx(0.7, abs=TOL)
        assert not G[:, ARCH].any(), conds
    t_star, _, _, _, _ = _compiled_regime(scenario.cell("spiral", ("shared_threat",)), t=t_month)
    assert np.isinf(t_star[:, R, ARCH]).all()  # R's game still a PD
    t_star, _, pi, G, _ = _compiled_regime(base.cell("spiral", ALL3), t=t_month)
    assert t_star[:, W, ARCH] == pytest.approx(0.636842, abs=TOL)
    assert (t_star[:, R, ARCH] == 0.0).all()
    assert G[:, ARCH].all()
    assert effective_threshold(t_star[0, W, ARCH], 0.5) == pytest.approx(0.273684, abs=TOL)
    # before the schedules switch on (month 5) the architecture is still closed
    *_, G5, _ = _compiled_regime(base.cell("spiral", ALL3), t=5)
    assert not G5[:, ARCH].any()


def _architecture_only(scenario):
    """The reset-2009 scenario reduced to its strategic issue, all three conditions, h = 0."""
    data = scenario.apply(NO_COHORT).model_dump(mode="json")
    data["issues"] = {"security_architecture": data["issues"]["security_architecture"]}
    return detente.load_scenario(data).cell("spiral", ALL3)


@pytest.mark.parametrize("reference", [False, True])
def test_F24_condition_3b_one_observation_engine(scenario, reference):
    cell = _architecture_only(scenario)
    n, t = 1500 if not reference else 300, 6
    c, p, st0, new, month = _run(cell, n=n, t=t, reference=reference)
    assert np.allclose(prob(st0.L[:, W]), 0.40) and (st0.h == 0).all() and st0.a_prev.all()
    assert month.G[:, 0].all()  # open at baseline beliefs under all three conditions
    saw_d = new.z[:, W, 0]  # W's grievance flag: Russia's move on the open issue was seen as D
    assert saw_d.any() and (~saw_d).any()
    assert prob(new.L[saw_d, W]) == pytest.approx(0.260774, abs=TOL)
    assert prob(new.L[~saw_d, W]) == pytest.approx(0.439750, abs=TOL)
    # the next month the architecture closes exactly where Russia was seen to defect
    keys = step_keys(run_keys(c.seed, p.runs), t + 1)
    _, nxt = step(new, p, c.structure, t + 1, keys)
    assert (nxt.G[:, 0] == ~saw_d).all()


def test_F24_strategic_regime_needs_russia_to_want_in(scenario):
    benign = detente.simulate(scenario.cell("spiral", ALL3), runs=200, seed=11).summary()
    malign = detente.simulate(
        scenario.cell("deterrence", ALL3).apply({"levers.joins": []}), runs=200, seed=11
    )
    assert benign["p_durable"] > 0.9
    assert malign.summary()["p_durable"] == 0.0
    assert int(malign.runs["longest_strategic"].max()) < scenario.durable_months


def _aggrieved_west(st0):
    z = st0.z.copy()
    z[:, W, :] = True  # mid-echo: W saw Russia defect everywhere last month, Russia saw W cooperate
    return {"z": z}


@pytest.mark.parametrize("reference", [False, True])
def test_F25_reset_ends_echo_and_keeps_beliefs(scenario, reference):
    quiet = {f"sides.{s}.behaviour.{x}": 0.0 for s in "WR" for x in ("eps", "mu")}
    no_learning = {"sides.W.learning.kappa": 0.0, "sides.R.learning.kappa": 0.0}
    cell = scenario.cell("spiral").apply({**quiet, **no_learning})
    assert cell.levers.resets[0].date == "2009-07"  # the reset acts in month 0
    _, _, st0, new, month = _run(cell, n=32, t=0, state_edit=_aggrieved_west, reference=reference)
    open_ = month.G[0]
    assert list(open_) == [True, True, True, False]
    assert month.a[:, :, open_].all()  # both B types cooperate on every open issue
    assert not month.a[:, :, ~open_].any()  # and defect on the closed one
    assert not new.z.any()  # the echo is over: nobody saw a defection on an open issue
    assert np.array_equal(new.L, st0.L)  # beliefs unchanged
    # without the reset the aggrieved side retaliates (TFT, q = 0) and the echo goes on
    echo = cell.apply({"levers.resets": [], "sides.W.behaviour.q": 0.0})
    _, _, _, new2, month2 = _run(echo, n=32, t=0, state_edit=_aggrieved_west, reference=reference)
    assert not month2.a[:, W, open_].any() and month2.a[:, R, open_].all()
    assert new2.z[:, R, open_].all()


def test_F25_reset_does_not_move_beliefs_with_learning(scenario):
    cell = scenario.cell("spiral")
    no_reset = cell.apply({"levers.resets": []})
    with_reset = no_reset.apply({"levers.resets": [{"date": "2010-07"}]})  # month 12
    a = detente.simulate(no_reset, runs=40, seed=5, paths=True)
    b = detente.simulate(with_reset, runs=40, seed=5, paths=True)
    # identical before the reset month; in it, the regime test (after step 2) sees the same beliefs
    assert np.array_equal(a.paths["L"][:, :12], b.paths["L"][:, :12])
    assert np.array_equal(a.paths["G"][:, 12], b.paths["G"][:, 12])


def test_F7_events_through_engine(scenario):
    events = [
        {"date": "2009-07", "actor": "R", "observer": "W", "lr": 3.0, "label": "lr 3"},
        {"date": "2009-08", "actor": "R", "observer": "W", "lr": 4.0, "label": "Georgia-type"},
    ]
    cell = scenario.cell("spiral").apply(
        {
            "sides.W.belief.p0": 0.5,
            "sides.W.learning.kappa": 0.0,
            "sides.W.learning.beta": 0.0,
            "events": events,
        }
    )
    res = detente.simulate(cell, runs=3, seed=1, paths=True)
    p_W = prob(res.paths["L"][:, :2, W])
    assert p_W[:, 0] == pytest.approx(0.25, abs=TOL)
    assert p_W[:, 1] == pytest.approx(1 / (1 + 12), abs=TOL)  # odds 1 -> 1/3 -> 1/12: updates add in L
    assert res.paths["L"][0, 1, W] == pytest.approx(-math.log(3) - math.log(4), abs=1e-12)


def test_F11_signals_through_engine(scenario):
    base = scenario.cell("spiral").apply({"sides.W.learning.kappa": 0.0, "sides.R.learning.kappa": 0.0})
    L_max = base.L_max

    def p_W_after(size: float, mimic: float, r_type: str = "B") -> np.ndarray:
        sig = {
            "date": "2009-07",
            "sender": "R",
            "size": size,
            "issue": "arms_control",
            "mimic": mimic,
            "delta": 0.9,
        }
        cell = base.apply({"levers.signals": [sig], "sides.R.type": r_type})
        return prob(detente.simulate(cell, runs=3, seed=1, paths=True).paths["L"][:, 0, W])

    assert p_W_after(3.5, 0.5) == pytest.approx(0.571429, abs=TOL)  # below x* = 0.9*(6-2) = 3.6: pooling
    assert p_W_after(3.6, 0.5) == pytest.approx(float(prob(L_max)), abs=1e-12)  # separating: trust jumps
    assert p_W_after(3.6, 0.5, "M") == pytest.approx(0.40, abs=1e-12)  # an M type does not pay for it
    assert p_W_after(0.0, 1.0) == pytest.approx(0.40, abs=1e-12)  # cheap talk


def test_F20_cohort_through_engine(scenario):
    cell = scenario.cell("spiral").apply(
        {
            "horizon": 241,
            "sides.R.elite.h0": 0.9,
            "sides.R.elite.eta": 0.05,
            "sides.R.elite.r_old": 0.6,
            "sides.R.elite.r_new": 0.2,
        }
    )
    c = Compiled(cell, 1)
    assert c.draw(np.arange(1)).side["eta_m"][0, R] == pytest.approx(0.004265, abs=TOL)
    res = detente.simulate(cell, runs=1, seed=1, paths=True)
    h = res.paths["h"][0, :, R]
    assert h[0] == 0.9 and h[240] == pytest.approx(0.322637, abs=TOL)
    r = 0.2 + (0.6 - 0.2) * h
    assert r[240] == pytest.approx(0.329055, abs=TOL)
    assert r[232] > 1 / 3 > r[233]  # crossing at 19.3642 years = month 232.4


def test_L0_is_log_odds_of_p0(scenario):
    c = Compiled(scenario.cell("spiral"), 1)
    p = c.draw(np.arange(2))
    assert p.side["L0"][0] == pytest.approx(log_odds([0.40, 0.35]), abs=1e-12)
