"""The results store reports damage, stale sweeps and missing per-run files; PRIM and the factorial sit behind the API."""

from __future__ import annotations

import math
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from detente.errors import DetenteError, ExperimentError
from detente.experiments import discovery
from detente.experiments.runner import sweep
from detente.experiments.spec import load_experiment
from detente.experiments.store import Store, load_per_run, load_results

PI = math.pi


def experiment(**extra: object):
    data = {
        "name": "ish",
        "model": "ishigami",
        "model_options": {"noise": 0.5},
        "parameters": [{"path": f"x{i}", "range": [-PI, PI]} for i in (1, 2, 3)],
        "design": {"kind": "lhs", "n": 12},
        "runs": 3,
        "seed": 5,
        "per_run": True,
        "outcomes": ["y"],
    }
    data.update(extra)
    return load_experiment(data)


@pytest.fixture
def store(tmp_path: Path) -> Path:
    path = tmp_path / "s.duckdb"
    sweep(experiment(), path)
    return path


def dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


@pytest.mark.parametrize("damage", ["truncate", "junk", "empty", "middle"])
def test_a_damaged_store_is_reported_with_what_to_do(store: Path, damage: str) -> None:
    data = store.read_bytes()
    if damage == "truncate":
        store.write_bytes(data[: len(data) // 3])
    elif damage == "junk":
        store.write_bytes(b"this is not a database\n" * 500)
    elif damage == "empty":
        store.write_bytes(b"")
    else:
        store.write_bytes(data[:12288] + os.urandom(len(data) - 12288))
    for read_only in (True, False):
        with pytest.raises(ExperimentError) as info, Store(store, read_only=read_only) as st:
            st.results("ish")
        (message,) = info.value.problems
        assert message.startswith(f"{store}: the results store is damaged")
        assert "move it aside" in message and "s-runs/" in message
        assert "still be writing" not in message


def test_a_duckdb_file_that_is_not_a_store_is_named_as_such(tmp_path: Path) -> None:
    other = tmp_path / "other.duckdb"
    duckdb.connect(str(other)).execute("CREATE TABLE x(a INTEGER)").close()
    with pytest.raises(ExperimentError, match="not a detente results store"):
        Store(other, read_only=True)
    with pytest.raises(ExperimentError, match="is a folder"):
        Store(tmp_path, read_only=True)


def test_a_live_writer_is_named_and_only_then_the_sweep_hint_appears(store: Path) -> None:
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"import duckdb, sys; c = duckdb.connect({str(store)!r}); print('ok', flush=True); sys.stdin.read()",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "ok"
        with pytest.raises(ExperimentError) as info:
            Store(store, read_only=True)
        (message,) = info.value.problems
        assert f"open for writing by process {holder.pid}" in message and "may still be writing" in message
    finally:
        holder.communicate("")


def test_sweeps_of_dead_processes_are_not_listed_as_running(store: Path) -> None:
    pid = dead_pid()
    with Store(store) as st:
        sid = st.begin_sweep("ish", "detente sweep x", "in-process", 1, 12, 0)
        st.con.execute("UPDATE sweeps SET pid = ?, pid_started = 1.0 WHERE sweep_id = ?", [pid, sid])
    with Store(store, read_only=True) as st:
        listed = st.sweeps("ish").set_index("sweep_id")
        assert listed.loc[sid, "status"] == "killed"
        raw = st.con.execute("SELECT status FROM sweeps WHERE sweep_id = ?", [sid]).fetchone()[0]
        assert raw == "running"  # readers do not write; they report
    with Store(store) as st:
        assert st.con.execute("SELECT status FROM sweeps WHERE sweep_id = ?", [sid]).fetchone()[0] == "killed"
    with Store(store) as st:  # our own live sweep stays running while it runs
        sid = st.begin_sweep("ish", "detente sweep x", "in-process", 1, 12, 0)
        assert st.sweeps("ish").set_index("sweep_id").loc[sid, "status"] == "running"


def test_a_missing_per_run_file_is_reported_and_resume_restores_it(store: Path) -> None:
    before = load_per_run("ish", store)
    with Store(store, read_only=True) as st:
        path = st.con.execute(
            "SELECT per_run_path FROM cells c JOIN design_points d USING (cell_key) WHERE d.point = 4"
        ).fetchone()[0]
    (store.parent / path).unlink()
    with Store(store, read_only=True) as st:
        assert st.missing_per_run("ish") == [(4, path)]
    with pytest.raises(ExperimentError, match=r"1 per-run table file\(s\) are missing: point 4 .*--resume"):
        load_per_run("ish", store)
    report = sweep(experiment(), store, resume=True)
    assert (report.cached, report.computed) == (11, 1)
    pd.testing.assert_frame_equal(load_per_run("ish", store), before, check_exact=True)


def test_seeds_up_to_two_to_the_64_are_stored_exactly(tmp_path: Path) -> None:
    path = tmp_path / "s.duckdb"
    sweep(experiment(seed=2**64 - 1, per_run=False), path)
    frame = load_results("ish", path)
    assert {int(s) for s in frame["seed"]} == {2**64 - 1}


def test_discover_runs_the_prim_workflow_from_the_store(tmp_path: Path) -> None:
    path = tmp_path / "s.duckdb"
    sweep(experiment(design={"kind": "lhs", "n": 200}, per_run=False, model_options={}), path)
    found = discovery.discover("ish", "y", 6.0, store=path)
    frame = load_results("ish", path)
    assert found.points == 200 and found.undefined == 0
    assert found.result.base_density == pytest.approx(float(np.mean(frame["y"] >= 6.0)))
    data = found.as_dict()
    assert data["box"]["coverage"] >= 0.8 - 1e-12 and data["outcome"] == "y"
    with pytest.raises(ExperimentError, match="--inputs: unknown input"):
        discovery.discover("ish", "y", 6.0, store=path, inputs=["nope"])
    with pytest.raises(ExperimentError, match="--threshold: expected a finite number"):
        discovery.discover("ish", "y", math.nan, store=path)


def test_the_factorial_checks_worlds_and_conditions_in_one_place() -> None:
    from detente.analysis.factorial import experiment as factorial

    with pytest.raises(DetenteError) as info:
        factorial("reset-2009", conditions=["bogus"], worlds=["nowhere"], runs=2)
    assert info.value.problems == [
        "conditions: unknown condition 'bogus'; scenario 'reset-2009' has: "
        + ", ".join(__import__("detente").load_scenario("reset-2009").conditions),
        "worlds: unknown world 'nowhere'; scenario 'reset-2009' has: "
        + ", ".join(__import__("detente").load_scenario("reset-2009").worlds),
    ]


def test_the_factorial_runs_its_cells_through_the_runner_bit_for_bit() -> None:
    import detente
    from detente.analysis.factorial import experiment as factorial

    sc = detente.load_scenario("reset-2009")
    world, cond = next(iter(sc.worlds)), next(iter(sc.conditions))
    exp = factorial(sc, conditions=[cond], worlds=[world], runs=40, seed=9)
    assert len(exp.cells) == 2
    for cell in exp.cells:
        alone = detente.simulate(sc, runs=40, seed=9, world=world, conditions=cell.conditions)
        pd.testing.assert_frame_equal(cell.result.runs, alone.runs, check_exact=True)
        assert cell.result.summary() == alone.summary()
