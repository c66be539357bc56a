"""End-to-end runs of the core CLI commands in a real subprocess."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

import detente


def cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "detente", *args], capture_output=True, text=True, cwd=cwd, timeout=600
    )


@pytest.fixture(scope="module")
def main_job(tmp_path_factory: pytest.TempPathFactory) -> tuple[subprocess.CompletedProcess[str], Path]:
    out = tmp_path_factory.mktemp("report") / "reset"
    return cli("run", "--runs", "500", "--out", str(out)), out


def test_run_writes_report_and_verdict(main_job: tuple[subprocess.CompletedProcess[str], Path]) -> None:
    proc, out = main_job
    assert proc.returncode == 0, proc.stderr
    assert "Verdict on the argument" in proc.stdout
    assert "  - Spiral (both benign): the reset alone (the status quo) " in proc.stdout
    for name in ("report.html", "summary.csv", "cells.json", "regimes-spiral.png", "trust-deterrence.png"):
        assert (out / name).stat().st_size > 0, name
    rows = list(csv.DictReader((out / "summary.csv").open()))
    assert len(rows) == 24
    assert {r["world"] for r in rows} == {"spiral", "deterrence", "uncertain"}
    status_quo = [r for r in rows if r["cell"] == "status quo"]
    assert all(float(r["p_durable"]) == 0.0 for r in status_quo)
    payload = json.loads((out / "cells.json").read_text())
    assert payload["runs_per_cell"] == 500
    # model v2: the status quo stays tactical between benign sides, but freezes with a malign Russia
    assert payload["verdict"]["claims"]["status_quo_stays_tactical"] is False
    assert payload["verdict"]["worlds"]["spiral"]["status_quo_stays_tactical"] is True
    assert "stays frozen" in payload["headlines"][1]
    assert payload["headlines"][0].startswith("Spiral (both benign): the reset alone (the status quo) ")
    prov = payload["cells"][0]["provenance"]
    assert set(prov["initial_trust"]) == {"W", "R"}  # reset-2009 starts from the replayed record
    assert prov["extra"]["history"]["gamma"] > 0
    assert prov["seed"] == 20090706 and prov["runs"] == 500
    html = (out / "report.html").read_text()
    assert "Verdict on the argument" in html and "regimes-spiral.png" in html


def test_run_json_matches_report(
    main_job: tuple[subprocess.CompletedProcess[str], Path], tmp_path: Path
) -> None:
    _, out = main_job
    proc = cli("run", "--runs", "500", "--json", "--out", str(tmp_path / "r"), "--no-plots")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    saved = json.loads((out / "cells.json").read_text())
    strip = [{k: v for k, v in c.items() if k != "provenance"} for c in data["cells"]]
    assert strip == [{k: v for k, v in c.items() if k != "provenance"} for c in saved["cells"]]
    assert data["report"].endswith("report.html")


def test_run_one_world_and_condition_subset(tmp_path: Path) -> None:
    proc = cli(
        "run",
        "--runs",
        "200",
        "--world",
        "spiral",
        "--condition",
        "inclusion",
        "--json",
        "--out",
        str(tmp_path / "r"),
        "--no-plots",
    )
    assert proc.returncode == 0, proc.stderr
    cells = json.loads(proc.stdout)["cells"]
    assert [(c["world"], c["cell"]) for c in cells] == [("spiral", "status quo"), ("spiral", "inclusion")]


def _bad(tmp_path: Path, mutate) -> Path:
    data = yaml.safe_load(detente.load_scenario("reset-2009").to_yaml())
    mutate(data)
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


@pytest.mark.parametrize(
    ("mutate", "field", "words"),
    [
        (
            lambda d: d["sides"]["W"]["elite"].__setitem__("h0", "high"),
            "sides.W.elite.h0",
            "expected a number",
        ),
        (
            lambda d: d["issues"]["arms_control"].__setitem__("verification", 0.9),
            "issues.arms_control.verification",
            "unknown field",
        ),
        (lambda d: d["sides"]["R"]["behaviour"].__setitem__("eps", -0.2), "sides.R.behaviour.eps", "[0, 1]"),
        (
            lambda d: d["levers"]["resets"][0].__setitem__("date", "2035-01"),
            "levers.resets.0.date",
            "outside the horizon",
        ),
        (lambda d: d["sides"].pop("R"), "sides", "exactly two sides"),
    ],
    ids=["wrong-type", "unknown-field", "negative-probability", "date-outside-horizon", "missing-side"],
)
def test_malformed_scenario_exits_2_naming_field(tmp_path: Path, mutate, field: str, words: str) -> None:
    path = _bad(tmp_path, mutate)
    for args in (("validate", str(path)), ("run", str(path), "--runs", "10", "--out", str(tmp_path / "o"))):
        proc = cli(*args)
        assert proc.returncode == 2, proc.stdout + proc.stderr
        assert "Traceback" not in proc.stderr
        assert field in proc.stderr and words in proc.stderr, proc.stderr
        assert str(path) in proc.stderr


def test_error_names_the_line(tmp_path: Path) -> None:
    text = detente.load_scenario("reset-2009").to_yaml().replace("h0: 0.8", "h0: lots", 1)
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    line = next(i for i, s in enumerate(text.splitlines(), 1) if "h0: lots" in s)
    proc = cli("validate", str(path))
    assert proc.returncode == 2
    assert f"{path}:{line}: sides.R.elite.h0: expected a number" in proc.stderr
    assert "got 'lots'" in proc.stderr


def test_bad_input_keeps_earlier_report(tmp_path: Path) -> None:
    out = tmp_path / "keep"
    out.mkdir()
    (out / "report.html").write_text("earlier results")
    bad = _bad(tmp_path, lambda d: d["sides"].pop("R"))
    assert cli("run", str(bad), "--out", str(out)).returncode == 2
    assert (out / "report.html").read_text() == "earlier results"


def test_unknown_scenario_lists_bundled() -> None:
    proc = cli("run", "no-such-rivalry")
    assert proc.returncode == 2
    assert "no-such-rivalry" in proc.stderr and "reset-2009" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_bad_flag_exits_2() -> None:
    proc = cli("run", "--runs", "0")
    assert proc.returncode == 2
    assert "--runs" in proc.stderr


def test_validate_schema_and_scenarios() -> None:
    ok = cli("validate", "reset-2009")
    assert ok.returncode == 0 and "ok:" in ok.stdout
    schema = json.loads(cli("schema").stdout)
    assert {"sides", "issues", "conditions", "worlds"} <= set(schema["properties"])
    listed = cli("scenarios")
    assert listed.returncode == 0 and listed.stdout.startswith("reset-2009")


def test_simulate_one_cell_json(tmp_path: Path) -> None:
    proc = cli(
        "simulate",
        "--world",
        "spiral",
        "--condition",
        "inclusion",
        "--runs",
        "300",
        "--json",
        "--months",
        str(tmp_path / "m.csv"),
        "--plot",
        str(tmp_path / "p.png"),
    )
    assert proc.returncode == 0, proc.stderr
    summary = json.loads(proc.stdout)["summary"]
    assert summary["runs"] == 300 and 0.0 <= summary["p_durable"] <= 1.0
    assert (tmp_path / "p.png").stat().st_size > 0
    assert len(list(csv.DictReader((tmp_path / "m.csv").open()))) == 240
