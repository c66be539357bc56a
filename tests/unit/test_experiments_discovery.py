"""PRIM: recovers planted boxes (numeric and categorical), trade-off curve properties, pasting, errors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from detente.errors import ExperimentError
from detente.experiments import discovery


def planted(n: int = 2000, noise: float = 0.01, seed: int = 1) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = pd.DataFrame(rng.uniform(0, 1, (n, 5)), columns=[f"x{i}" for i in range(5)])
    x["cat"] = rng.choice(["a", "b", "c"], n)
    y = x.x0.between(0.2, 0.6) & x.x1.between(0.5, 0.9) & (x.cat != "c")
    flip = rng.uniform(size=n) < noise
    return x, np.where(flip, ~y, y)


def test_recovers_a_planted_box() -> None:
    x, y = planted()
    res = discovery.prim(x, y)
    lim = res.limits.set_index("input")
    assert set(lim.index) == {"x0", "x1", "cat"}
    assert lim.loc["x0", "low"] == pytest.approx(0.2, abs=0.03)
    assert lim.loc["x0", "high"] == pytest.approx(0.6, abs=0.03)
    assert lim.loc["x1", "low"] == pytest.approx(0.5, abs=0.03)
    assert lim.loc["x1", "high"] == pytest.approx(0.9, abs=0.03)
    assert lim.loc["cat", "categories"] == "a, b"
    assert res.box.density > 0.95 and res.box.coverage > 0.85
    assert (lim["qp_value"] < 1e-6).all()


def test_trajectory_trades_coverage_for_density() -> None:
    x, y = planted(noise=0.05)
    t = discovery.prim(x, y).trajectory
    assert t.loc[0, "coverage"] == 1.0 and t.loc[0, "mass"] == 1.0
    assert (np.diff(t["density"]) > 0).all()
    assert (np.diff(t["coverage"]) <= 1e-12).all()
    assert (np.diff(t["mass"]) < 0).all() and (t["mass"] >= 0.05).all()


def test_min_coverage_picks_wider_boxes() -> None:
    x, y = planted(noise=0.05)
    loose = discovery.prim(x, y, min_coverage=0.2)
    strict = discovery.prim(x, y, min_coverage=0.95)
    assert strict.boxes[strict.chosen].coverage >= 0.95
    assert loose.boxes[loose.chosen].density >= strict.boxes[strict.chosen].density


def test_pasting_never_lowers_density() -> None:
    x, y = planted(noise=0.05, seed=3)
    res = discovery.prim(x, y, min_coverage=0.5)
    assert res.box.density >= res.boxes[res.chosen].density


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 10_000), st.floats(0.05, 0.3))
def test_box_statistics_are_consistent(seed: int, rate: float) -> None:
    rng = np.random.default_rng(seed)
    x = pd.DataFrame({"a": rng.uniform(size=300), "b": rng.integers(0, 4, 300)})
    y = rng.uniform(size=300) < rate + 0.5 * (x["a"] > 0.7)
    if not y.any():
        return
    res = discovery.prim(x, y)
    for box in [*res.boxes, res.box]:
        data = discovery._Data(x, y)
        m = data.mask(box.limits)
        assert box.n == m.sum()
        assert box.density == pytest.approx(y[m].mean())
        assert box.coverage == pytest.approx(y[m].sum() / y.sum())


def test_never_occurring_outcome_is_a_clean_error() -> None:
    x, _ = planted(n=50)
    with pytest.raises(ExperimentError, match="never occurs"):
        discovery.prim(x, np.zeros(50, dtype=bool))


def test_condition_table_detects_necessity() -> None:
    frame = pd.DataFrame(
        {"cell": ["a", "b", "a", "b"], "c1": [True, False, True, False], "c2": [True, True, False, False]}
    )
    per_cell, conds = discovery.condition_table(frame, np.array([True, False, False, False]), ["c1", "c2"])
    assert conds["necessary_in_sample"].tolist() == [True, True]
    assert per_cell["points"].sum() == 4


def test_plot_writes_png(tmp_path: Path) -> None:
    x, y = planted(n=400)
    path = discovery.plot(discovery.prim(x, y), tmp_path / "p.png", title="t")
    assert path.read_bytes()[:4] == b"\x89PNG"
