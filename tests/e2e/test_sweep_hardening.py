"""`detente sweep/results/sensitivity/discover` refuse bad input with exit 2 and one clear line, and survive damage."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from detente.cli import app
from detente.experiments.store import load_per_run

DETENTE = str(Path(sys.executable).with_name("detente"))
EXPERIMENT = """\
name: hard
model: ishigami
model_options: {noise: 0.3}
parameters:
  - {path: x1, range: [-3.14159, 3.14159]}
  - {path: x2, range: [-3.14159, 3.14159]}
  - {path: x3, range: [-3.14159, 3.14159]}
design: {kind: sobol, n: 8}
runs: 4
seed: 18446744073709551615
per_run: true
outcomes: [y, {name: y_sd, column: y, stat: std}]
"""


class Ran:
    """What a command did: exit status, stdout, stderr."""

    def __init__(self, returncode: int, stdout: str, stderr: str) -> None:
        self.returncode, self.stdout, self.stderr = returncode, stdout, stderr


def detente(*args: str, cwd: Path, real: bool = False) -> Ran:
    """Run the CLI in-process (typer's CliRunner: fast), or as a real process with ``real``."""
    if real:
        proc = subprocess.run([DETENTE, *args], capture_output=True, text=True, cwd=cwd, timeout=120)
        return Ran(proc.returncode, proc.stdout, proc.stderr)
    here = os.getcwd()
    os.chdir(cwd)
    try:
        result = CliRunner().invoke(app, list(args))
    finally:
        os.chdir(here)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return Ran(result.exit_code, result.stdout, result.stderr)


def strict_json(text: str) -> object:
    return json.loads(text, parse_constant=lambda c: pytest.fail(f"non-strict JSON constant {c}"))


def refused(proc: Ran, *needles: str) -> None:
    assert proc.returncode == 2, (proc.returncode, proc.stderr)
    assert "Traceback" not in proc.stderr
    for needle in needles:
        assert needle in proc.stderr, (needle, proc.stderr)


@pytest.fixture(scope="module")
def swept(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("swept")
    (folder / "hard.yaml").write_text(EXPERIMENT)
    proc = detente("sweep", "hard.yaml", "--store", "s.duckdb", "--json", cwd=folder, real=True)
    assert proc.returncode == 0, proc.stderr
    report = strict_json(proc.stdout)
    assert report["computed"] == 40 and report["status"] == "finished"
    return folder


@pytest.mark.parametrize(
    ("sets", "needles"),
    [
        (["--set", "model=os:system"], [":2: model: 'os:system' is in the Python standard library"]),
        (["--set", "design.n=1099511627776"], [":8: design: ", "DETENTE_MAX_DESIGN_POINTS"]),
        (["--set", "seed=18446744073709551616"], [":10: seed: expected a whole number from 0 to 2^64-1"]),
        (["--set", "runs=.nan"], [":9: runs: "]),
        (["--set", "outcomes=[nope]"], [":12: outcomes: the model has no summary value 'nope'"]),
        (
            ["--workers", "100000"],
            ["--workers: 100,000 worker processes is over the limit of 256", "DETENTE_MAX_WORKERS"],
        ),
        (["--resume"], ["--resume: no results store at new.duckdb"]),
    ],
)
def test_refused_sweeps_exit_2_and_leave_no_store(
    tmp_path: Path, sets: list[str], needles: list[str]
) -> None:
    (tmp_path / "hard.yaml").write_text(EXPERIMENT)
    proc = detente(
        "sweep",
        "hard.yaml",
        "--store",
        "new.duckdb",
        *sets,
        cwd=tmp_path,
        real=sets == ["--set", "model=os:system"],
    )
    refused(proc, *needles)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["hard.yaml"]


def test_limits_are_raised_by_their_environment_variable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "hard.yaml").write_text(EXPERIMENT)
    monkeypatch.setenv("DETENTE_MAX_DESIGN_POINTS", "39")
    refused(detente("sweep", "hard.yaml", "--store", "s.duckdb", cwd=tmp_path), "over the limit of 39")
    monkeypatch.setenv("DETENTE_MAX_DESIGN_POINTS", "40")
    assert detente("sweep", "hard.yaml", "--store", "s.duckdb", "-q", cwd=tmp_path).returncode == 0


def test_json_output_is_strict_in_every_command(swept: Path) -> None:
    rows = strict_json(detente("results", "hard", "--store", "s.duckdb", "--json", cwd=swept).stdout)
    assert len(rows) == 40 and {r["seed"] for r in rows} == {2**64 - 1}
    sweeps = strict_json(detente("results", "--sweeps", "--store", "s.duckdb", "--json", cwd=swept).stdout)
    assert sweeps[0]["status"] == "finished"
    sens = detente("sensitivity", "hard", "--store", "s.duckdb", "--json", "--no-plot", cwd=swept)
    assert sens.returncode == 0, sens.stderr
    assert {r["parameter"] for r in strict_json(sens.stdout)["indices"]} == {"x1", "x2", "x3"}
    disc = detente(
        "discover",
        "hard",
        "--outcome",
        "y",
        "--threshold",
        "5",
        "--store",
        "s.duckdb",
        "--json",
        "--no-plot",
        cwd=swept,
    )
    assert disc.returncode == 0, disc.stderr
    assert strict_json(disc.stdout)["points"] == 40


@pytest.mark.parametrize("damage", ["truncated", "overwritten"])
def test_a_damaged_store_exits_2_saying_so(swept: Path, tmp_path: Path, damage: str) -> None:
    data = (swept / "s.duckdb").read_bytes()
    bad = tmp_path / "s.duckdb"
    bad.write_bytes(data[: len(data) // 2] if damage == "truncated" else b"\x00junk" * 4096)
    (tmp_path / "hard.yaml").write_text(EXPERIMENT)
    for args in (
        ["results"],
        ["results", "hard"],
        ["sensitivity", "hard", "--no-plot"],
        ["discover", "hard", "--outcome", "y", "--threshold", "5", "--no-plot"],
        ["sweep", "hard.yaml"],
    ):
        proc = detente(
            *args,
            "--store",
            "s.duckdb",
            cwd=tmp_path,
            real=args == ["sweep", "hard.yaml"] and damage == "truncated",
        )
        refused(proc, "s.duckdb: the results store is damaged", "move it aside")
        assert "still be writing" not in proc.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["hard.yaml", "s.duckdb"]


def test_a_sigkilled_sweep_is_not_listed_as_running(tmp_path: Path) -> None:
    (tmp_path / "slow.yaml").write_text(
        EXPERIMENT.replace("{noise: 0.3}", "{noise: 0.3, delay: 0.05}").replace(
            "per_run: true", "per_run: false"
        )
    )
    proc = subprocess.Popen(
        [DETENTE, "sweep", "slow.yaml", "--store", "k.duckdb", "--chunk-points", "1"],
        stderr=subprocess.PIPE,
        text=True,
        cwd=tmp_path,
    )
    try:
        for line in proc.stderr:
            m = re.search(r"(\d+)/40 points stored", line)
            if m and int(m.group(1)) >= 3:
                os.kill(proc.pid, signal.SIGKILL)
                break
    finally:
        proc.wait(timeout=60)
    assert proc.returncode == -signal.SIGKILL
    listing = detente("results", "--sweeps", "--store", "k.duckdb", "--json", cwd=tmp_path)
    assert listing.returncode == 0, listing.stderr
    (row,) = strict_json(listing.stdout)
    assert row["status"] == "killed" and row["pid"] == proc.pid


def test_a_deleted_per_run_file_is_reported_and_resume_restores_it(swept: Path, tmp_path: Path) -> None:
    for name in ("hard.yaml", "s.duckdb"):
        (tmp_path / name).write_bytes((swept / name).read_bytes())
    subprocess.run(["cp", "-r", str(swept / "s-runs"), str(tmp_path)], check=True)
    store = tmp_path / "s.duckdb"
    before = load_per_run("hard", store)
    victim = sorted((tmp_path / "s-runs").rglob("*.parquet"))[3]
    victim.unlink()
    shown = detente("results", "hard", "--store", "s.duckdb", cwd=tmp_path)
    assert shown.returncode == 0
    assert "1 per-run table file(s) are missing" in shown.stderr and victim.name in shown.stderr
    assert "--resume" in shown.stderr
    resumed = detente("sweep", "hard.yaml", "--store", "s.duckdb", "--resume", "--json", cwd=tmp_path)
    assert resumed.returncode == 0, resumed.stderr
    assert strict_json(resumed.stdout)["computed"] == 1
    assert victim.is_file()
    pd.testing.assert_frame_equal(load_per_run("hard", store), before, check_exact=True)
