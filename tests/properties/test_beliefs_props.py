"""Properties of Bayesian trust (theory §1.2–1.5, §10.5) on the equations the engine runs: log-odds updates
add and commute, learning is a clipped sum, evidence has the right sign and exact size, and cheap talk (a
reset, or a signal of size 0 that an M type would mimic) moves no belief."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scenario_strategies import base_scenario, cells, unit

import detente
from detente.engine.compile import Compiled
from detente.model import beliefs
from detente.model.equation import pure
from detente.scenario.schema import month_label

LRS = st.lists(st.floats(1e-3, 1e3), min_size=1, max_size=12)
L_MAX = math.log(999)
CAP = 50.0

log_odds, prob = pure(beliefs.log_odds), pure(beliefs.prob)
evidence, split, update = (
    pure(beliefs.event_evidence),
    pure(beliefs.split_evidence),
    pure(beliefs.event_update),
)
likelihoods, move_evidence = pure(beliefs.observation_likelihoods), pure(beliefs.move_evidence)
attributed, gain_of, learn = (
    pure(beliefs.attributed_evidence),
    pure(beliefs.learning_gain),
    pure(beliefs.learn),
)


@given(p=unit(0.001, 0.999), lrs=LRS, data=st.data())
def test_log_odds_updates_add_and_commute(p, lrs, data):
    """Without the negativity bias (beta = 0) the engine's event update is Bayes in log-odds."""
    L0 = log_odds(p)
    order = data.draw(st.permutations(range(len(lrs))))
    forward, shuffled = L0, L0
    for lr in lrs:
        forward += evidence(math.log(lr))
    for i in order:
        shuffled += evidence(math.log(lrs[i]))
    total = L0 - sum(math.log(lr) for lr in lrs)
    assert forward == pytest.approx(shuffled, abs=1e-9)
    assert forward == pytest.approx(total, abs=1e-9)
    assert prob(forward) == pytest.approx(float(beliefs.bayes_posterior(p, math.prod(lrs))), abs=1e-9)
    # one month's events through event_update: friendly and hostile parts summed, then clipped once
    friendly = sum(split(evidence(math.log(lr)))[0] for lr in lrs)
    hostile = sum(split(evidence(math.log(lr)))[1] for lr in lrs)
    assert update(L0, friendly, hostile, 0.0, 0.7, L_MAX) == pytest.approx(
        min(max(total, -L_MAX), L_MAX), abs=1e-9
    )


@given(dl=st.floats(-50, 50), beta=unit(0.0, 3.0), h=unit(), L=unit(-L_MAX, L_MAX))
def test_event_update_amplifies_only_hostile_evidence(dl, beta, h, L):
    up, down = split(dl)
    assert up + down == dl and up >= 0 >= down and up * down == 0
    want = L + up + (1 + beta * h) * down
    assert update(L, up, down, beta, h, L_MAX) == pytest.approx(min(max(want, -L_MAX), L_MAX), abs=1e-12)


@given(
    p=unit(0.001, 0.999),
    steps=st.lists(st.tuples(unit(0.0, 1.0), st.floats(-60.0, 60.0), st.booleans()), max_size=40),
    L_max=unit(3.0, 10.0),
)
def test_learning_is_a_clipped_tempered_sum(p, steps, L_max):
    L = log_odds(p)
    for kappa, ell, informative in steps:
        gain = gain_of(kappa, ell, informative)
        assert gain == (kappa * ell if informative else 0.0)
        new = learn(L, gain, L_max)
        assert new == min(max(L + gain, -L_max), L_max)
        L = new
    assert log_odds(prob(L)) == pytest.approx(L, abs=1e-9)  # sigma and logit are inverse


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
    """A seen C is evidence for B and a seen D against; the biases keep the sign and scale it exactly."""
    o_B, o_M = likelihoods(eps, rho, mu)
    assert o_B == pytest.approx((1 - eps) * (1 - mu) + eps * mu, abs=1e-15)
    a_M = (1 - rho) * (1 - eps) + rho * eps
    assert o_M == pytest.approx(a_M * (1 - mu) + (1 - a_M) * mu, abs=1e-15)
    assert o_M <= o_B + 1e-15  # an M type is never more likely to be seen cooperating
    with np.errstate(divide="ignore", invalid="ignore"):
        ell = move_evidence(saw_c, np.float64(o_B), np.float64(o_M), CAP)
    assert -CAP <= ell <= CAP
    assert ell >= 0 if saw_c else ell <= 0
    if 0.0 < o_M < 1.0 and 0.0 < o_B < 1.0:
        raw = math.log(o_B / o_M) if saw_c else math.log((1 - o_B) / (1 - o_M))
        assert ell == pytest.approx(min(max(raw, -CAP), CAP), abs=1e-12)
    provoked = provoked and not saw_c
    biased = attributed(ell, provoked, alpha, beta, h)
    discounted = (1 - alpha) * ell if provoked else ell  # provoked D discounted by 1 - alpha
    assert biased == pytest.approx(discounted * (1 + beta * h) if discounted < 0 else discounted, abs=1e-12)
    assert biased >= 0 if saw_c else biased <= 0


