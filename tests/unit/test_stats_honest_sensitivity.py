"""Sensitivity indices that mean what they say: constant outcomes, few samples, bootstrap intervals."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from detente.cli import app
from detente.experiments import sensitivity
from detente.experiments.runner import sweep
from detente.experiments.spec import load_experiment

PI = math.pi


def _sweep(store: Path, name: str, paths: list[str], design: dict, **extra: object) -> None:
    spec = {
        "name": name,
        "model": "ishigami",
        "parameters": [{"path": p, "range": [-PI, PI]} for p in paths],
        "design": design,
        "runs": 1,
        "outcomes": ["y", "p_positive"],
        "seed": 5,
        **extra,
    }
    sweep(load_experiment(spec), store)


def test_constant_outcome_gives_undefined_sobol_indices_with_a_warning(tmp_path: Path) -> None:
    store = tmp_path / "s.duckdb"
    _sweep(store, "flat", ["x3"], {"kind": "sobol", "n": 8})  # x1 = x2 = 0: y = 0 everywhere
    idx = sensitivity.analyze("flat", "sobol", store)
    assert idx[["S1", "ST", "S1_low", "ST_high"]].isna().all().all()
    assert all(
        w.startswith("constant (0 at all 24 points): the indices are undefined") for w in idx["warning"]
    )
    lines = sensitivity.warning_lines(idx)
    assert lines[0].startswith("y (status quo): constant")
    assert len(lines) == 2  # one per outcome, not per parameter
    png = sensitivity.plot(idx, "sobol", tmp_path / "flat.png")
    assert png.read_bytes()[:4] == b"\x89PNG"


def test_few_samples_warn_and_come_with_percentile_bootstrap_intervals(tmp_path: Path) -> None:
    store = tmp_path / "f.duckdb"
    _sweep(store, "few", ["x1", "x2", "x3"], {"kind": "sobol", "n": 16})
    idx = sensitivity.analyze("few", "sobol", store)
    assert idx["warning"].str.contains("few samples (16 base samples N, fewer than 256)", regex=False).all()
    for k in ("S1", "ST"):
        assert (idx[f"{k}_low"] <= idx[f"{k}_high"]).all()
        assert np.isfinite(idx[[f"{k}_low", f"{k}_high"]].to_numpy()).all()
    # Reproducible: the bootstrap draws from its own generator, never the global RNG (SALib skips seed 0).
    np.random.seed(1)
    again = sensitivity.analyze("few", "sobol", store)
    assert again[["S1_conf", "ST_conf", "S1_low", "ST_high"]].equals(
        idx[["S1_conf", "ST_conf", "S1_low", "ST_high"]]
    )


def test_enough_samples_no_warning(tmp_path: Path) -> None:
    store = tmp_path / "n.duckdb"
    _sweep(store, "big", ["x1", "x2", "x3"], {"kind": "sobol", "n": 512}, outcomes=["y"])
    idx = sensitivity.analyze("big", "sobol", store)
    assert (idx["warning"] == "").all(), idx["warning"].tolist()
    assert ((idx["S1_low"] <= idx["S1"]) & (idx["S1"] <= idx["S1_high"])).all()


def test_morris_warns_on_few_trajectories_and_constant_outcome(tmp_path: Path) -> None:
    store = tmp_path / "m.duckdb"
    _sweep(store, "mo", ["x3"], {"kind": "morris", "trajectories": 4, "levels": 4})
    idx = sensitivity.analyze("mo", "morris", store)
    assert (idx["mu_star"] == 0).all()
    assert idx["warning"].str.contains("every effect is 0").all()
    assert (idx["mu_star_low"] >= 0).all()


@pytest.mark.parametrize(
    ("y", "expected"),
    [
        (np.r_[np.zeros(95), np.arange(1, 6)], "near-constant (95 of 100 points give 0)"),
        (np.linspace(0, 1, 100), None),
        (np.full(10, 0.25), "constant (0.25 at all 10 points)"),
    ],
)
def test_outcome_warnings(y: np.ndarray, expected: str | None) -> None:
    found = sensitivity.outcome_warnings(y, 1024, "sobol")
    if expected is None:
        assert found == []
    else:
        assert expected in found[0]


def test_index_outside_its_range_beyond_the_interval_is_flagged() -> None:
    row = {"parameter": "a", "S1": -0.3, "S1_conf": 0.05, "ST": 0.2, "ST_conf": 0.02}
    assert any("outside [0, 1]" in w for w in sensitivity.index_warnings(row))
    ok = {"parameter": "a", "S1": 0.1, "S1_conf": 0.05, "ST": 0.2, "ST_conf": 0.02}
    assert sensitivity.index_warnings(ok) == []


def test_cli_prints_intervals_and_warnings_never_nan(tmp_path: Path) -> None:
    store = tmp_path / "c.duckdb"
    _sweep(store, "flat", ["x3"], {"kind": "sobol", "n": 8})
    runner = CliRunner()
    out = runner.invoke(app, ["sensitivity", "flat", "--store", str(store), "--no-plot"])
    assert out.exit_code == 0, out.output
    assert "undefined" in out.output and "warning:" in out.output and "nan" not in out.output.lower()
    js = runner.invoke(app, ["sensitivity", "flat", "--store", str(store), "--no-plot", "--json"])
    payload = json.loads(js.output)
    assert payload["warnings"] and payload["indices"][0]["S1"] is None
    assert "NaN" not in js.output
