"""CLI conventions: help without type noise (flags bare, values INTEGER/FLOAT/TEXT/PATH), --version, completion."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import typer
from typer.main import get_command
from typer.testing import CliRunner

from detente import __version__
from detente.cli import app
from detente.cli._help import DetenteCommand, readable, type_label, unwrap

NOISE = re.compile(r"<(bool|int|float|str|path|list\[[^\]]*\]|[a-z]+ range)>")
LABELS = {"INTEGER", "FLOAT", "TEXT", "PATH", "BOOLEAN"}
RUNNER = CliRunner()
GROUP = get_command(app)
COMMANDS = sorted(GROUP.commands)


def _help(*args: str) -> str:
    result = RUNNER.invoke(app, [*args, "--help"], env={"COLUMNS": "200", "NO_COLOR": "1"})
    assert result.exit_code == 0, result.output
    return result.output


@pytest.mark.parametrize("command", ["", *COMMANDS])
def test_help_has_no_python_type_placeholders(command: str) -> None:
    text = _help(*([command] if command else []))
    assert not NOISE.search(text), NOISE.search(text)


@pytest.mark.parametrize("command", COMMANDS)
def test_flags_are_bare_and_values_are_typed(command: str) -> None:
    cmd = GROUP.commands[command]
    assert isinstance(cmd, DetenteCommand)
    ctx = typer.Context(cmd, info_name=command)
    for param in cmd.get_params(ctx):
        if param.param_type_name == "argument":
            assert param.metavar == param.name.upper()
        elif getattr(param, "is_flag", False):
            assert param.metavar == "", f"{command} {param.opts}"
        else:
            assert param.metavar in LABELS or param.metavar.startswith("["), f"{command} {param.opts}"


def test_run_help_shows_readable_types() -> None:
    text = _help("run")
    assert re.search(r"--runs\s+INTEGER", text)
    assert re.search(r"--out\s+PATH", text)
    assert re.search(r"--json\s+Print", text)  # a flag: no placeholder between name and help
    assert "Usage: detente run [OPTIONS] [SCENARIO]" in text


def test_root_help_lists_version_and_completion() -> None:
    text = _help()
    for option in ("--version", "--install-completion", "--show-completion"):
        assert re.search(rf"{option}\s+\S", text), option
    assert "<bool>" not in text


def test_version_option_prints_the_package_version() -> None:
    result = RUNNER.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.output.strip() == f"detente {__version__}"


def test_a_long_docstring_is_one_paragraph_per_line() -> None:
    assert (
        unwrap("First line\n    goes on.\n\n    Second\n    para.") == "First line goes on.\n\nSecond para."
    )
    assert unwrap("\b\nkept\nas is") == "\b\nkept\nas is"
    assert unwrap(None) is None


def test_type_labels_follow_the_annotation() -> None:
    def probe(
        n: int = typer.Option(1),
        x: float = typer.Option(0.5),
        name: str = typer.Option("a"),
        path: Path = typer.Option(Path(".")),
        many: list[str] = typer.Option([]),
        flag: bool = typer.Option(False, "--flag"),
    ) -> None:
        """Probe."""

    sub = typer.Typer(add_completion=False)
    sub.command(cls=DetenteCommand)(probe)
    cmd = get_command(sub)
    params = {p.name: readable(p) for p in cmd.get_params(typer.Context(cmd))}
    assert {k: type_label(params[k]) for k in ("n", "x", "name", "path", "many")} == {
        "n": "INTEGER",
        "x": "FLOAT",
        "name": "TEXT",
        "path": "PATH",
        "many": "TEXT",
    }
    assert params["flag"].metavar == "" and params["help"].metavar == ""
    assert readable(params["n"]) is params["n"]  # idempotent


def test_a_metavar_chosen_by_a_command_is_kept() -> None:
    def probe(n: int = typer.Option(1, metavar="N")) -> None:
        """Probe."""

    sub = typer.Typer(add_completion=False)
    sub.command(cls=DetenteCommand)(probe)
    cmd = get_command(sub)
    params = {p.name: p for p in cmd.get_params(typer.Context(cmd))}
    assert params["n"].metavar == "N"
