"""Results are bit-identical for any chunk size and thread count, on repeated runs, and for the compiled
and python backends (model.md §2: every draw is a pure function of seed, run, step and site)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from scenario_strategies import base_scenario, cells

import detente

RUNS = 15
HORIZON = 72


def assert_identical(a, b) -> None:
    """Every count aggregate, run summary, path and headline figure of two results is bit-identical."""
    for name in ("regime_counts", "open_counts", "mutual_counts", "trust_hist"):
        assert np.array_equal(getattr(a.totals, name), getattr(b.totals, name)), name
    assert a.summaries.keys() == b.summaries.keys()
    for key in a.summaries:
        assert np.array_equal(a.summaries[key], b.summaries[key]), key
    assert (a.paths is None) == (b.paths is None)
    for key in a.paths or {}:
        assert np.array_equal(a.paths[key], b.paths[key]), key
    sa, sb = a.summary(), b.summary()
    assert sa.keys() == sb.keys()
    for key in sa:
        assert sa[key] == sb[key] or (np.isnan(sa[key]) and np.isnan(sb[key])), key


def _variants(cell, runs: int = RUNS, paths: bool = True):
    base = detente.simulate(cell, runs=runs, seed=17, paths=paths)
    yield "repeat", detente.simulate(cell, runs=runs, seed=17, paths=paths)
    for chunk, threads in ((1, 1), (7, 2), (4, 3)):
        yield (
            f"chunk {chunk} threads {threads}",
            detente.simulate(cell, runs=runs, seed=17, chunk_size=chunk, threads=threads, paths=paths),
        )
    yield "python", detente.simulate(cell, runs=runs, seed=17, paths=paths, backend="python")
    yield "base", base


@pytest.mark.parametrize(
    ("world", "conditions"),
    [
        ("spiral", ()),
        ("deterrence", ("generational_change", "shared_threat", "inclusion")),
        ("uncertain", ("inclusion",)),
    ],
)
def test_bit_identical_across_chunks_repeats_and_backends(world, conditions):
    cell = base_scenario().apply({"horizon": HORIZON}).cell(world, conditions)
    results = dict(_variants(cell))
    base = results.pop("base")
    for name, res in results.items():
        try:
            assert_identical(base, res)
        except AssertionError as exc:
            raise AssertionError(f"{name} differs from the compiled default: {exc}") from None


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cell=cells(horizon=24))
def test_bit_identical_on_random_scenarios(cell):
    results = dict(_variants(cell, runs=9))
    base = results.pop("base")
    for name, res in results.items():
        try:
            assert_identical(base, res)
        except AssertionError as exc:
            raise AssertionError(f"{name} differs from the compiled default: {exc}") from None


def test_run_order_does_not_matter():
    """A run's path is the same whether it is simulated among 5 runs or among 40."""
    cell = base_scenario().cell("uncertain")
    small = detente.simulate(cell, runs=5, seed=3, paths=True)
    large = detente.simulate(cell, runs=40, seed=3, paths=True, chunk_size=9)
    for key in small.paths:
        assert np.array_equal(small.paths[key], large.paths[key][:5]), key


def test_seed_changes_results():
    cell = base_scenario().cell("uncertain")
    a = detente.simulate(cell, runs=20, seed=1, paths=True)
    b = detente.simulate(cell, runs=20, seed=2, paths=True)
    assert not np.array_equal(a.paths["L"], b.paths["L"])
