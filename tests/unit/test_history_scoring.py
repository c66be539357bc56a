"""The backtest's scoring rules and baselines: analytic values and propriety."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from detente.history import scoring
from detente.model.regime import REGIMES

S, T, F = 0, 1, 2  # strategic, tactical, frozen (REGIMES order)


def test_order_and_floor_are_the_documented_ones():
    assert REGIMES == ("strategic", "tactical", "frozen")
    assert [REGIMES[i] for i in scoring.ORDINAL] == ["frozen", "tactical", "strategic"]
    assert scoring.LOG_FLOOR == 0.01
    assert scoring.RULES == ("brier", "rps", "log")


def test_brier_by_hand():
    assert scoring.brier([1, 0, 0], S) == 0
    assert scoring.brier([0, 1, 0], S) == 2
    assert scoring.brier([0.5, 0.3, 0.2], T) == pytest.approx(0.25 + 0.49 + 0.04)


def test_rps_by_hand_respects_the_order():
    # cumulative over frozen, tactical: forecast [0.2, 0.5], outcome strategic [0, 0]
    assert scoring.rps([0.5, 0.3, 0.2], S) == pytest.approx((0.2**2 + 0.5**2) / 2)
    assert scoring.rps([1, 0, 0], F) == pytest.approx(1.0)
    # a miss by one step costs less than a miss by two
    assert scoring.rps([0, 1, 0], S) < scoring.rps([0, 0, 1], S)
    assert scoring.brier([0, 1, 0], S) == scoring.brier([0, 0, 1], S)


def test_log_score_and_its_floor():
    assert scoring.log_score([0.5, 0.25, 0.25], S) == pytest.approx(np.log(2))
    assert scoring.log_score([1, 0, 0], T) == pytest.approx(-np.log(0.01))
    assert scoring.log_score([0.005, 0.995, 0], S) == pytest.approx(-np.log(0.01))


def test_baselines():
    assert scoring.persistence(T).tolist() == [0, 1, 0]
    assert scoring.climatology(np.array([S, S, T])).tolist() == pytest.approx([3 / 6, 2 / 6, 1 / 6])
    assert scoring.climatology(np.array([], int)).tolist() == pytest.approx([1 / 3] * 3)


def test_agreement_and_skill():
    assert scoring.agreement([S, T, F], [S, S, S], [-1, T, -1]).tolist() == [1, 0.5, 0]
    assert scoring.skill(0.5, 1.0) == 0.5
    assert np.isnan(scoring.skill(0.3, 0.0))


def test_vectorised_over_leading_axes():
    prob = np.array([[[1, 0, 0], [0, 1, 0]], [[0.2, 0.3, 0.5], [1 / 3, 1 / 3, 1 / 3]]])
    out = np.array([[S, S], [F, T]])
    got = scoring.scores(prob, out)
    for rule in scoring.RULES:
        assert got[rule].shape == (2, 2)
        for i in range(2):
            for j in range(2):
                assert got[rule][i, j] == pytest.approx(scoring.scores(prob[i, j], out[i, j])[rule])


simplex = st.lists(st.floats(0.05, 1.0), min_size=3, max_size=3).map(lambda v: np.array(v) / sum(v))


@settings(max_examples=60, deadline=None)
@given(q=simplex, p=simplex)
def test_the_rules_are_proper(q, p):
    """Expected score under the true distribution q is smallest when the forecast is q itself."""
    for rule in (scoring.brier, scoring.rps, scoring.log_score):
        honest = sum(q[k] * rule(q, k) for k in range(3))
        other = sum(q[k] * rule(p, k) for k in range(3))
        assert honest <= other + 1e-12
