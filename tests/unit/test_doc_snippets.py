"""Every scenario, experiment and Python snippet in README.md and docs/*.md works as printed.

A fenced ```yaml block must be a whole scenario (it has ``sides``) or a whole experiment (it has
``parameters`` or ``design``), unless an HTML comment on the line before marks it:
``<!-- fragment: scenario -->`` (merged into the bundled reset-2009 and validated),
``<!-- fragment: experiment -->`` (merged into a small base experiment) or ``<!-- fragment -->`` (not
checked). A ```python block runs with run counts cut down; ``<!-- not-run -->`` before it skips it.
"""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

ROOT = Path(__file__).resolve().parents[2]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
FENCE = re.compile(
    r"^(?P<indent>[ \t]*)```(?P<lang>[\w+-]*)[ \t]*\n(?P<body>.*?)^(?P=indent)```", re.M | re.S
)
MARK = re.compile(r"<!--\s*(fragment|not-run)(?::\s*([\w-]+))?\s*-->")
SMALL = re.compile(r"\b(runs|n_boot)\s*=\s*[\d_]+")
BASE_EXPERIMENT = {
    "scenario": "reset-2009",
    "parameters": [{"name": "eta_R", "path": "sides.R.elite.eta", "range": [0.02, 0.15]}],
    "design": {"kind": "lhs", "n": 2},
    "runs": 2,
    "outcomes": ["p_durable"],
}


@dataclass(frozen=True)
class Snippet:
    """One fenced block: where it is, its language, its text and the marker before it (if any)."""

    path: Path
    line: int
    lang: str
    text: str
    mark: tuple[str, str | None] | None

    @property
    def id(self) -> str:
        return f"{self.path.relative_to(ROOT)}:{self.line}"


def snippets(lang: str) -> list[Snippet]:
    """Fenced blocks of ``lang`` in the docs, each with the marker comment on the line before it."""
    out = []
    for path in DOCS:
        text = path.read_text(encoding="utf-8")
        for m in FENCE.finditer(text):
            if m.group("lang") != lang:
                continue
            before = text[: m.start()].rstrip("\n").rsplit("\n", 1)[-1]
            mark = MARK.search(before)
            body = textwrap.dedent(m.group("body"))
            line = text.count("\n", 0, m.start()) + 1
            out.append(Snippet(path, line, lang, body, (mark.group(1), mark.group(2)) if mark else None))
    return out


def _merge(base: Any, extra: Any) -> Any:
    if isinstance(base, dict) and isinstance(extra, dict):
        return {**base, **{k: _merge(base.get(k), v) for k, v in extra.items()}}
    return extra


def _kind(snippet: Snippet, data: Any) -> str:
    if snippet.mark:
        kind, what = snippet.mark
        return "skip" if kind == "fragment" and what is None else f"{kind}:{what}"
    if isinstance(data, dict) and "sides" in data:
        return "scenario"
    if isinstance(data, dict) and ("parameters" in data or "design" in data):
        return "experiment"
    return "unknown"


def _small_design(design: dict[str, Any]) -> dict[str, Any]:
    kind = design.get("kind")
    small = {
        "lhs": {"n": 2},
        "sobol": {"n": 2},
        "full_factorial": {"levels": 2},
        "morris": {"trajectories": 2},
    }
    return {**design, **small.get(kind, {})}


def _cli(args: list[str]) -> tuple[int, str]:
    """Exit code and output of ``detente ARGS`` run in-process (a ``DetenteError`` is exit 2, as in ``main``)."""
    from detente.cli import app
    from detente.errors import DetenteError

    result = CliRunner().invoke(app, args)
    if isinstance(result.exception, DetenteError):
        return 2, result.output + "\n".join(result.exception.problems)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        return 1, f"{result.output}{type(result.exception).__name__}: {result.exception}"
    return result.exit_code, result.output


YAML = snippets("yaml")
PYTHON = snippets("python")


def test_the_docs_have_snippets() -> None:
    assert any(s.path.name == "scenario-format.md" for s in YAML)
    assert any(s.path.name == "README.md" for s in PYTHON)


