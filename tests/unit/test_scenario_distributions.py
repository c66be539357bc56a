"""Parameter distributions (model.md §1): draws stay within bounds, are reproducible per run, and
do not depend on chunking or on which other parameters are drawn."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import TypeAdapter

import detente
from detente.engine.compile import Compiled
from detente.scenario.distributions import Distribution, check_bounds, is_distribution

ADAPTER = TypeAdapter(Distribution)
U = np.concatenate([np.linspace(0.0, 1.0 - 2**-53, 1001), [0.0, 2**-53, 0.5, 1 - 2**-53]])

SPECS = [
    {"dist": "uniform", "low": 0.01, "high": 0.05},
    {"dist": "normal", "mean": 0.3, "sd": 0.2, "low": 0.0, "high": 1.0},
    {"dist": "normal", "mean": 5.0, "sd": 0.1, "low": 0.0, "high": 1.0},  # mass far outside: still clipped in
    {"dist": "beta", "a": 2.0, "b": 5.0},
    {"dist": "beta", "a": 0.5, "b": 0.5, "low": 0.2, "high": 0.7},
    {"dist": "triangular", "low": 0.1, "mode": 0.2, "high": 0.6},
    {"dist": "triangular", "low": 0.1, "mode": 0.1, "high": 0.6},
    {"dist": "triangular", "low": 0.3, "mode": 0.9, "high": 0.9},
    {"dist": "choice", "values": [0.1, 0.25, 0.9], "weights": [1, 0, 3]},
]


@pytest.mark.parametrize("spec", SPECS)
def test_ppf_within_support(spec):
    dist = ADAPTER.validate_python(spec)
    assert is_distribution(dist)
    lo, hi = dist.support()
    x = dist.ppf(U)
    assert np.all(np.isfinite(x))
    assert np.all((x >= lo) & (x <= hi))
    assert np.all(np.diff(dist.ppf(np.linspace(0, 1 - 2**-53, 200))) >= 0)  # inverse CDF is monotone
    check_bounds(dist, 0.0, 1.0)


def test_choice_weights():
    dist = ADAPTER.validate_python(SPECS[-1])
    x = dist.ppf(U)
    assert set(np.unique(x)) <= {0.1, 0.9}  # weight 0 never drawn
    assert np.mean(x == 0.9) == pytest.approx(0.75, abs=0.01)


@settings(max_examples=40, deadline=None)
@given(
    low=st.floats(-5, 5),
    width=st.floats(1e-3, 10),
    u=st.lists(st.floats(0.0, 1.0, exclude_max=True), min_size=1, max_size=20),
)
def test_uniform_and_bounded_normal_within_bounds(low, width, u):
    high = low + width
    for spec in (
        {"dist": "uniform", "low": low, "high": high},
        {"dist": "normal", "mean": low + width / 3, "sd": width, "low": low, "high": high},
        {"dist": "triangular", "low": low, "mode": low + width / 4, "high": high},
    ):
        x = ADAPTER.validate_python(spec).ppf(np.asarray(u))
        assert np.all((x >= low) & (x <= high)), spec


def _scenario():
    return detente.load_scenario("reset-2009").apply(
        {
            "sides.W.belief.p0": {"dist": "beta", "a": 4, "b": 6, "low": 0.05, "high": 0.95},
            "sides.R.belief.p0": 0.35,
            "sides.W.behaviour.eps": {"dist": "uniform", "low": 0.01, "high": 0.05},
            "sides.W.behaviour.mu": {"dist": "uniform", "low": 0.01, "high": 0.05},
            "sides.R.elite.h0": {"dist": "triangular", "low": 0.5, "mode": 0.8, "high": 0.95},
            "sides.R.behaviour.rho": {"dist": "choice", "values": [0.25, 0.5, 1.0]},
            "issues.security_architecture.S": {"dist": "normal", "mean": -4, "sd": 1, "low": -6, "high": 2},
        }
    )


def _fields(block):
    """Field names of a parameter block: a mapping of arrays or a structured array."""
    names = getattr(getattr(block, "dtype", None), "names", None)
    return list(names) if names else list(block)


def test_compiled_draws_within_bounds_and_reproducible():
    sc = _scenario()
    runs = np.arange(400)
    a = Compiled(sc, seed=5).draw(runs)
    b = Compiled(sc, seed=5).draw(runs)
    eps, mu = a.side["eps"][:, 0], a.side["mu"][:, 0]
    assert np.all((eps >= 0.01) & (eps <= 0.05)) and np.all((mu >= 0.01) & (mu <= 0.05))
    assert not np.array_equal(eps, mu)  # each parameter has its own draw site
    assert abs(eps.mean() - 0.03) < 4 * 0.04 / np.sqrt(12 * len(runs))
    p_W = 1 / (1 + np.exp(-a.side["L0"][:, 0]))
    assert np.all((p_W >= 0.05 - 1e-12) & (p_W <= 0.95 + 1e-12))
    h_R = a.side["h0"][:, 1]
    assert np.all((h_R >= 0.5) & (h_R <= 0.95))
    assert set(np.unique(a.side["rho"][:, 1])) == {0.25, 0.5, 1.0}
    S = a.issue["S"][:, 3]
    assert np.all((S >= -6) & (S <= 2))
    for name in _fields(a.side):
        assert np.array_equal(a.side[name], b.side[name], equal_nan=True), name
    for name in _fields(a.issue):
        assert np.array_equal(a.issue[name], b.issue[name]), name
    # fixed parameters stay fixed
    assert np.all(a.side["eps"][:, 1] == 0.02)


def test_draws_are_per_run_not_per_chunk():
    sc = _scenario()
    whole = Compiled(sc, seed=5).draw(np.arange(300))
    part = Compiled(sc, seed=5).draw(np.arange(120, 300))
    for name in _fields(whole.side):
        assert np.array_equal(whole.side[name][120:], part.side[name], equal_nan=True), name
    other_seed = Compiled(sc, seed=6).draw(np.arange(300))
    assert not np.array_equal(whole.side["eps"], other_seed.side["eps"])


def test_adding_a_parameter_does_not_change_other_draws():
    sc = _scenario()
    more = sc.apply({"sides.R.learning.kappa": {"dist": "uniform", "low": 0.1, "high": 0.4}})
    a = Compiled(sc, seed=5).draw(np.arange(100))
    b = Compiled(more, seed=5).draw(np.arange(100))
    assert np.array_equal(a.side["eps"], b.side["eps"])
    assert np.array_equal(a.issue["S"], b.issue["S"])
    assert not np.array_equal(a.side["kappa"], b.side["kappa"])


def test_distribution_scenario_round_trips_and_runs(tmp_path):
    sc = _scenario()
    path = tmp_path / "dist.yaml"
    path.write_text(sc.to_yaml(), encoding="utf-8")
    again = detente.load_scenario(str(path))
    assert again == sc
    a = detente.simulate(sc, runs=30, seed=2)
    b = detente.simulate(again, runs=30, seed=2)
    assert a.summary() == b.summary()
