"""docs/tutorial.md works as printed: its pieces are the shipped example, and its commands run."""

from __future__ import annotations

import re
import shlex
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

ROOT = Path(__file__).resolve().parents[2]
TUTORIAL = (ROOT / "docs" / "tutorial.md").read_text(encoding="utf-8")
EXAMPLE = ROOT / "docs" / "examples" / "us-china.yaml"
BLOCK = re.compile(r"^```(\w*)\n(.*?)^```", re.M | re.S)


def _blocks(lang: str) -> list[str]:
    return [m.group(2) for m in BLOCK.finditer(TUTORIAL) if m.group(1) == lang]


def test_every_yaml_piece_of_the_tutorial_is_in_the_example_file() -> None:
    example = EXAMPLE.read_text(encoding="utf-8")
    pieces = _blocks("yaml")
    assert len(pieces) >= 8
    missing = [piece for piece in pieces if piece not in example]
    assert not missing, f"tutorial blocks not in {EXAMPLE.name}: {missing}"


def test_the_tutorial_commands_run_as_printed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from detente.cli import app

    shutil.copytree(ROOT / "docs" / "examples", tmp_path / "docs" / "examples")
    monkeypatch.chdir(tmp_path)
    commands = [
        line for block in _blocks("bash") for line in block.splitlines() if line.startswith("detente ")
    ]
    assert any(c.startswith("detente init") for c in commands)
    assert any(c.startswith("detente run") for c in commands)
    for command in commands:
        args = shlex.split(re.sub(r"--runs \d+", "--runs 20", command))[1:]
        result = CliRunner().invoke(app, args)
        assert result.exit_code == 0, f"{command}:\n{result.output}"
    assert (tmp_path / "us-china.yaml").is_file()
    assert (tmp_path / "us-china-report").is_dir()
