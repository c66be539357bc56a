"""`detente history` end to end: malformed event rows exit 2 naming row and column; fit, plot, CSV, JSON."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

HEADER = "date,actor,target,kind,goldstein,cameo,dyad_valence,event_id\n"
GOOD = "1992-02-01,USA,RUS,agree,8.0,057,1,E1\n1993-01-03,RUS,USA,agree,8.0,057,1,E2\n"


def run(*args: str, cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "detente", "history", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=300,
    )


@pytest.mark.parametrize(
    ("bad_row", "column", "fragment"),
    [
        ("1994-01-14,USA,RUS,hug,8.0,057,1,E3", "kind", "unknown kind 'hug'"),
        ("1994-01-14,USA,RUS,agree,12,057,1,E3", "goldstein", "expected a number in -10..10, got '12'"),
        ("1994-13-14,USA,RUS,agree,8.0,057,1,E3", "date", "expected a date YYYY-MM-DD, got '1994-13-14'"),
        ("1994-01-14,XYZ,RUS,agree,8.0,057,1,E3", "actor", "unknown actor code 'XYZ'"),
        ("1994-01-14,USA,QQQ,agree,8.0,057,1,E3", "target", "unknown actor code 'QQQ'"),
        ("1994-01-14,USA,RUS,agree,8.0,057,2,E3", "dyad_valence", "expected -1, 0 or +1, got '2'"),
        ("1994-01-14,USA,RUS,agree,,057,1,E3", "goldstein", "expected a number in -10..10, got ''"),
    ],
)
def test_malformed_row_exits_2_naming_row_and_column(tmp_path, bad_row, column, fragment):
    path = tmp_path / "events.csv"
    path.write_text(HEADER + GOOD + bad_row + "\n")
    res = run("--events", str(path), "--out", str(tmp_path / "out"))
    assert res.returncode == 2, res.stderr
    assert "Traceback" not in res.stderr
    assert f"{path}: row 3 (line 4): column '{column}': {fragment}" in res.stderr
    assert not (tmp_path / "out").exists()  # nothing half-done


def test_several_bad_rows_are_all_reported(tmp_path):
    path = tmp_path / "events.csv"
    path.write_text(HEADER + "1994-01-14,USA,RUS,hug,8.0,057,1,E3\n1994-01-15,USA,RUS,agree,8.0,057,5,E4\n")
    res = run("--events", str(path), "--out", str(tmp_path / "out"))
    assert res.returncode == 2
    assert "row 1 (line 2): column 'kind'" in res.stderr
    assert "row 2 (line 3): column 'dyad_valence'" in res.stderr


def test_parquet_bad_row(tmp_path):
    import pandas as pd

    path = tmp_path / "events.parquet"
    pd.DataFrame(
        [
            {
                "date": "1992-02-01",
                "actor": "USA",
                "target": "RUS",
                "kind": "agree",
                "goldstein": 8.0,
                "dyad_valence": 1,
            },
            {
                "date": "1992-03-01",
                "actor": "USA",
                "target": "RUS",
                "kind": "agree",
                "goldstein": -11.0,
                "dyad_valence": 1,
            },
        ]
    ).to_parquet(path)
    res = run("--events", str(path), "--out", str(tmp_path / "out"))
    assert res.returncode == 2
    assert f"{path}: row 2: column 'goldstein'" in res.stderr


def test_missing_file_and_bad_date_flag(tmp_path):
    res = run("--events", str(tmp_path / "nope.csv"))
    assert res.returncode == 2 and "no such event table" in res.stderr
    res = run("--until", "2009-13", "--out", str(tmp_path))
    assert res.returncode == 2 and "--until" in res.stderr


def test_fit_json_plot_and_csv(tmp_path):
    res = run("--json", "--bootstrap", "20", "--out", str(tmp_path))
    assert res.returncode == 0, res.stderr
    data = json.loads(res.stdout)
    assert data["agreement"] > data["baselines"]["majority_class"]["agreement"]
    assert set(data["fitted"]) == {"gamma", "p_start.W", "p_start.R"}
    assert len(data["per_year"]) == 17
    assert (tmp_path / "history_trust.png").stat().st_size > 10_000
    lines = (tmp_path / "history_paths.csv").read_text().splitlines()
    assert lines[0].startswith("month,date,p_W,p_R")
    assert lines[1].startswith("1991-12,") and lines[-1].startswith("2009-07,2009-07-06,")


def test_tables_date_range_and_compare(tmp_path):
    res = run(
        "--bootstrap", "10", "--until", "2001-12-31", "--compare", "--runs", "4", "--out", str(tmp_path)
    )
    assert res.returncode == 0, res.stderr
    assert "Agreement with the labelled years" in res.stdout
    assert "Confusion" in res.stdout
    assert "2002" not in res.stdout.split("Per year")[1].split("Confusion")[0]
    assert (tmp_path / "history_compare.png").stat().st_size > 10_000
    rows = (tmp_path / "history_compare.csv").read_text().splitlines()
    assert rows[0].startswith("month,source,events,goldstein_sum,tone_12m")
    sources = {row.split(",")[1] for row in rows[1:]}
    assert sources == {"record", "simulated"}  # the coded record and the simulated runs, month by month
