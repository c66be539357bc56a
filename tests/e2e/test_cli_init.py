"""`detente init` writes a commented scenario that validates and runs, and never replaces a file."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from detente.cli import app


def _cli(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture(autouse=True)
def _here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)


def test_blank_init_writes_a_commented_scenario_that_validates_and_runs(tmp_path: Path) -> None:
    code, out, _ = _cli("init", "india-pakistan")
    assert code == 0, out
    path = tmp_path / "india-pakistan.yaml"
    text = path.read_text(encoding="utf-8")
    assert yaml.safe_load(text)["name"] == "india-pakistan"
    assert text.count("#") > 30  # the template explains itself
    code, out, _ = _cli("validate", str(path))
    assert code == 0 and "'india-pakistan'" in out
    code, out, _ = _cli("simulate", str(path), "--runs", "10", "--world", "deterrence", "--json")
    assert code == 0, out
    summary = json.loads(out)["summary"]
    assert summary["runs"] == 10
    assert 0.0 <= summary["p_strategic_end"] <= 1.0


def test_init_from_a_bundled_scenario_keeps_its_text_and_comments(tmp_path: Path) -> None:
    from detente.scenario.load import bundled_path

    code, out, _ = _cli("init", "my-reset", "--from", "reset-2009")
    assert code == 0, out
    original = bundled_path("reset-2009").read_text(encoding="utf-8").splitlines()
    copied = (tmp_path / "my-reset.yaml").read_text(encoding="utf-8").splitlines()
    changed = [(a, b) for a, b in zip(original, copied, strict=True) if a != b]
    assert changed == [("name: reset-2009", "name: my-reset")]
    code, out, _ = _cli("validate", "my-reset.yaml")
    assert code == 0, out


def test_init_from_a_file_rebases_relative_history_paths(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "out").mkdir()
    (tmp_path / "data" / "events.csv").write_text("date,actor,target\n", encoding="utf-8")
    source = tmp_path / "data" / "mine.yaml"
    source.write_text(
        "name: mine  # keep me\nstart: 2001-01\nsides: {A: {name: A}, B: {name: B}}\n"
        "issues: {t: {kind: tactical}}\nhistory: {events: events.csv, actors: {X: A}}\n",
        encoding="utf-8",
    )
    code, out, _ = _cli("init", "copy", "--from", str(source), "--out", "out")
    assert code == 0, out
    text = (tmp_path / "out" / "copy.yaml").read_text(encoding="utf-8")
    assert "name: copy  # keep me" in text
    assert yaml.safe_load(text)["history"]["events"] == os.path.join("..", "data", "events.csv")


def test_init_refuses_to_replace_an_existing_file(tmp_path: Path) -> None:
    path = tmp_path / "taken.yaml"
    path.write_text("mine\n", encoding="utf-8")
    code, _, err = _cli("init", "taken")
    assert code == 2
    assert "taken.yaml: already exists" in err and "never replaces" in err
    assert path.read_text(encoding="utf-8") == "mine\n"
    (tmp_path / "link.yaml").symlink_to(tmp_path / "nowhere.yaml")
    code, _, err = _cli("init", "x", "--out", "link.yaml")
    assert code == 2 and "already exists" in err
    assert not (tmp_path / "nowhere.yaml").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["init", "../escape"], "plain folder name"),
        (["init", "ok", "--from", "reset-2009", "--blank"], "exclude each other"),
        (["init", "ok", "--from", "no-such-scenario"], "no bundled scenario of that name"),
        (["init", "ok", "--out", "missing/ok.yaml"], "does not exist"),
        (["init", "ok", "--out", "ok.toml"], "init writes YAML"),
    ],
)
def test_init_refusals_name_the_problem_and_write_nothing(
    tmp_path: Path, args: list[str], message: str
) -> None:
    code, _, err = _cli(*args)
    assert code == 2
    assert message in err
    assert list(tmp_path.iterdir()) == []


def test_init_refuses_an_invalid_source_with_file_and_line(tmp_path: Path) -> None:
    (tmp_path / "bad.yaml").write_text("name: bad\nstart: 2001-01\nhorizon: -3\n", encoding="utf-8")
    code, _, err = _cli("init", "fresh", "--from", "bad.yaml")
    assert code == 2
    assert "fresh.yaml" in err and "horizon" in err
    assert not (tmp_path / "fresh.yaml").exists()


def test_experiments_lists_the_bundled_experiments() -> None:
    from detente.experiments.spec import bundled_experiments

    code, out, _ = _cli("experiments")
    assert code == 0
    names = list(bundled_experiments())
    assert names and all(name in out for name in names)
    code, out, _ = _cli("experiments", "--json")
    listed = json.loads(out)
    assert [item["name"] for item in listed] == names
    assert all(item["description"] and item["scenario"] for item in listed)


def test_init_through_the_console_script(tmp_path: Path) -> None:
    """The real entry point: the file is written, and a second call exits 2 without a traceback."""
    command = [sys.executable, "-m", "detente", "init", "twice"]
    first = subprocess.run(command, capture_output=True, text=True, cwd=tmp_path, check=False)
    second = subprocess.run(command, capture_output=True, text=True, cwd=tmp_path, check=False)
    assert first.returncode == 0, first.stderr
    assert second.returncode == 2 and "Traceback" not in second.stderr


def test_init_accepts_a_file_name_and_refuses_toml_sources(tmp_path: Path) -> None:
    code, out, _ = _cli("init", "named.yaml")
    assert code == 0, out
    assert yaml.safe_load((tmp_path / "named.yaml").read_text(encoding="utf-8"))["name"] == "named"
    (tmp_path / "mine.toml").write_text('name = "mine"\n', encoding="utf-8")
    code, _, err = _cli("init", "other", "--from", "mine.toml")
    assert code == 2 and "convert this .toml file to YAML" in err
    assert not (tmp_path / "other.yaml").exists()
