"""The fused numba kernel reproduces the numpy step bit for bit: aggregates, summaries and paths."""

from __future__ import annotations

import numpy as np
import pytest

import detente
from detente.engine.compile import Compiled
from detente.engine.simulate import resolve_initial_trust, run_chunk_numpy

fused = pytest.importorskip("detente.engine.fused")

RICH = {
    "name": "fused-rich",
    "start": "2000-01",
    "horizon": 60,
    "seed": 11,
    "runs": 200,
    "durable_months": 6,
    "kappa_tau": 0.5,
    "sides": {
        "A": {
            "name": "A",
            "type": {"dist": "uniform", "low": 0.2, "high": 0.9},
            "belief": {"p0": {"dist": "uniform", "low": 0.2, "high": 0.8}},
            "elite": {"h0": 0.6, "eta": {"dist": "uniform", "low": 0.05, "high": 0.4}},
            "behaviour": {"eps": 0.05, "mu": 0.1, "rho": 0.6, "q": 0.3, "logit_lambda": 2.0},
            "learning": {"kappa": 0.4, "alpha": 0.3, "beta": 1.5},
        },
        "B": {
            "name": "B",
            "type": "from_trust",
            "belief": {"p0": 0.3},
            "elite": {"h0": 0.9},
            "behaviour": {"eps": 0.03, "mu": 0.05, "rho": {"dist": "uniform", "low": 0.3, "high": 0.9}},
        },
    },
    "issues": {
        "trade": {"kind": "tactical", "T_M": 6, "S": 1.0, "v": 0.5, "w": 1.0},
        "arms": {"kind": "tactical", "T_M": 7, "S": 0.0, "v": {"dist": "uniform", "low": 0.2, "high": 0.9}},
        "order": {
            "kind": "strategic",
            "T_M": 10,
            "S": -4.0,
            "w": 0.5,
            "omega": 3,
            "inclusion": {"invited": "B", "dv": 0.5, "S_incl": 3.0},
        },
    },
    "schedules": {
        "threat": [{"start": "2001-01", "value": 1.0}, {"start": "2003-01", "value": 0.5}],
        "inclusion": [{"start": "2002-01", "value": 1.0}],
    },
    "levers": {
        "joins": [{"side": "B", "date": "2003-06"}],
        "leadership": [
            {"side": "A", "date": "2001-03", "dh": 0.5},
            {"side": "B", "date": "2001-03", "dh": 0.2},
        ],
        "resets": [{"date": "2000-01"}, {"date": "2002-07"}],
        "signals": [
            {"date": "2000-06", "sender": "A", "size": 10.0, "issue": "order"},
            {"date": "2001-06", "sender": "B", "size": 0.1, "mimic": 0.5},
        ],
    },
    "events": [
        {"date": "2000-03", "actor": "A", "observer": "B", "lr": 3.0, "probability": 0.5},
        {"date": "2000-03", "actor": "A", "observer": "B", "goldstein": 7.0, "valence": 1},
        {
            "date": "2002-02",
            "actor": "B",
            "observer": "A",
            "lr": {"dist": "uniform", "low": 0.2, "high": 5.0},
        },
    ],
}


def _same(x: np.ndarray, y: np.ndarray) -> bool:
    x, y = np.asarray(x), np.asarray(y)
    return (
        x.dtype == y.dtype
        and x.shape == y.shape
        and np.ascontiguousarray(x).tobytes() == np.ascontiguousarray(y).tobytes()
    )


def _assert_identical(compiled: Compiled, runs: np.ndarray) -> None:
    params = compiled.draw(runs)
    a = run_chunk_numpy(compiled, params, True)
    b = fused.run_chunk_fused(compiled, params, True)
    for name in ("regime_counts", "open_counts", "mutual_counts", "trust_hist"):
        assert _same(getattr(a, name), getattr(b, name)), name
    assert a.summaries.keys() == b.summaries.keys()
    for name in a.summaries:
        assert _same(a.summaries[name], b.summaries[name]), name
    assert a.paths.keys() == b.paths.keys()
    for name in a.paths:
        assert _same(a.paths[name], b.paths[name]), f"paths.{name}"


@pytest.mark.parametrize(
    ("world", "conditions"),
    [
        ("spiral", ()),
        ("deterrence", ()),
        ("uncertain", ()),
        ("spiral", ("generational_change", "shared_threat", "inclusion")),
        ("deterrence", ("inclusion",)),
        ("uncertain", ("shared_threat", "inclusion")),
    ],
)
def test_reset_2009_cells_bit_identical(world: str, conditions: tuple[str, ...]) -> None:
    cell = detente.load_scenario("reset-2009").cell(world, conditions)
    _assert_identical(Compiled(cell, 20090706, resolve_initial_trust(cell)), np.arange(300))


def test_rich_scenario_bit_identical() -> None:
    sc = detente.load_scenario(RICH)
    _assert_identical(Compiled(sc, 11), np.arange(400))
    _assert_identical(Compiled(sc, 12), np.arange(1000, 1200))


def test_rich_scenario_exercises_every_branch() -> None:
    """The rich scenario really uses logit moves, malign types, grievances, events and signals."""
    sc = detente.load_scenario(RICH)
    c = Compiled(sc, 11)
    p = c.draw(np.arange(400))
    out = fused.run_chunk_fused(c, p, True)
    assert np.isfinite(p.side["lam"][:, 0]).all() and np.isinf(p.side["lam"][:, 1]).all()
    assert (~p.theta0).any() and p.theta0.any()
    assert (p.ev_dl != 0).any() and (p.ev_dl == 0).any()
    assert p.sig_separating[:, 0].all() and not p.sig_separating[:, 1].any()
    assert 0 < out.regime_counts[0].sum() < 400 * 60 and out.open_counts.sum() > 0


def test_simulate_backends_and_chunks_agree() -> None:
    sc = detente.load_scenario(RICH)
    ref = detente.simulate(sc, runs=150, backend="numpy", paths=True)
    for chunk in (1, 7, None):
        res = detente.simulate(sc, runs=150, backend="fused", chunk_size=chunk, paths=True)
        assert res.provenance.backend == "fused"
        for name in ("regime_counts", "open_counts", "mutual_counts", "trust_hist"):
            assert _same(getattr(ref.totals, name), getattr(res.totals, name)), (chunk, name)
        for name in ref.summaries:
            assert _same(ref.summaries[name], res.summaries[name]), (chunk, name)
        for name in ref.paths:
            assert _same(ref.paths[name], res.paths[name]), (chunk, name)
        assert ref.summary() == res.summary()
