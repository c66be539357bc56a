"""`detente forecast` and `detente backtest` end to end: tables, JSON, and clean refusals of bad input."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
import yaml
from typer.testing import CliRunner

from detente.cli import app

EVENTS = [
    {"date": f"{y}-06-01", "actor": a, "target": t, "kind": "agree", "goldstein": 6, "dyad_valence": v}
    for y, (a, t, v) in zip(
        range(1990, 2000),
        [("USA", "RUS", 1), ("RUS", "USA", 1), ("USA", "RUS", -1), ("RUS", "USA", -1), ("USA", "RUS", 1)] * 2,
        strict=True,
    )
]
LABELS = ["strategic_partnership_attempt", "limited_tactical", "adversarial"]


def scenario(tmp_path):
    side = {
        "name": "side",
        "belief": {"p0": "from_history"},
        "elite": {"h0": 0.5, "eta": 0.0, "r_old": 0.2, "r_new": 0.05},
        "learning": {"beta": 0.0},
    }
    data = {
        "name": "tiny",
        "start": "2000-01",
        "horizon": 12,
        "sides": {"W": side, "R": side},
        "issues": {
            "trade": {"kind": "tactical", "T_M": 6, "S": 1.0, "v": 0.0},
            "pact": {"kind": "strategic", "T_M": 8, "S": -2.0, "v": 0.0},
        },
        "history": {
            "events": EVENTS,
            "actors": {"USA": "W", "RUS": "R"},
            "start": "1990-01",
            "gamma": 0.2,
            "periods": str(tmp_path / "periods.csv"),
            "regime_at": "year-end",
        },
    }
    rows = "".join(f"{y},{LABELS[(y // 2) % 3]},\n" for y in range(1990, 2000))
    (tmp_path / "periods.csv").write_text("year,regime,alt_regime\n" + rows)
    path = tmp_path / "tiny.yaml"
    path.write_text(yaml.safe_dump(data))
    return str(path)


def run(*args: str) -> subprocess.CompletedProcess:
    """The real entry point, in a subprocess."""
    env = {**os.environ, "COLUMNS": "200"}
    return subprocess.run(
        [sys.executable, "-m", "detente", *args], capture_output=True, text=True, timeout=300, env=env
    )


def invoke(*args: str):
    """In process (faster): exit code, stdout, stderr."""
    res = CliRunner().invoke(app, list(args), env={"COLUMNS": "200"})
    return res.exit_code, res.stdout, res.stderr


def test_forecast_table_and_json(tmp_path):
    sc = scenario(tmp_path)
    out = run("forecast", "--scenario", sc, "--from", "1995-12-31", "--years", "2", "--runs", "60")
    assert out.returncode == 0, out.stderr
    assert "1996" in out.stdout and "1997" in out.stdout and "without later events" in out.stdout
    code, stdout, stderr = invoke(
        "forecast", "--scenario", sc, "--from", "1995-12", "--years", "2", "--runs", "60", "--calibrate",
        "--draws", "3", "--json",
    )  # fmt: skip
    assert code == 0, stderr
    data = json.loads(stdout)
    assert [y["year"] for y in data["years"]] == [1996, 1997]
    for y in data["years"]:
        assert y["p_strategic"] + y["p_tactical"] + y["p_frozen"] == pytest.approx(1.0)
    assert len(data["draws"]) == 3
    assert data["calibration"]["years"] == 6  # the labelled years 1990..1995, nothing later
    for v in data["calibration"]["parameters"].values():
        assert ("sd" in v) == v["identified"]


def test_backtest_json_pools_out_of_sample_scores(tmp_path):
    sc = scenario(tmp_path)
    code, stdout, stderr = invoke(
        "backtest", "--scenario", sc, "--horizon", "2", "--runs", "40", "--draws", "2", "--json"
    )
    assert code == 0, stderr
    data = json.loads(stdout)
    pooled = data["pooled_out_of_sample"]
    assert pooled["n"] == 2 * 9 - 1
    for rule in ("brier", "rps", "log"):
        assert set(pooled[rule]) >= {"model", "persistence", "climatology", "skill_vs_persistence"}
    assert [o["origin"] for o in data["by_origin"]] == list(range(1991, 2000))
    assert data["in_sample_pooled"]["n"] == pooled["n"]
    assert "log = -ln(max(p, 0.01))" in data["rules"]["scores"]


def test_backtest_tables(tmp_path):
    code, stdout, stderr = invoke(
        "backtest", "--scenario", scenario(tmp_path), "--horizon", "1", "--runs", "20", "--draws", "1"
    )
    assert code == 0, stderr
    assert "out of sample (headline)" in stdout and "persistence" in stdout


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["forecast", "--from", "2009-13-01"], "--from: expected a calendar date"),
        (["forecast", "--from", "2008-12-31", "--types", "X"], "--types: expected one of"),
        (["forecast", "--from", "1980-01-31", "--calibrate"], "no labelled year ends by 1980-01-31"),
        (["forecast", "--from", "2008-12-31", "--seed", "-1"], "--seed"),
        (["backtest", "--scenario", "no-such-scenario"], "no-such-scenario"),
        (["backtest", "--also", "channel_floor"], "--also: expected PATH=V1,V2"),
        (["forecast", "--from", "2008-12-31", "--also", "channel_floor=0,0.1"], "need --calibrate"),
        (["backtest", "--also", "sides.R.elite.nope=1"], "nope"),
    ],
)
def test_bad_input_exits_2_with_one_line(args, fragment):
    code, _, stderr = invoke(*args)
    assert code == 2
    assert fragment in stderr and "Traceback" not in stderr