@pytest.mark.parametrize("snippet", YAML, ids=[s.id for s in YAML])
def test_yaml_snippet_is_valid(snippet: Snippet, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = yaml.safe_load(snippet.text)
    kind = _kind(snippet, data)
    assert kind != "unknown", (
        f"{snippet.id}: a yaml block that is neither a whole scenario nor a whole experiment; "
        "mark it <!-- fragment: scenario -->, <!-- fragment: experiment --> or <!-- fragment -->"
    )
    if kind == "skip":
        return
    monkeypatch.chdir(tmp_path)
    if kind in ("scenario", "fragment:scenario"):
        if kind == "fragment:scenario":
            import detente

            base = detente.load_scenario("reset-2009").model_dump(mode="json", exclude_none=True)
            data = _merge(base, data)
        path = tmp_path / "scenario.yaml"
        path.write_text(yaml.safe_dump(data, sort_keys=False) if snippet.mark else snippet.text)
        code, output = _cli(["validate", str(path)])
        assert code == 0, f"{snippet.id}: refused:\n{output}"
        code, output = _cli(["simulate", str(path), "--runs", "20"])
        assert code == 0, f"{snippet.id}: simulate failed:\n{output}"
    elif kind in ("experiment", "fragment:experiment"):
        if kind == "fragment:experiment":
            data = _merge(BASE_EXPERIMENT, data)
        data = {**data, "runs": 2, "design": _small_design(data.get("design", {}))}
        path = tmp_path / "experiment.yaml"
        path.write_text(yaml.safe_dump(data, sort_keys=False))
        code, output = _cli(["sweep", str(path), "--store", str(tmp_path / "store.duckdb"), "-q"])
        assert code == 0, f"{snippet.id}: refused:\n{output}"
    else:
        pytest.fail(f"{snippet.id}: unknown marker {snippet.mark}")


@pytest.fixture(scope="module")
def stores(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder with a small default store holding the experiments the Python snippets read."""
    folder = tmp_path_factory.mktemp("stores")
    small = ["--set", "runs=2", "--set", "design.n=2", "--set", "cross.worlds=[spiral]", "-q"]
    store = str(folder / "detente-results.duckdb")
    code, output = _cli(["sweep", "reset-2009-uncertainty", "--store", store, *small])
    assert code == 0, output
    mine = {**BASE_EXPERIMENT, "name": "my-experiment", "per_run": True}
    (folder / "my-experiment.yaml").write_text(yaml.safe_dump(mine))
    code, output = _cli(["sweep", str(folder / "my-experiment.yaml"), "--store", store, "-q"])
    assert code == 0, output
    return folder


@pytest.mark.parametrize("snippet", PYTHON, ids=[s.id for s in PYTHON])
def test_python_snippet_runs(snippet: Snippet, stores: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    if snippet.mark and snippet.mark[0] == "not-run":
        return
    import matplotlib

    matplotlib.use("Agg")
    monkeypatch.chdir(stores)
    monkeypatch.setenv("DETENTE_HOME", str(stores))  # the default store is detente-results.duckdb there
    code = SMALL.sub(lambda m: f"{m.group(1)}=20", snippet.text)
    exec(compile(code, snippet.id, "exec"), {"__name__": "__doc_snippet__"})
    import matplotlib.pyplot as plt

    plt.close("all")


INLINE = re.compile(r"`(?:\.venv/bin/)?detente ([a-z][^`\n]*)`")
SHELL = re.compile(r"^(?:\$ )?(?:[\w.]*/)*(?:[A-Z_]+=\S+ )*detente ([a-z][^\n#|]*)", re.M)


def _documented_commands() -> list[tuple[str, str, list[str]]]:
    """(where, command, flags) for every ``detente CMD --flag ...`` in inline code or a shell block."""
    out = []
    for path in DOCS:
        text = path.read_text(encoding="utf-8")
        found = [(m.start(), m.group(1)) for m in INLINE.finditer(text)]
        for block in FENCE.finditer(text):
            if block.group("lang") in ("bash", "console", "sh", "shell", ""):
                body = textwrap.dedent(block.group("body"))
                found += [(block.start("body"), m.group(1)) for m in SHELL.finditer(body)]
        for start, command in found:
            words = command.replace("[", " ").replace("]", " ").split()
            flags = [w.split("=", 1)[0] for w in words[1:] if w.startswith("--")]
            where = f"{path.relative_to(ROOT)}:{text.count(chr(10), 0, start) + 1}"
            out.append((where, words[0], flags))
    return out


def test_documented_commands_and_flags_exist() -> None:
    from typer.main import get_command

    from detente.cli import app

    group: Any = get_command(app)
    documented = _documented_commands()
    assert len(documented) > 20
    wrong = []
    for where, name, flags in documented:
        command = group.commands.get(name)
        if command is None:
            wrong.append(f"{where}: no command `detente {name}`")
            continue
        known = {o for p in command.params for o in [*p.opts, *getattr(p, "secondary_opts", [])]}
        wrong += [f"{where}: `detente {name}` has no option {flag}" for flag in flags if flag not in known]
    assert not wrong, "\n".join(wrong)