@given(p=unit(0.001, 0.999), sender_benign=st.booleans())
def test_cheap_talk_signal_leaves_belief(p, sender_benign):
    L = log_odds(p)
    assert pure(beliefs.signal_update)(L, False, sender_benign, 0.0, L_MAX) == pytest.approx(L, abs=1e-15)
    assert float(beliefs.pooling_posterior(p, 1.0)) == pytest.approx(p, abs=1e-12)
    assert L + evidence(0.0) == L


@pytest.mark.parametrize("fn", [beliefs.event_update, beliefs.learn, beliefs.attributed_evidence])
def test_compiled_equals_python(fn):
    rng = np.random.default_rng(3)
    for _ in range(50):
        if fn is beliefs.event_update:
            args = (
                rng.normal(0, 3),
                abs(rng.normal()),
                -abs(rng.normal()),
                rng.random() * 3,
                rng.random(),
                L_MAX,
            )
        elif fn is beliefs.learn:
            args = (rng.normal(0, 3), rng.normal(0, 5), L_MAX)
        else:
            args = (rng.normal(0, 2), bool(rng.random() < 0.5), rng.random(), rng.random() * 3, rng.random())
        assert fn(*args) == pure(fn)(*args)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cell=cells(horizon=24), data=st.data())
def test_cheap_talk_signal_changes_nothing(cell, data):
    """Adding a signal of size 0 that an M type would mimic (m = 1) leaves every path bit-identical."""
    month = data.draw(st.integers(0, cell.horizon - 1))
    sender = data.draw(st.sampled_from(["W", "R"]))
    talk = {"date": month_label(cell.start, month), "sender": sender, "size": 0.0, "mimic": 1.0}
    louder = cell.apply({"levers.signals": [*cell.model_dump(mode="json")["levers"]["signals"], talk]})
    a = detente.simulate(cell, runs=12, seed=4, paths=True)
    b = detente.simulate(louder, runs=12, seed=4, paths=True)
    for key in a.paths:
        assert np.array_equal(a.paths[key], b.paths[key]), key


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cell=cells(horizon=24), data=st.data())
def test_reset_leaves_beliefs_unchanged(cell, data):
    """A reset clears grievances only: without learning (kappa = 0), events and joining signals, trust never moves;
    with learning, the months before it are identical and its month's regime test sees the same beliefs."""
    months = data.draw(st.lists(st.integers(0, cell.horizon - 1), min_size=1, max_size=3, unique=True))
    first = min(months)
    resets = [{"date": month_label(cell.start, m)} for m in months]
    quiet = cell.apply({"events": [], "levers.signals": [], "levers.resets": []})
    with_resets = quiet.apply({"levers.resets": resets})
    a = detente.simulate(quiet, runs=12, seed=9, paths=True)
    b = detente.simulate(with_resets, runs=12, seed=9, paths=True)
    assert np.array_equal(a.paths["L"][:, :first], b.paths["L"][:, :first])
    assert np.array_equal(a.paths["G"][:, first], b.paths["G"][:, first])
    frozen = with_resets.apply(
        {
            "sides.W.learning.kappa": 0.0, "sides.R.learning.kappa": 0.0,
            "sides.W.behaviour.delta": None, "sides.R.behaviour.delta": None,
        }
    )  # fmt: skip
    c = detente.simulate(frozen, runs=12, seed=9, paths=True)
    P = c.compiled.draw(np.arange(12))
    start = np.clip(
        P.side["L0"], -P.L_max[:, None], P.L_max[:, None]
    )  # the first month's learning clips once
    assert np.array_equal(c.paths["L"], np.broadcast_to(start[:, None, :], c.paths["L"].shape))


def test_base_scenario_compiles():
    P = Compiled(base_scenario(), 1).draw(np.arange(2))
    assert P.side["L0"][0] == pytest.approx([math.log(0.40 / 0.60), math.log(0.35 / 0.65)], abs=1e-12)
