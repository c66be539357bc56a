"""The CLI never replaces or deletes what it did not write: report folders, --out, output files (subprocess)."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

import detente

RUNS = ("--runs", "4", "--no-plots", "--world", "spiral", "--condition", "inclusion")


def cli(*args: str, cwd: Path | None = None, data: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, **({"DETENTE_HOME": str(data)} if data else {})}
    return subprocess.run(
        [sys.executable, "-m", "detente", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=300,
        env=env,
    )


def tree_hashes(root: Path) -> dict[str, str]:
    """Every file and folder under ``root`` (hidden ones too) with a hash of its bytes or link target."""
    found = {}
    for path in sorted(root.rglob("*")):
        key = str(path.relative_to(root))
        if path.is_symlink():
            found[key] = "link:" + os.readlink(path)
        elif path.is_dir():
            found[key] = "dir"
        else:
            found[key] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


def refused(proc: subprocess.CompletedProcess[str], *fragments: str) -> None:
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr
    for fragment in fragments:
        assert fragment in proc.stderr, proc.stderr


@pytest.fixture
def home(tmp_path: Path) -> Path:
    """A working folder holding a user's files: a thesis folder with nested and hidden files, a data file."""
    work = tmp_path / "work"
    thesis = work / "thesis"
    (thesis / "chapters").mkdir(parents=True)
    (thesis / "chapters" / "one.tex").write_text("\\chapter{One}")
    (thesis / ".hidden").write_bytes(b"\x00\x01")
    (thesis / "report.html").write_text("my own report")
    (work / "data.csv").write_text("a,b\n1,2\n")
    return work


@pytest.fixture
def read_only_dir(tmp_path: Path) -> Iterator[Path]:
    """A folder in which nothing can be created (as root, chmod does not stop writes: use /sys/kernel)."""
    if os.geteuid() == 0:
        if not Path("/sys/kernel").is_dir():
            pytest.skip("running as root without /sys/kernel")
        yield Path("/sys/kernel")
        return
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o555)
    yield folder
    folder.chmod(0o755)


def scenario_named(folder: Path, name: str) -> Path:
    data = yaml.safe_load(detente.load_scenario("reset-2009").to_yaml())
    data["name"] = name
    path = folder / "named.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


@pytest.mark.parametrize("name", ["../thesis", "../../x", "/tmp/x", ".."])
def test_scenario_name_never_places_a_report_outside_the_root(tmp_path: Path, home: Path, name: str) -> None:
    run_dir = home / "project"
    (run_dir / "data").mkdir(parents=True)
    (home / "reports").mkdir()  # reports would go in project/data/reports; thesis is ../../thesis
    (run_dir / "data" / "reports").symlink_to(home / "reports")
    path = scenario_named(run_dir, name)
    before = tree_hashes(tmp_path)
    proc = cli("run", str(path), *RUNS, cwd=run_dir, data=run_dir / "data")
    refused(proc, "name")
    assert tree_hashes(tmp_path) == before  # schema or writer refused: nothing created, changed or removed


def test_out_at_a_foreign_folder_leaves_it_byte_identical(tmp_path: Path, home: Path) -> None:
    before = tree_hashes(tmp_path)
    refused(cli("run", *RUNS, "--out", "thesis", cwd=home), "--out: thesis", "did not create")
    refused(cli("history", "--bootstrap", "2", "--out", "thesis", cwd=home), "--out: thesis")
    assert tree_hashes(tmp_path) == before


@pytest.mark.parametrize(
    ("out", "why"),
    [
        (".", "is the current folder"),
        ("..", "contains the current folder"),
        ("data.csv", "is a file"),
        ("missing/report", "does not exist"),
        ("/", "root of the file system"),
    ],
)
def test_unusable_out_exits_2_naming_it(tmp_path: Path, home: Path, out: str, why: str) -> None:
    before = tree_hashes(tmp_path)
    refused(cli("run", *RUNS, "--out", out, cwd=home), f"--out: {out}", why)
    assert tree_hashes(tmp_path) == before
    assert (home / "data.csv").read_text() == "a,b\n1,2\n"  # --out FILE no longer renames the file


def test_read_only_parent_exits_2(read_only_dir: Path, tmp_path: Path) -> None:
    target = read_only_dir / "detente-out"
    refused(cli("run", *RUNS, "--out", str(target)), str(target), "cannot write")
    refused(
        cli("simulate", "--runs", "2", "--months", str(target / ".." / "m.csv")), "--months", "cannot write"
    )
    assert not target.exists()


def test_second_run_replaces_its_own_report(tmp_path: Path, home: Path) -> None:
    data = tmp_path / "data"
    before = tree_hashes(home)
    first = cli("run", *RUNS, "--seed", "1", cwd=home, data=data)
    assert first.returncode == 0, first.stderr
    assert tree_hashes(home) == before  # nothing in the current folder
    folder = data / "reports" / "reset-2009"
    assert str(folder / "report.html") in first.stdout
    marker = json.loads((folder / ".detente-report").read_text())
    assert marker["tool"] == "detente" and marker["scenario"] == "reset-2009"
    (folder / "stale.txt").write_text("from an earlier run")
    second = cli("run", *RUNS, "--seed", "2", cwd=home, data=data)
    assert second.returncode == 0, second.stderr
    assert not (folder / "stale.txt").exists()
    assert json.loads((folder / "cells.json").read_text())["seed"] == 2
    assert sorted(p.name for p in (data / "reports").iterdir()) == ["reset-2009"]
    again = cli("run", *RUNS, "--out", str(folder), "--seed", "3", cwd=home)  # --out at our own report
    assert again.returncode == 0, again.stderr
    assert json.loads((folder / "cells.json").read_text())["seed"] == 3


def test_out_symlink_is_refused(tmp_path: Path, home: Path) -> None:
    (home / "link").symlink_to(home / "thesis")
    before = tree_hashes(tmp_path)
    refused(cli("run", *RUNS, "--out", "link", cwd=home), "--out: link", "symbolic link")
    assert tree_hashes(tmp_path) == before


@pytest.mark.parametrize(
    ("flag", "value", "why"),
    [
        ("--months", "thesis", "is a folder"),
        ("--runs-out", "missing/r.csv", "does not exist"),
        ("--plot", "data.csv/p.png", "is not a folder"),
        ("--runs-out", "/dev/null", "not a regular file"),
        ("--plot", "p.txt", "expected a file ending in .png"),
    ],
)
def test_unwritable_output_files_exit_2(tmp_path: Path, home: Path, flag: str, value: str, why: str) -> None:
    before = tree_hashes(tmp_path)
    refused(cli("simulate", "--runs", "2", flag, value, cwd=home), f"{flag}: {value}", why)
    assert tree_hashes(tmp_path) == before


def test_named_output_files_are_written_whole(home: Path) -> None:
    proc = cli(
        "simulate",
        "--runs",
        "3",
        "--months",
        "data.csv",  # an existing file the user names is replaced: that is what naming it asks for
        "--runs-out",
        "runs.parquet",
        "--plot",
        "p.svg",
        cwd=home,
    )
    assert proc.returncode == 0, proc.stderr
    assert (home / "data.csv").read_text().startswith("month,")
    assert (home / "runs.parquet").read_bytes()[:4] == b"PAR1"
    assert (home / "p.svg").read_text().lstrip().startswith("<?xml")
    assert sorted(p.name for p in home.iterdir()) == ["data.csv", "p.svg", "runs.parquet", "thesis"]
