"""The vectorised step equals the scalar reference on the same draws; beliefs stay in bounds (theory §10.5)."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scenario_strategies import cells

from detente.engine.compile import Compiled
from detente.engine.random import run_keys, step_keys
from detente.engine.reference import reference_step
from detente.engine.step import initial_state, step

RUNS = 6
STATE = ("L", "h", "theta", "z", "a_prev")
MONTH = ("G", "a", "regime", "mutual")


def _both(cell, seed: int, runs: int = RUNS):
    """Yield (t, vectorised (state, month), reference (state, month)) for every month of the cell."""
    c = Compiled(cell, seed)
    params = c.draw(np.arange(runs) + 3)
    keys = run_keys(c.seed, params.runs)
    vec = ref = initial_state(params, len(c.structure.issues))
    for t in range(c.structure.horizon):
        keys_t = step_keys(keys, t)
        vec, vm = step(vec, params, c.structure, t, keys_t)
        ref, rm = reference_step(ref, params, c.structure, t, keys_t)
        yield t, params, (vec, vm), (ref, rm)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cell=cells(), seed=st.integers(0, 2**40))
def test_vectorised_step_equals_scalar_reference(cell, seed):
    for t, _, (vec, vm), (ref, rm) in _both(cell, seed):
        for name in STATE:
            assert np.array_equal(getattr(vec, name), getattr(ref, name)), (t, name)
        for name in MONTH:
            assert np.array_equal(getattr(vm, name), getattr(rm, name)), (t, name)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cell=cells(horizon=30))
def test_beliefs_stay_in_bounds_under_steps(cell):
    c = Compiled(cell, 1)
    params = c.draw(np.arange(16))
    keys = run_keys(c.seed, params.runs)
    state = initial_state(params, len(c.structure.issues))
    L_max = params.L_max[:, None]
    for t in range(c.structure.horizon):
        state, _ = step(state, params, c.structure, t, step_keys(keys, t))
        assert np.all(np.abs(state.L) <= L_max)
        p = 1.0 / (1.0 + np.exp(-state.L))
        assert np.all((p > 0) & (p < 1))
        assert np.all((state.h >= 0) & (state.h <= 1))
