"""CLI conventions end to end: --version, shell completion, help without type noise, and no file written into
the current folder unless a path names it (defaults go to detente's data folder, DETENTE_HOME)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from ishigami_spec import ishigami
from typer.testing import CliRunner

from detente import __version__
from detente.cli import app

DETENTE = str(Path(sys.executable).with_name("detente"))
runner = CliRunner()

ISHIGAMI = ishigami("sobol", 8)


def cli(*args: str, cwd: Path, home: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [DETENTE, *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={**os.environ, "DETENTE_HOME": str(home), "COLUMNS": "160", **env},
        timeout=300,
    )


@pytest.fixture
def place(tmp_path: Path) -> SimpleNamespace:
    """An empty current folder, a data home and a folder for inputs, side by side."""
    ns = SimpleNamespace(cwd=tmp_path / "cwd", home=tmp_path / "home", inputs=tmp_path / "inputs")
    ns.cwd.mkdir()
    ns.inputs.mkdir()
    return ns


def test_version(place: SimpleNamespace) -> None:
    proc = cli("--version", cwd=place.cwd, home=place.home)
    assert proc.returncode == 0 and proc.stdout.strip() == f"detente {__version__}"


def test_help_lists_completion_without_type_noise(place: SimpleNamespace) -> None:
    proc = cli("--help", cwd=place.cwd, home=place.home)
    assert proc.returncode == 0
    assert "--install-completion" in proc.stdout and "--show-completion" in proc.stdout
    for noise in ("<bool>", "<int>", "<str>", "<path>"):
        assert noise not in proc.stdout


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
def test_show_completion_prints_a_bash_script(place: SimpleNamespace) -> None:
    """Run from a bash shell (the shell is detected from the parent process), as a user would."""
    script = f'"{DETENTE}" --show-completion bash; echo "exit=$?"'
    proc = subprocess.run(
        ["bash", "-c", script],
        capture_output=True,
        text=True,
        cwd=place.cwd,
        env={**os.environ, "SHELL": "/bin/bash"},
        timeout=60,
    )
    assert "exit=0" in proc.stdout, proc.stderr
    assert "_detente_completion()" in proc.stdout
    assert "complete " in proc.stdout and "_DETENTE_COMPLETE=complete_bash" in proc.stdout
    assert list(place.cwd.iterdir()) == []


def test_completion_completes_command_names(place: SimpleNamespace) -> None:
    proc = subprocess.run(
        [DETENTE],
        capture_output=True,
        text=True,
        cwd=place.cwd,
        env={
            **os.environ,
            "_DETENTE_COMPLETE": "complete_bash",
            "COMP_WORDS": "detente sw",
            "COMP_CWORD": "1",
        },
        timeout=60,
    )
    assert proc.returncode == 0 and "sweep" in proc.stdout.split()


def test_commands_that_only_print_write_nothing(place: SimpleNamespace) -> None:
    for args in (
        ("scenarios",),
        ("schema",),
        ("tournament", "--turns", "3", "--repetitions", "1"),
        ("results",),  # no store yet: a clean refusal, nothing created
    ):
        cli(*args, cwd=place.cwd, home=place.home)
    assert list(place.cwd.iterdir()) == []
    assert not place.home.exists()


def test_history_writes_its_folder_in_the_data_home(
    place: SimpleNamespace, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without --out the history folder is history/<scenario> in the data home (the fit itself is stubbed)."""
    import detente.history.workflow as workflow

    monkeypatch.setenv("DETENTE_HOME", str(place.home))
    monkeypatch.chdir(place.cwd)
    seen: dict[str, Any] = {}
    fitted = SimpleNamespace(scenario=SimpleNamespace(name="reset-2009"), to_dict=lambda: {})

    def write(out: Path, fit: Any, comparison: Any = None) -> dict[str, str]:
        seen["out"] = Path(out)
        return {}

    monkeypatch.setattr(workflow, "fit_history", lambda *a, **k: fitted)
    monkeypatch.setattr(workflow, "write_history", write)
    result = runner.invoke(app, ["history", "--json", "--bootstrap", "2"])
    assert result.exit_code == 0, result.output
    assert seen["out"] == (place.home / "history" / "reset-2009").resolve()
    assert seen["out"].parent.is_dir() and list(place.cwd.iterdir()) == []


def test_serve_reads_stores_from_the_data_home(
    place: SimpleNamespace, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without --results-dir the page lists the stores `detente sweep` keeps (the server itself is stubbed)."""
    import uvicorn

    import detente.web.app as web

    monkeypatch.setenv("DETENTE_HOME", str(place.home))
    monkeypatch.chdir(place.cwd)
    seen: dict[str, Any] = {}

    def create_app(**kw: Any) -> Any:
        seen.update(kw)
        return SimpleNamespace(state=SimpleNamespace(jobs=None))

    class Server:
        def __init__(self, config: Any) -> None:
            pass

        def run(self, sockets: Any) -> None:
            for sock in sockets:
                sock.close()

    monkeypatch.setattr(web, "create_app", create_app)
    monkeypatch.setattr(uvicorn, "Config", lambda *a, **k: None)
    monkeypatch.setattr(uvicorn, "Server", Server)
    result = runner.invoke(app, ["serve", "--port", "0"])
    assert result.exit_code == 0, result.output
    assert seen["results_dir"] == place.home
    assert not place.home.exists() and list(place.cwd.iterdir()) == []


def test_experiment_commands_keep_the_store_in_the_data_home(place: SimpleNamespace) -> None:
    exp = place.inputs / "ish.yaml"
    exp.write_text(ISHIGAMI)
    steps = (
        ("sweep", str(exp), "-q"),
        ("results", "ish"),
        ("sensitivity", "ish"),
        ("discover", "ish", "--outcome", "y", "--threshold", "5"),
    )
    for args in steps:
        proc = cli(*args, cwd=place.cwd, home=place.home)
        assert proc.returncode == 0, proc.stderr
    assert list(place.cwd.iterdir()) == []
    assert (place.home / "detente-results.duckdb").is_file()


def test_main_job_report_goes_to_the_data_home(place: SimpleNamespace) -> None:
    proc = cli(
        "run", "--runs", "2", "--no-plots", "--world", "spiral", "--condition", "inclusion",
        cwd=place.cwd, home=place.home,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    report = place.home / "reports" / "reset-2009" / "report.html"
    assert report.is_file() and str(report) in proc.stdout
    assert list(place.cwd.iterdir()) == []
