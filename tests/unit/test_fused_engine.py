"""The compiled kernel and the same code run uncompiled (python backend) agree bit for bit; backend names."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

import detente
from detente.engine.compile import Compiled
from detente.engine.kernel import run_chunk, with_game_table
from detente.engine.simulate import resolve_initial_trust
from detente.errors import DetenteError

sys.path.insert(0, str(Path(__file__).parents[1] / "golden"))
from golden_cells import RICH as RICH_V010
from test_kernel_golden import _v2_names

RICH = _v2_names(RICH_V010)


def _same(x: np.ndarray, y: np.ndarray) -> bool:
    x, y = np.asarray(x), np.asarray(y)
    return (
        x.dtype == y.dtype
        and x.shape == y.shape
        and np.ascontiguousarray(x).tobytes() == np.ascontiguousarray(y).tobytes()
    )


def _assert_identical(compiled: Compiled, runs: np.ndarray) -> None:
    params = compiled.draw(runs)
    a = run_chunk(compiled, params, True, "python")
    b = run_chunk(compiled, params, True, "compiled", 2)
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
    [("spiral", ()), ("deterrence", ("inclusion",)), ("uncertain", ("shared_threat", "inclusion"))],
)
def test_reset_2009_cells_compiled_equals_python(world: str, conditions: tuple[str, ...]) -> None:
    cell = detente.load_scenario("reset-2009").cell(world, conditions)
    _assert_identical(Compiled(cell, 20090706, resolve_initial_trust(cell)), np.arange(8))


def test_rich_scenario_compiled_equals_python() -> None:
    sc = detente.load_scenario(RICH)
    _assert_identical(Compiled(sc, 11), np.arange(10))
    _assert_identical(Compiled(sc, 12), np.arange(1000, 1006))


def test_game_table_only_when_payoffs_do_not_vary() -> None:
    """The month-by-month game table is used exactly when no payoff input is drawn per run."""
    rich = Compiled(detente.load_scenario(RICH), 11).draw(np.arange(50))
    assert not with_game_table(rich).use_table
    cell = detente.load_scenario("reset-2009").cell("uncertain", ("inclusion",))
    P = Compiled(cell, 1, resolve_initial_trust(cell)).draw(np.arange(50))
    tabled = with_game_table(P)
    assert tabled.use_table and tabled.table_t_star.shape == (
        cell.horizon,
        2,
        2,
        len(cell.issues),
    )  # channel down, up


def test_rich_scenario_exercises_every_branch() -> None:
    """The rich scenario really uses logit moves, malign types, grievances, events and signals."""
    sc = detente.load_scenario(RICH)
    c = Compiled(sc, 11)
    p = c.draw(np.arange(400))
    out = run_chunk(c, p, True)
    assert np.isfinite(p.side["lam"][:, 0]).all() and np.isinf(p.side["lam"][:, 1]).all()
    assert (~p.theta0).any() and p.theta0.any()
    assert (p.ev_dl != 0).any() and (p.ev_dl == 0).any()
    assert p.sig_separating[:, 0].all() and not p.sig_separating[:, 1].any()
    assert 0 < out.regime_counts[0].sum() < 400 * 60 and out.open_counts.sum() > 0


def test_backend_names() -> None:
    sc = detente.load_scenario(RICH)
    ref = detente.simulate(sc, runs=20, paths=True)
    assert ref.provenance.backend == "compiled"
    for name in ("auto", "fused"):
        res = detente.simulate(sc, runs=20, backend=name, paths=True)
        assert res.provenance.backend == "compiled"
        assert all(_same(ref.paths[k], res.paths[k]) for k in ref.paths)
    with pytest.raises(DetenteError, match="numpy' backend was removed"):
        detente.simulate(sc, runs=20, backend="numpy")
    with pytest.raises(DetenteError, match="expected 'compiled'"):
        detente.simulate(sc, runs=20, backend="gpu")
    with pytest.raises(DetenteError, match="threads"):
        detente.simulate(sc, runs=20, threads=0)
