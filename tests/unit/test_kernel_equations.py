"""Every scalar equation gives the same bits compiled (numba) and as plain Python (``pure``)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from detente.model import behaviour, beliefs, elites, games, regime
from detente.model.equation import pure, vectorised

x = st.floats(-20, 20, allow_nan=False)
u = st.floats(0, 1, allow_nan=False)
flag = st.booleans()

CASES = {
    elites.monthly_hazard: (u.filter(lambda v: v < 1),),
    elites.cohort_share: (u, u.filter(lambda v: v < 1), st.floats(0, 50)),
    elites.cohort_step: (u, u),
    elites.relative_gains_weight: (u, u, u, u, u),
    games.relative_gains: (x, x, x, x, u),
    games.threat_reward: (x, u, u),
    games.inclusion_verification: (u, u, u),
    games.inclusion_sucker: (x, x, u, flag),
    games.verified: (x, x, u),
    games.payoffs: (x, x, x, x, x, u, u, u, u, u, u, x, flag),
    games.trust_threshold: (x, x, x, x),
    games.would_exploit: (x, x),
    games.expected_cooperation: (u, u, flag),
    games.logit_cooperate: (st.floats(0, 50), u, x, x, x, x),
    beliefs.exp: (st.floats(-800, 800),),
    beliefs.clip: (x, st.floats(-10, 0), st.floats(0, 10)),
    beliefs.log_odds: (st.floats(0.001, 0.999),),
    beliefs.prob: (x,),
    beliefs.event_log_lr: (x, st.sampled_from([-1.0, 0.0, 1.0]), u),
    beliefs.event_evidence: (x,),
    beliefs.split_evidence: (x,),
    beliefs.hostile_weight: (st.floats(0, 3), u),
    beliefs.event_update: (x, st.floats(0, 5), st.floats(-5, 0), st.floats(0, 3), u, st.floats(3, 10)),
    beliefs.separating_cost: (x, x, u),
    beliefs.signal_update: (x, flag, flag, st.floats(-3, 0), st.floats(3, 10)),
    beliefs.observation_likelihoods: (u, u, u),
    beliefs.move_evidence: (flag, u, u, st.floats(1, 50)),
    beliefs.attributed_evidence: (x, flag, u, st.floats(0, 3), u),
    beliefs.learning_gain: (u, x, flag),
    beliefs.learn: (x, x, st.floats(3, 10)),
    behaviour.noisy: (flag, u, u),
    regime.issue_open: (u, u, u, u),
    regime.regime_label: (flag, flag),
}


NUMPY_SIDE = {elites.monthly_hazard, elites.cohort_share, beliefs.log_odds, beliefs.move_evidence}
"""Parameter transforms the engine evaluates with numpy on arrays (engine.compile, history); compiled, their
np.power/np.log is libm's, which may differ from numpy's vector loops in the last bits (1 - (1 - eta)^(1/12) amplifies that)."""


def _bits(v: object) -> object:
    if isinstance(v, tuple):
        return tuple(_bits(a) for a in v)
    return np.float64(v).tobytes() if isinstance(v, float | np.floating) else v


@pytest.mark.parametrize("f", list(CASES), ids=lambda f: f.py_func.__name__)
def test_compiled_equals_plain_python(f):
    @settings(max_examples=60, deadline=None)
    @given(st.tuples(*CASES[f]))
    def check(args):
        args = tuple(np.float64(a) if type(a) is float else a for a in args)  # x/0 is inf, as compiled
        with np.errstate(all="ignore"):
            got, want = f(*args), pure(f)(*args)
        if f in NUMPY_SIDE:
            assert np.allclose(got, want, rtol=1e-13, atol=1e-15, equal_nan=True), args
        else:
            assert _bits(got) == _bits(want), args

    check()


@settings(max_examples=60, deadline=None)
@given(st.tuples(flag, flag, flag, flag, u, u, st.floats(0, 20) | st.just(math.inf), u, x, x, x, x,
                 st.integers(0, 2**64 - 1), st.integers(0, 40)))  # fmt: skip
def test_intention_compiled_equals_plain_python(args):
    key = np.uint64(args[12])
    full = (*args[:12], key, args[13])
    with np.errstate(over="ignore"):  # the counter RNG's uint64 arithmetic wraps by design
        assert behaviour.intention(*full) == pure(behaviour.intention)(*full)


def test_intention_rules():
    key = np.uint64(12345)
    pay = (4.0, 3.0, 0.0, 2.0)
    assert not behaviour.intention(False, True, False, False, 0.5, 0.3, math.inf, 1.0, *pay, key, 0)
    assert behaviour.intention(True, True, False, False, 0.5, 0.3, math.inf, 1.0, *pay, key, 0)
    assert not behaviour.intention(True, False, True, False, 1.0, 0.3, math.inf, 1.0, *pay, key, 0)  # rho = 1
    assert behaviour.intention(True, False, True, False, 0.0, 0.3, math.inf, 1.0, *pay, key, 0)  # rho = 0
    assert not behaviour.intention(True, True, False, True, 0.5, 0.0, math.inf, 1.0, *pay, key, 0)  # q = 0
    assert behaviour.intention(True, True, False, True, 0.5, 1.0, math.inf, 1.0, *pay, key, 0)  # q = 1


def test_vectorised_broadcasts_the_same_function():
    t = vectorised(games.trust_threshold)(np.array([4.0, 4.0, 3.0]), 3.0, 2.0, np.array([0.0, 1.0, 0.0]))
    assert np.array_equal(t, [2 / 3, 0.5, np.inf])
    assert np.array_equal(
        vectorised(regime.regime_label)([True, False, False], [True, True, False]), [0, 1, 2]
    )


def test_cooperation_index_weights():
    omega = np.array([1.0, 1.0, 1.0, 3.0])
    a = np.array([True, True, False, True])
    b = np.array([True, False, False, True])
    assert regime.cooperation_index(a, b, omega) == pytest.approx(4 / 6)
    assert pure(regime.cooperation_index)(a, b, omega) == regime.cooperation_index(a, b, omega)
