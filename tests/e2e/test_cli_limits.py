"""CLI numbers: seeds in 0..2^64-1, sizes over their limits refused before any work, strict JSON output."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

MAX_SEED = 2**64 - 1


def cli(
    *args: str, cwd: Path | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "detente", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=300,
        env={**os.environ, **(env or {})},
    )


def refused(proc: subprocess.CompletedProcess[str], *fragments: str) -> None:
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr
    for fragment in fragments:
        assert fragment in proc.stderr, proc.stderr


def strict_json(text: str) -> object:
    """Parse JSON, failing on NaN/Infinity (which Python's json would otherwise accept)."""
    return json.loads(text, parse_constant=lambda c: pytest.fail(f"non-strict JSON constant {c}"))


COMMANDS = {
    "run": ("run", "--runs", "2", "--no-plots", "--world", "spiral", "--condition", "inclusion"),
    "simulate": ("simulate", "--runs", "2"),
    "history": ("history", "--compare", "--runs", "2", "--bootstrap", "2"),
    "tournament": ("tournament", "--turns", "3", "--repetitions", "1"),
}


@pytest.mark.parametrize("command", list(COMMANDS))
@pytest.mark.parametrize("seed", [-1, MAX_SEED + 1, 2**70])
def test_seed_outside_64_bits_is_refused(tmp_path: Path, command: str, seed: int) -> None:
    proc = cli(*COMMANDS[command], "--seed", str(seed), cwd=tmp_path)
    refused(proc, "seed", str(seed), "2^64-1")
    assert list(tmp_path.iterdir()) == []  # refused before anything was written


def test_largest_seed_is_accepted_and_recorded(tmp_path: Path) -> None:
    sim = cli("simulate", "--runs", "2", "--seed", str(MAX_SEED), "--json")
    assert sim.returncode == 0, sim.stderr
    assert strict_json(sim.stdout)["provenance"]["seed"] == MAX_SEED
    run = cli(*COMMANDS["run"], "--seed", str(MAX_SEED), "--json", "--out", str(tmp_path / "r"))
    assert run.returncode == 0, run.stderr
    assert strict_json(run.stdout)["seed"] == MAX_SEED
    tour = cli(*COMMANDS["tournament"], "--seed", str(MAX_SEED), "--json")
    assert tour.returncode == 0, tour.stderr
    assert strict_json(tour.stdout)["seed"] == MAX_SEED


@pytest.mark.parametrize(
    ("args", "fragments"),
    [
        (("run", "--runs", str(10**15)), ("--runs", "DETENTE_MAX_RUNS", "10,000,000")),
        (("simulate", "--runs", str(10**15)), ("--runs", "DETENTE_MAX_RUNS")),
        (("history", "--compare", "--runs", str(10**15)), ("--runs", "DETENTE_MAX_RUNS")),
        (("history", "--bootstrap", str(10**9)), ("bootstrap", "DETENTE_MAX_")),
        (("tournament", "--turns", str(10**12)), ("turns", "DETENTE_MAX_TURNS")),
        (("tournament", "--repetitions", str(10**12)), ("repetitions", "DETENTE_MAX_RUNS")),
        (("run", "--runs", "0"), ("--runs", "positive")),
    ],
    ids=["run", "simulate", "history-runs", "bootstrap", "turns", "repetitions", "zero"],
)
def test_sizes_over_the_limit_are_refused_before_work(
    tmp_path: Path, args: tuple[str, ...], fragments
) -> None:
    proc = cli(*args, cwd=tmp_path)  # a huge allocation or simulation would time out or crash instead
    refused(proc, *fragments)
    assert list(tmp_path.iterdir()) == []


def test_limit_is_raised_and_lowered_by_its_variable(tmp_path: Path) -> None:
    low = cli("simulate", "--runs", "50", cwd=tmp_path, env={"DETENTE_MAX_RUNS": "20"})
    refused(low, "over the limit of 20", "DETENTE_MAX_RUNS")
    turns = cli("tournament", "--turns", "30", "--repetitions", "1", env={"DETENTE_MAX_TURNS": "10"})
    refused(turns, "over the limit of 10")
    cost = cli("simulate", "--runs", "100", cwd=tmp_path, env={"DETENTE_MAX_COST": "1000"})
    refused(cost, "--runs", "100 runs x 240 months", "DETENTE_MAX_COST")
    ok = cli("tournament", "--turns", "30", "--repetitions", "1", "--json", env={"DETENTE_MAX_TURNS": "30"})
    assert ok.returncode == 0, ok.stderr


def test_json_is_strict_where_a_value_is_undefined() -> None:
    proc = cli("simulate", "--runs", "1", "--json")  # one run: no standard error can be estimated
    assert proc.returncode == 0, proc.stderr
    assert "NaN" not in proc.stdout and "Infinity" not in proc.stdout
    summary = strict_json(proc.stdout)["summary"]
    assert summary["runs"] == 1
    assert summary["se_mean_ci"] is None or isinstance(summary["se_mean_ci"], float)
    assert all(v is None or isinstance(v, int | float) for v in summary.values())


def test_run_json_and_cells_json_are_strict(tmp_path: Path) -> None:
    proc = cli(*COMMANDS["run"], "--runs", "1", "--json", "--out", str(tmp_path / "r"))
    assert proc.returncode == 0, proc.stderr
    printed = strict_json(proc.stdout)
    saved = strict_json((tmp_path / "r" / "cells.json").read_text())
    assert printed["cells"] == saved["cells"]
    assert printed["report"].endswith("report.html")


def test_backend_help_names_the_backends() -> None:
    proc = cli("simulate", "--help")
    assert proc.returncode == 0
    assert "compiled" in proc.stdout and "python" in proc.stdout
