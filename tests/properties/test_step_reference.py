"""The model's month equals an independent scalar oracle on the same draws; beliefs stay in bounds (theory §10.5).

The oracle (tests/properties/oracle_step.py) is written from the theory with plain floats and lists; the
engine side is ``detente.model.month`` run uncompiled (``pure``) and the compiled kernel's paths.
"""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from oracle_step import initial_state, reference_step
from scenario_strategies import cells

import detente
from detente.engine.compile import Compiled
from detente.engine.kernel import with_game_table
from detente.model.equation import pure
from detente.model.month import month, new_state, start_run
from detente.rng import step_keys

RUNS = 6


def _oracle(c: Compiled, params):
    ref = initial_state(params, len(c.structure.issues))
    for t in range(c.structure.horizon):
        ref, rm = reference_step(ref, params, c.structure, t, step_keys(params.keys, t))
        yield t, ref, rm


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cell=cells(), seed=st.integers(0, 2**40))
def test_month_equals_scalar_oracle(cell, seed):
    with np.errstate(all="ignore"):  # uint64 arithmetic of the counter RNG wraps by design
        _month_equals_scalar_oracle(cell, seed)


def _month_equals_scalar_oracle(cell, seed):
    c = Compiled(cell, seed)
    params = c.draw(np.arange(RUNS) + 3)
    tabled = with_game_table(params, compiled_code=False)
    step = pure(month)
    for P in {id(params): params, id(tabled): tabled}.values():
        states = [new_state(len(c.structure.issues)) for _ in range(P.n)]
        for i, s in enumerate(states):
            pure(start_run)(s, P, i)
        for t, ref, rm in _oracle(c, params):
            for i, s in enumerate(states):
                regime = step(s, P, i, t)
                assert regime == rm.regime[i], (t, i, "regime")
                for name, got, want in (("L", s.L, ref.L[i]), ("h", s.h, ref.h[i]), ("theta", s.theta, ref.theta[i]),
                                        ("z", s.z, ref.z[i]), ("a", s.a, rm.a[i]), ("G", s.G, rm.G[i])):  # fmt: skip
                    assert np.array_equal(got, want), (t, i, name, P.use_table)


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cell=cells(horizon=24), seed=st.integers(0, 2**40))
def test_compiled_kernel_paths_equal_scalar_oracle(cell, seed):
    res = detente.simulate(cell, runs=RUNS, seed=seed, paths=True)
    c = Compiled(cell, seed)
    for t, ref, rm in _oracle(c, c.draw(np.arange(RUNS))):
        assert np.array_equal(res.paths["L"][:, t], ref.L), t
        assert np.array_equal(res.paths["h"][:, t], ref.h), t
        assert np.array_equal(res.paths["a"][:, t], rm.a), t
        assert np.array_equal(res.paths["G"][:, t], rm.G), t
        assert np.array_equal(res.paths["regime"][:, t], rm.regime), t


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cell=cells(horizon=30))
def test_beliefs_stay_in_bounds(cell):
    res = detente.simulate(cell, runs=16, seed=1, paths=True)
    L_max = Compiled(cell, 1).draw(np.arange(16)).L_max[:, None, None]
    assert np.all(np.abs(res.paths["L"]) <= L_max)
    p = 1.0 / (1.0 + np.exp(-res.paths["L"]))
    assert np.all((p > 0) & (p < 1))
    assert np.all((res.paths["h"] >= 0) & (res.paths["h"] <= 1))
