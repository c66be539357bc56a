"""Design → evaluate → store → analyse, on the Ishigami function (known Sobol' indices) and small sweeps."""

from __future__ import annotations

import math
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from detente.errors import ExperimentError
from detente.experiments import sensitivity
from detente.experiments.runner import sweep
from detente.experiments.spec import load_experiment
from detente.experiments.store import Store, load_per_run, load_results

PI = math.pi


def ishigami(design: dict, **extra: object):
    params = [{"path": f"x{i}", "range": [-PI, PI]} for i in (1, 2, 3)]
    spec = {
        "name": "ish",
        "model": "ishigami",
        "parameters": params,
        "design": design,
        "runs": 1,
        "outcomes": ["y"],
        "seed": 11,
    }
    spec.update(extra)
    return load_experiment(spec)


def test_ishigami_sobol_indices_match_known_values(tmp_path: Path) -> None:
    store = tmp_path / "s.duckdb"
    sweep(ishigami({"kind": "sobol", "n": 1024}), store)
    idx = sensitivity.analyze("ish", "sobol", store).set_index("parameter")
    # Ishigami a=7, b=0.1: S1 = (0.3139, 0.4424, 0), ST = (0.5576, 0.4424, 0.2437)
    assert np.allclose(idx["S1"], [0.3139, 0.4424, 0.0], atol=0.05)
    assert np.allclose(idx["ST"], [0.5576, 0.4424, 0.2437], atol=0.05)
    assert (idx["S1_conf"] > 0).all() and (idx["ST_conf"] < 0.15).all()
    png = sensitivity.plot(idx.reset_index(), "sobol", tmp_path / "s.png")
    assert png.stat().st_size > 1000


def test_morris_ranks_ishigami_inputs(tmp_path: Path) -> None:
    store = tmp_path / "m.duckdb"
    sweep(ishigami({"kind": "morris", "trajectories": 40, "levels": 4}), store)
    idx = sensitivity.analyze("ish", "morris", store).set_index("parameter")
    assert idx.loc["x3", "mu_star"] > 0 and idx.loc["x1", "mu_star"] > 0
    assert (idx["mu_star_conf"] >= 0).all()


def test_sensitivity_refuses_a_design_that_does_not_fit(tmp_path: Path) -> None:
    store = tmp_path / "l.duckdb"
    sweep(ishigami({"kind": "lhs", "n": 10}), store)
    with pytest.raises(ExperimentError, match=r"stored design is 'lhs'.*sobol"):
        sensitivity.analyze("ish", "sobol", store)
    with pytest.raises(ExperimentError, match="morris"):
        sensitivity.analyze("ish", "morris", store)


def test_rerun_is_a_cache_hit_and_never_duplicates(tmp_path: Path) -> None:
    store = tmp_path / "c.duckdb"
    exp = ishigami({"kind": "lhs", "n": 12}, runs=4, model_options={"noise": 0.5}, per_run=True)
    first = sweep(exp, store)
    second = sweep(exp, store)
    assert (first.computed, first.cached) == (12, 0)
    assert (second.computed, second.cached) == (0, 12)
    con = duckdb.connect(str(store), read_only=True)
    assert con.sql("SELECT count(*), count(DISTINCT cell_key) FROM cells").fetchall() == [(12, 12)]
    assert con.sql("SELECT count(*) FROM outcomes").fetchall() == [(12,)]
    assert con.sql("SELECT count(*) FROM sweeps WHERE status = 'finished'").fetchall() == [(2,)]
    con.close()
    frame = load_results("ish", store)
    assert list(frame["point"]) == list(range(12))
    assert {"x1", "x2", "x3", "y", "seed", "runs", "cell_key"} <= set(frame.columns)
    runs = load_per_run("ish", store)
    assert len(runs) == 12 * 4
    means = runs.groupby("point")["y"].mean()
    assert np.allclose(means.to_numpy(), frame["y"].to_numpy(), rtol=1e-12)


