"""The experiment commands end to end: sweep, results, sensitivity, discover; bad input exits 2."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from ishigami_spec import ishigami
from typer.testing import CliRunner

from detente.cli import app

DETENTE = str(Path(sys.executable).with_name("detente"))
runner = CliRunner()

ISHIGAMI = ishigami("sobol", 256)

FOUNDING_TINY = ["--set", "design.n=3", "--set", "runs=20", "--set", "cross.worlds=[spiral]"]


def invoke(*args: str) -> object:
    return runner.invoke(app, list(args))


def test_bad_experiment_file_exits_2_naming_the_field(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(ISHIGAMI.replace("n: 256", "n: 100").replace("runs: 1", "runs: zero"))
    proc = subprocess.run(
        [DETENTE, "sweep", str(bad), "--store", str(tmp_path / "s.duckdb")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert f"{bad}:7: design.n: expected a power of 2" in proc.stderr
    assert f"{bad}:8: runs:" in proc.stderr


def test_bad_flags_exit_2(tmp_path: Path) -> None:
    exp = tmp_path / "ish.yaml"
    exp.write_text(ISHIGAMI)
    store = str(tmp_path / "s.duckdb")
    result = invoke("sweep", str(exp), "--store", store, "--set", "design.kind")
    assert result.exit_code == 2 and "FIELD=VALUE" in result.output
    result = invoke(
        "sweep", str(exp), "--store", store, "--scheduler", "tcp://127.0.0.1:1", "--dask-local", "2"
    )
    assert result.exit_code == 2 and "either --scheduler or --dask-local" in result.output
    result = invoke("results", "--store", str(tmp_path / "missing.duckdb"))
    assert result.exit_code == 2 and "no results store" in result.output


def test_sweep_results_sensitivity(tmp_path: Path) -> None:
    exp = tmp_path / "ish.yaml"
    exp.write_text(ISHIGAMI)
    store = str(tmp_path / "s.duckdb")
    result = invoke("sweep", str(exp), "--store", store, "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["computed"] == 256 * 5
    listing = invoke("results", "--store", store, "--json")
    assert json.loads(listing.output)[0]["done"] == 1280
    out = tmp_path / "ish.csv"
    assert invoke("results", str(exp), "--store", store, "--out", str(out)).exit_code == 0
    assert len(out.read_text().splitlines()) == 1281
    plot = tmp_path / "ish.png"
    sens = invoke("sensitivity", "ish", "--store", store, "--method", "sobol", "--plot", str(plot), "--json")
    assert sens.exit_code == 0, sens.output
    indices = {r["parameter"]: r for r in json.loads(sens.output)["indices"]}
    assert abs(indices["x2"]["S1"] - 0.4424) < 0.1 and plot.is_file()
    refused = invoke("sensitivity", "ish", "--store", store, "--method", "morris", "--no-plot")
    assert refused.exit_code == 2 and "does not fit the morris method" in refused.output


def test_founding_experiment_discover(tmp_path: Path) -> None:
    store = str(tmp_path / "f.duckdb")
    result = invoke("sweep", "reset-2009-uncertainty", "--store", store, "-q", *FOUNDING_TINY)
    assert result.exit_code == 0, result.output
    plot = tmp_path / "prim.png"
    found = invoke(
        "discover",
        "reset-2009-uncertainty",
        "--store",
        store,
        "--outcome",
        "durable",
        "--threshold",
        "0.3",
        "--plot",
        str(plot),
        "--json",
    )
    assert found.exit_code == 0, found.output
    payload = json.loads(found.output)
    assert payload["outcome"] == "p_durable" and payload["points"] == 24
    assert {c["condition"] for c in payload["conditions"]} == {
        "generational_change",
        "shared_threat",
        "inclusion",
    }
    assert plot.read_bytes()[:4] == b"\x89PNG"
    table = invoke(
        "discover",
        "reset-2009-uncertainty",
        "--store",
        store,
        "--outcome",
        "p_durable",
        "--threshold",
        "0.3",
        "--no-plot",
    )
    assert table.exit_code == 0 and "box limits" in table.output
    bad = invoke(
        "discover", "reset-2009-uncertainty", "--store", store, "--outcome", "nope", "--threshold", "1"
    )
    assert bad.exit_code == 2 and "no stored outcome 'nope'" in bad.output
