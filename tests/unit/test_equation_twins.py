"""``pure`` and ``vectorised`` give the compiled equations' values: defaults kept, x/0 as numpy's inf."""

from __future__ import annotations

import numpy as np
import pytest

from detente.model.beliefs import log_odds
from detente.model.elites import relative_gains_weight
from detente.model.equation import pure, vectorised


def test_pure_keeps_default_arguments():
    # r = 0.2 + (0.6 - 0.2) * 0.5 = 0.4, and kappa_tau = tau = 0 by default
    assert relative_gains_weight(0.5, 0.6, 0.2) == pure(relative_gains_weight)(0.5, 0.6, 0.2) == 0.4
    assert pure(relative_gains_weight)(0.5, 0.6, 0.2, 1.0, 1.0) == pytest.approx(0.2)


def test_pure_is_cached():
    twin = pure(relative_gains_weight)
    assert twin is pure(relative_gains_weight)


def test_vectorised_divides_by_zero_like_compiled_code():
    with np.errstate(divide="ignore"):
        got = vectorised(log_odds)(np.array([0.0, 0.5, 1.0]))
    assert got.tolist() == [-np.inf, 0.0, np.inf]
    assert log_odds(1.0) == np.inf
