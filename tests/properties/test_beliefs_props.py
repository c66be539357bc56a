"""Properties of Bayesian trust (theory §1.2–1.5, §10.5): log-odds updates add and commute, beliefs stay
in bounds, and cheap talk (a reset, or a signal of size 0 that an M type would mimic) moves no belief."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scenario_strategies import base_scenario, cells, unit

import detente
from detente.model import beliefs
from detente.scenario.schema import month_label

LRS = st.lists(st.floats(1e-3, 1e3), min_size=1, max_size=12)
L_MAX = math.log(999)


@given(p=unit(0.001, 0.999), lrs=LRS, data=st.data())
def test_log_odds_updates_add_and_commute(p, lrs, data):
    L0 = float(beliefs.log_odds(p))
    order = data.draw(st.permutations(range(len(lrs))))
    forward, shuffled = L0, L0
    for lr in lrs:
        forward = float(beliefs.event_update(forward, lr))
    for i in order:
        shuffled = float(beliefs.event_update(shuffled, lrs[i]))
    total = L0 - sum(math.log(lr) for lr in lrs)
    assert forward == pytest.approx(shuffled, abs=1e-9)
    assert forward == pytest.approx(total, abs=1e-9)
    # the same in probabilities: the posterior after all the evidence uses the product of the ratios
    assert float(beliefs.prob(forward)) == pytest.approx(
        float(beliefs.bayes_posterior(p, math.prod(lrs))), abs=1e-9
    )


@given(
    p=unit(0.001, 0.999),
    steps=st.lists(st.tuples(unit(0.0, 1.0), st.floats(-60.0, 60.0)), max_size=40),
    L_max=unit(3.0, 10.0),
)
def test_learning_keeps_beliefs_in_bounds(p, steps, L_max):
    L = beliefs.log_odds(p)
    for kappa, ell in steps:
        L = beliefs.learn(L, kappa, ell, L_max)
        assert -L_max <= L <= L_max
        assert 0.0 < beliefs.prob(L) < 1.0


@given(
    eps=unit(0.0, 0.45),
    rho=unit(0.0, 1.0),
    mu=unit(0.0, 0.45),
    alpha=unit(),
    beta=unit(0.0, 3.0),
    h=unit(),
    saw_c=st.booleans(),
    provoked=st.booleans(),
)
def test_evidence_signs_and_biases(eps, rho, mu, alpha, beta, h, saw_c, provoked):
    """A seen C is evidence for B and a seen D against; the biases keep the sign and at most scale by 1 + beta*h."""
    o_B, o_M = beliefs.observation_likelihoods(eps, rho, mu)
    assert 0.0 <= o_M <= o_B <= 1.0
    if not (0.0 < o_M < 1.0 and 0.0 < o_B < 1.0):
        return
    ell = float(beliefs.move_evidence(saw_c, o_B, o_M))
    assert ell >= 0 if saw_c else ell <= 0
    biased = float(beliefs.biased_evidence(ell, provoked and not saw_c, alpha, beta, h))
    assert biased >= 0 if saw_c else biased <= 0
    assert abs(biased) <= abs(ell) * (1 + beta * h) * (1 + 1e-12)


@given(p=unit(0.001, 0.999))
def test_cheap_talk_signal_leaves_belief(p):
    assert float(beliefs.pooling_posterior(p, 1.0)) == pytest.approx(p, abs=1e-12)
    assert float(beliefs.event_update(beliefs.log_odds(p), 1.0)) == float(beliefs.log_odds(p))


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cell=cells(horizon=24), data=st.data())
def test_cheap_talk_signal_changes_nothing(cell, data):
    """Adding a signal of size 0 that an M type would mimic (m = 1) leaves every path bit-identical."""
    month = data.draw(st.integers(0, cell.horizon - 1))
    sender = data.draw(st.sampled_from(["W", "R"]))
    talk = {"date": month_label(cell.start, month), "sender": sender, "size": 0.0, "mimic": 1.0}
    louder = cell.apply({"levers.signals": [*cell.model_dump(mode="json")["levers"]["signals"], talk]})
    a = detente.simulate(cell, runs=12, seed=4, paths=True, backend="numpy")
    b = detente.simulate(louder, runs=12, seed=4, paths=True, backend="numpy")
    for key in a.paths:
        assert np.array_equal(a.paths[key], b.paths[key]), key


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cell=cells(horizon=24), data=st.data())
def test_reset_leaves_beliefs_unchanged(cell, data):
    """A reset clears grievances only: without learning (kappa = 0) and events, trust never moves;
    with learning, the months before it are identical and its month's regime test sees the same beliefs."""
    months = data.draw(st.lists(st.integers(0, cell.horizon - 1), min_size=1, max_size=3, unique=True))
    first = min(months)
    resets = [{"date": month_label(cell.start, m)} for m in months]
    quiet = cell.apply({"events": [], "levers.signals": [], "levers.resets": []})
    with_resets = quiet.apply({"levers.resets": resets})
    a = detente.simulate(quiet, runs=12, seed=9, paths=True, backend="numpy")
    b = detente.simulate(with_resets, runs=12, seed=9, paths=True, backend="numpy")
    assert np.array_equal(a.paths["L"][:, :first], b.paths["L"][:, :first])
    assert np.array_equal(a.paths["G"][:, first], b.paths["G"][:, first])
    frozen = with_resets.apply({"sides.W.learning.kappa": 0.0, "sides.R.learning.kappa": 0.0})
    c = detente.simulate(frozen, runs=12, seed=9, paths=True, backend="numpy")
    L0 = c.compiled.draw(np.arange(12)).side["L0"]
    L_max = c.compiled.draw(np.arange(12)).L_max[:, None]
    start = np.clip(L0, -L_max, L_max)  # the first month's learning step clips once
    assert np.array_equal(c.paths["L"], np.broadcast_to(start[:, None, :], c.paths["L"].shape))


def test_base_scenario_compiles():
    assert base_scenario().sides["W"].belief.p0 == 0.40
