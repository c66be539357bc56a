"""A `detente sweep` killed with SIGKILL mid-way and resumed equals an uninterrupted sweep, without duplicates."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import duckdb
import pandas as pd

from detente.experiments.store import load_per_run, load_results

DETENTE = str(Path(sys.executable).with_name("detente"))
EXPERIMENT = """\
name: crash
model: ishigami
model_options: {noise: 0.3, delay: 0.03}
parameters:
  - {path: x1, range: [-3.14159, 3.14159]}
  - {path: x2, range: [-3.14159, 3.14159]}
  - {path: x3, range: [-3.14159, 3.14159]}
design: {kind: lhs, n: 80}
runs: 5
seed: 2
per_run: true
outcomes: [y, {name: y_sd, column: y, stat: std}]
"""


def counts(store: Path) -> tuple[int, int, int]:
    con = duckdb.connect(str(store), read_only=True)
    cells, distinct = con.sql("SELECT count(*), count(DISTINCT cell_key) FROM cells").fetchall()[0]
    outs = con.sql("SELECT count(*) FROM (SELECT DISTINCT cell_key, outcome FROM outcomes)").fetchall()[0][0]
    total = con.sql("SELECT count(*) FROM outcomes").fetchall()[0][0]
    con.close()
    assert outs == total
    return cells, distinct, total


def test_sigkill_then_resume_matches_uninterrupted_run(tmp_path: Path) -> None:
    exp = tmp_path / "crash.yaml"
    exp.write_text(EXPERIMENT)
    killed = tmp_path / "killed.duckdb"
    proc = subprocess.Popen(
        [DETENTE, "sweep", str(exp), "--store", str(killed), "--chunk-points", "2"],
        stderr=subprocess.PIPE,
        text=True,
        cwd=tmp_path,
    )
    try:
        for line in proc.stderr:
            m = re.search(r"(\d+)/80 points stored", line)
            if m and int(m.group(1)) >= 6:
                os.kill(proc.pid, signal.SIGKILL)
                break
    finally:
        proc.wait(timeout=60)
    assert proc.returncode == -signal.SIGKILL
    cells, distinct, outs = counts(killed)
    assert 0 < cells < 80 and cells == distinct and outs == 2 * cells

    resumed = subprocess.run(
        [DETENTE, "sweep", str(exp), "--store", str(killed), "--resume", "--json"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
    )
    assert resumed.returncode == 0, resumed.stderr
    assert f'"cached": {cells}' in resumed.stdout and f'"computed": {80 - cells}' in resumed.stdout

    clean = tmp_path / "clean.duckdb"
    full = subprocess.run(
        [DETENTE, "sweep", str(exp), "--store", str(clean), "-q"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
    )
    assert full.returncode == 0, full.stderr

    assert counts(killed) == counts(clean) == (80, 80, 160)
    drop = ["elapsed_s"]
    pd.testing.assert_frame_equal(
        load_results("crash", killed).drop(columns=drop),
        load_results("crash", clean).drop(columns=drop),
        check_exact=True,
    )
    pd.testing.assert_frame_equal(
        load_per_run("crash", killed), load_per_run("crash", clean), check_exact=True
    )