def test_polars_frames_and_listing(tmp_path: Path) -> None:
    store = tmp_path / "p.duckdb"
    sweep(ishigami({"kind": "lhs", "n": 5}), store)
    pl_frame = load_results("ish", store, frame="polars")
    assert pl_frame.height == 5 and "y" in pl_frame.columns
    with Store(store, read_only=True) as st:
        listing = st.experiments()
        assert listing.loc[0, "name"] == "ish" and listing.loc[0, "done"] == 5
        assert st.sweeps("ish").loc[0, "command"]


def test_changing_runs_changes_the_key(tmp_path: Path) -> None:
    store = tmp_path / "k.duckdb"
    sweep(ishigami({"kind": "lhs", "n": 4}), store)
    report = sweep(ishigami({"kind": "lhs", "n": 4}, runs=2), store)
    assert report.computed == 4
    assert len(load_results("ish", store)) == 4


def test_resume_requires_the_same_stored_experiment(tmp_path: Path) -> None:
    store = tmp_path / "r.duckdb"
    with pytest.raises(ExperimentError, match="nothing to resume"):
        sweep(ishigami({"kind": "lhs", "n": 4}), store, resume=True)
    sweep(ishigami({"kind": "lhs", "n": 4}), store)
    with pytest.raises(ExperimentError, match="changed"):
        sweep(ishigami({"kind": "lhs", "n": 5}), store, resume=True)


def test_unknown_experiment_and_missing_store(tmp_path: Path) -> None:
    with pytest.raises(ExperimentError, match="no results store"):
        load_results("x", tmp_path / "none.duckdb")
    store = tmp_path / "u.duckdb"
    sweep(ishigami({"kind": "lhs", "n": 3}), store)
    with pytest.raises(ExperimentError, match="stored: ish"):
        load_results("other", store)


def test_unknown_outcome_is_a_clean_error(tmp_path: Path) -> None:
    with pytest.raises(ExperimentError, match="no summary value 'nope'"):
        sweep(ishigami({"kind": "lhs", "n": 3}, outcomes=["nope"]), tmp_path / "o.duckdb")


def test_detente_model_sweep_stores_simulate_summaries(tmp_path: Path) -> None:
    import detente

    exp = load_experiment(
        {
            "name": "tiny",
            "scenario": "reset-2009",
            "world": "spiral",
            "parameters": [
                {"name": "p0", "path": ["sides.W.belief.p0", "sides.R.belief.p0"], "levels": [0.2, 0.6]}
            ],
            "design": {"kind": "full_factorial"},
            "runs": 30,
            "seed": 4,
            "cross": {"conditions": ["inclusion"]},
            "outcomes": [
                "p_durable",
                "mean_ci",
                {"name": "months", "column": "months_strategic", "stat": "mean"},
            ],
        }
    )
    store = tmp_path / "d.duckdb"
    sweep(exp, store)
    frame = load_results("tiny", store)
    assert len(frame) == 4 and list(frame["inclusion"]) == [False, True, False, True]
    sc = detente.load_scenario("reset-2009").apply({"sides.W.belief.p0": 0.6, "sides.R.belief.p0": 0.6})
    res = detente.simulate(sc, runs=30, seed=4, world="spiral", conditions=("inclusion",))
    row = frame.iloc[3]
    assert row["p0"] == 0.6
    assert row["p_durable"] == res.summary()["p_durable"] and row["mean_ci"] == res.summary()["mean_ci"]
    assert row["months"] == pd.Series(res.runs["months_strategic"]).mean()


def test_detente_model_checks_paths_and_conditions(tmp_path: Path) -> None:
    spec = {
        "name": "bad",
        "scenario": "reset-2009",
        "design": {"kind": "lhs", "n": 2},
        "outcomes": ["p_durable"],
        "parameters": [{"path": "sides.R.elite.etaa", "range": [0, 0.1]}],
        "cross": {"conditions": ["nope"]},
    }
    with pytest.raises(ExperimentError) as info:
        sweep(load_experiment(spec), tmp_path / "b.duckdb")
    joined = "\n".join(info.value.problems)
    assert "parameters.0.path" in joined and "etaa" in joined
    assert "unknown condition 'nope'" in joined
