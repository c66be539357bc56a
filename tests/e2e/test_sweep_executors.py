"""The same sweep in-process, on a pool of 2 and on a Dask LocalCluster of 2 stores identical results."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd
import pytest

from detente.experiments.runner import make_executor, sweep
from detente.experiments.spec import load_experiment
from detente.experiments.store import load_per_run, load_results

SPEC = {
    "name": "exec",
    "scenario": "reset-2009",
    "cross": {"worlds": ["spiral", "deterrence"], "conditions": ["inclusion"]},
    "parameters": [
        {"name": "h0_R", "path": "sides.R.elite.h0", "range": [0.5, 0.95]},
        {"name": "p0", "path": ["sides.W.belief.p0", "sides.R.belief.p0"], "range": [0.2, 0.7]},
    ],
    "design": {"kind": "lhs", "n": 3},
    "runs": 40,
    "seed": 9,
    "per_run": True,
    "outcomes": [
        "p_durable",
        "mean_ci",
        "median_trust_R",
        {"name": "ms", "column": "months_strategic", "stat": "std"},
    ],
}


def run(tmp_path: Path, label: str, **flags: object) -> tuple[pd.DataFrame, pd.DataFrame, list[tuple]]:
    store = tmp_path / f"{label}.duckdb"
    executor = make_executor(**flags)
    try:
        report = sweep(
            load_experiment(SPEC), store, executor=executor, chunk_points=2 if label != "inproc" else 5
        )
    finally:
        executor.close()
    assert report.computed == 12 and report.status == "finished"
    frame = load_results("exec", store).drop(columns=["elapsed_s"])
    runs = load_per_run("exec", store)
    con = duckdb.connect(str(store), read_only=True)
    stored = con.sql("SELECT cell_key, outcome, value FROM outcomes ORDER BY cell_key, outcome").fetchall()
    hosts = con.sql("SELECT DISTINCT pid FROM cells").fetchall()
    con.close()
    return frame, runs, stored, hosts


@pytest.mark.slow
def test_executors_store_identical_results(tmp_path: Path) -> None:
    base_frame, base_runs, base_stored, base_pids = run(tmp_path, "inproc", workers=1)
    pool = run(tmp_path, "pool", workers=2)
    dask = run(tmp_path, "dask", dask_local=2)
    assert len(base_pids) == 1
    for frame, runs, stored, _ in (pool, dask):
        pd.testing.assert_frame_equal(frame, base_frame, check_exact=True)
        pd.testing.assert_frame_equal(runs, base_runs, check_exact=True)
        assert stored == base_stored
    assert base_frame["p_durable"].nunique() > 1
