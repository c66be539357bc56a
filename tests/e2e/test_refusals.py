"""Hostile and careless input across the CLI: exit 0 or 2 only, never a traceback, no stray writes.

Hypothesis writes random bytes, random YAML trees, and the bundled scenario or a small experiment with
one value replaced (NaN, inf, huge, bool, None, a string, a random tree) at a random path. It then runs
``detente validate FILE`` and ``detente run FILE --runs 10 --out <tmp>/report`` (or ``detente sweep``)
in-process, as ``detente.cli.main`` would (a ``DetenteError`` is exit 2). Each example checks:
- the exit code;
- that nothing printed a traceback;
- that a refusal names the file;
- that nothing outside the report folder or store was created, changed or removed.

Hand-written hostile documents (alias bombs, deep nesting, duplicate keys, BOMs, NUL bytes) must be
refused outright. A few fixed cases run in a real subprocess, including the data-safety rules of
docs/limits.md.
"""

from __future__ import annotations

import contextlib
import hashlib
import math
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

import detente

BUNDLED = Path(detente.__file__).parent / "scenario" / "builtin" / "reset-2009.yaml"
SETTINGS = settings(
    max_examples=20,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
    database=None,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],  # no shrinking: each example runs the CLI
)
HOSTILE = [
    math.nan,
    math.inf,
    -math.inf,
    1e308,
    10**400,
    2**64,
    -1,
    True,
    False,
    None,
    "x",
    "../escape",
    "/abs/path",
    [],
    {},
]


@dataclass
class Outcome:
    """What a command did: its exit code, everything it printed, and a traceback if it crashed."""

    code: int
    output: str
    crash: str | None


def invoke(args: list[str]) -> Outcome:
    """Run the CLI in-process the way ``detente.cli.main`` does (``DetenteError`` → exit 2)."""
    from detente.cli import app
    from detente.errors import DetenteError

    result = CliRunner().invoke(app, args)
    output = result.output
    exc = result.exception
    if isinstance(exc, DetenteError):
        return Outcome(2, output + "".join(f"error: {p}\n" for p in exc.problems), None)
    if exc is not None and not isinstance(exc, SystemExit):
        import traceback

        last = "".join(traceback.format_exception_only(type(exc), exc)).strip()
        return Outcome(result.exit_code, output, last)
    return Outcome(result.exit_code, output, None)


def snapshot(root: Path, skip: Path) -> dict[str, tuple[int, str]]:
    """Every file and folder under ``root`` except ``skip``: relative path → (size, SHA-256)."""
    out: dict[str, tuple[int, str]] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        here = Path(dirpath)
        dirnames[:] = [d for d in dirnames if here / d != skip]
        out[str(here.relative_to(root))] = (-1, "dir")
        for name in filenames:
            path = here / name
            if path == skip:
                continue
            data = path.read_bytes()
            out[str(path.relative_to(root))] = (len(data), hashlib.sha256(data).hexdigest())
    return out


@contextlib.contextmanager
def sandbox() -> Iterator[Path]:
    """A fresh folder with a sentinel folder of user files in it, used as the working directory."""
    previous = Path.cwd()
    with tempfile.TemporaryDirectory(prefix="detente-refusals-") as tmp:
        root = Path(tmp)
        sentinel = root / "sentinel"
        sentinel.mkdir()
        (sentinel / "notes.txt").write_text("user data\n")
        (sentinel / "escape").mkdir()
        (sentinel / "escape" / "keep.csv").write_text("a,b\n1,2\n")
        work = root / "work"
        work.mkdir()
        os.chdir(work)
        try:
            yield root
        finally:
            os.chdir(previous)


def scenario_commands(path: Path, out: Path) -> list[list[str]]:
    """``validate FILE`` and a small ``run FILE`` into ``out``."""
    return [["validate", str(path)], ["run", str(path), "--runs", "10", "--out", str(out), "--no-plots"]]


def check_file(root: Path, name: str, content: bytes, commands: Any = scenario_commands) -> list[str]:
    """Write ``content`` as ``work/name``, run ``commands(path, out)`` on it; return every broken rule.

    ``out`` is the one path a command may create or change (a report folder, or a results store
    together with the folders beside it whose names start with its own).
    """
    path = root / "work" / name
    path.write_bytes(content)
    out = root / "work" / "report"
    problems = []
    for args in commands(path, out):
        before = snapshot(root, out)
        got = invoke(args)
        shown = f"detente {' '.join(args)}"
        if got.crash:
            problems.append(f"{shown}: crashed: {got.crash}")
        elif got.code not in (0, 2):
            problems.append(f"{shown}: exit {got.code}: {got.output[-300:]}")
        elif "Traceback" in got.output:
            problems.append(f"{shown}: traceback printed: {got.output[-300:]}")
        elif got.code == 2 and name not in got.output:
            problems.append(f"{shown}: refusal does not name the file: {got.output[-300:]}")
        after = snapshot(root, out)
        if after != before:
            changed = sorted({k for k in set(before) | set(after) if before.get(k) != after.get(k)})
            problems.append(f"{shown}: touched files outside {out.name}: {changed[:5]}")
    return problems


def assert_clean(name: str, content: bytes, case: str = "", commands: Any = scenario_commands) -> None:
    with sandbox() as root:
        problems = check_file(root, name, content, commands)
    assert not problems, "\n".join(problems) + f"\ninput ({name}): {case or repr(content[:400])}"


def _leaf_paths(data: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix] if prefix else []
    if isinstance(data, dict):
        for key, value in data.items():
            out += _leaf_paths(value, (*prefix, key))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            out += _leaf_paths(value, (*prefix, i))
    return out


BASE = yaml.safe_load(BUNDLED.read_text(encoding="utf-8"))
PATHS = _leaf_paths(BASE)


def _replace(data: Any, path: tuple[Any, ...], value: Any) -> Any:
    import copy

    data = copy.deepcopy(data)
    node = data
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return data


def _dump(data: Any) -> bytes:
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True).encode()


SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
    st.sampled_from(["2010-02-30", "2009-07", "B", "M", "from_trust", "tactical", "strategic", "W", "R"]),
)
KEYS = st.one_of(
    st.text(max_size=8),
    st.sampled_from(
        ["name", "start", "horizon", "sides", "issues", "events", "conditions", "worlds", "dist"]
    ),
)
TREES = st.recursive(
    SCALARS,
    lambda kids: st.one_of(st.lists(kids, max_size=4), st.dictionaries(KEYS, kids, max_size=5)),
    max_leaves=25,
)


@SETTINGS
@given(
    st.one_of(
        st.binary(max_size=300),
        st.text(max_size=80).map(lambda t: t.encode("utf-16")),
        st.text(alphabet=":-[]{}&*!|>'\"#%@` \n\tab01.,?<=~\\", max_size=120).map(str.encode),
    )
)
def test_random_bytes_are_refused_cleanly(content: bytes) -> None:
    assert_clean("random.yaml", content)


@SETTINGS
@given(TREES)
def test_random_yaml_trees_are_refused_cleanly(tree: Any) -> None:
    assert_clean("tree.yaml", _dump(tree))


@settings(SETTINGS, max_examples=40)
@given(st.sampled_from(PATHS), st.one_of(st.sampled_from(HOSTILE), TREES))
def test_bundled_scenario_with_one_hostile_value(path: tuple[Any, ...], value: Any) -> None:
    case = f"reset-2009 with {'.'.join(map(str, path))} = {value!r:.40}"
    assert_clean("hostile.yaml", _dump(_replace(BASE, path, value)), case)


EXPERIMENT = {
    "name": "tiny",
    "scenario": "reset-2009",
    "cross": {"worlds": ["spiral"], "conditions": ["inclusion"]},
    "parameters": [
        {"name": "eta_R", "path": "sides.R.elite.eta", "range": [0.02, 0.15]},
        {"name": "mu_R", "path": "sides.R.behaviour.mu", "distribution": {"dist": "beta", "a": 2, "b": 5}},
        {"name": "type_R", "path": "sides.R.type", "levels": ["B", "M"]},
    ],
    "design": {"kind": "lhs", "n": 2, "seed": 3},
    "runs": 3,
    "seed": 7,
    "outcomes": ["p_durable", {"name": "months_sd", "column": "months_strategic", "stat": "std"}],
}
EXPERIMENT_PATHS = _leaf_paths(EXPERIMENT)


def sweep_commands(path: Path, out: Path) -> list[list[str]]:
    """A sweep of the file into a store inside ``out``."""
    return [["sweep", str(path), "--store", str(out / "store.duckdb"), "-q"]]


@settings(SETTINGS, max_examples=20)
@given(st.sampled_from(EXPERIMENT_PATHS), st.one_of(st.sampled_from(HOSTILE), TREES))
def test_experiment_file_with_one_hostile_value(path: tuple[Any, ...], value: Any) -> None:
    case = f"tiny experiment with {'.'.join(map(str, path))} = {value!r:.40}"

    def commands(file: Path, out: Path) -> list[list[str]]:
        out.mkdir(exist_ok=True)
        return sweep_commands(file, out)

    assert_clean("exp.yaml", _dump(_replace(EXPERIMENT, path, value)), case, commands)


EXPERIMENT_CASES = [
    (("outcomes", 0), "../escape"),
    (("runs",), 10**400),
    (("runs",), True),
    (("seed",), 2**64),
    (("design", "n"), 10**400),
    (("design", "n"), math.nan),
    (("parameters", 0, "range", 0), math.nan),
    (("parameters", 1, "distribution", "a"), -1),
    (("parameters", 2, "levels"), []),
    (("cross", "conditions"), ["no-such-condition"]),
    (("scenario",), "../escape"),
    (("model",), "os:system"),
]


def test_experiment_files_with_known_hostile_values() -> None:
    problems = []
    for path, value in EXPERIMENT_CASES:
        data = _replace(EXPERIMENT, path, value) if path != ("model",) else {**EXPERIMENT, "model": value}
        case = f"{'.'.join(map(str, path))} = {value!r:.30}"
        with sandbox() as root:
            out = root / "work" / "report"
            out.mkdir()
            file = root / "work" / "exp.yaml"
            file.write_bytes(_dump(data))
            before = snapshot(root, out)
            got = invoke(sweep_commands(file, out)[0])
            if got.code != 2 or got.crash:
                problems.append(f"{case}: exit {got.code}, expected 2: {got.crash or got.output[-200:]}")
            elif "exp.yaml" not in got.output:
                problems.append(f"{case}: refusal does not name the file: {got.output[-200:]}")
            elif list(out.iterdir()):
                problems.append(f"{case}: refused but left {sorted(p.name for p in out.iterdir())} behind")
            if snapshot(root, out) != before:
                problems.append(f"{case}: touched files outside the store folder")
    assert not problems, "\n".join(problems)


FLAG_CASES = [
    (["run", "--seed", str(2**64), "--runs", "10"], "--seed"),
    (["run", "--seed", "-1", "--runs", "10"], "--seed"),
    (["run", "--runs", "0"], "--runs"),
    (["run", "--runs", str(10**30)], "--runs"),
    (["run", "--world", "nope", "--runs", "10"], "nope"),
    (["simulate", "--condition", "nope", "--runs", "10"], "nope"),
    (["simulate", "--runs", "10", "--seed", str(10**23)], "--seed"),
    (["sweep", "reset-2009-uncertainty", "--workers", "100000"], "--workers"),
    (["sweep", "reset-2009-uncertainty", "--workers", "0"], "--workers"),
    (["sweep", "reset-2009-uncertainty", "--set", "runs=nan"], "runs"),
    (["sweep", "reset-2009-uncertainty", "--set", "design.n=1e999"], "design.n"),
    (["sweep", "reset-2009-uncertainty", "--set", "nokey"], "nokey"),
    (["sweep", "reset-2009-uncertainty", "--set", "seed=-1"], "seed"),
    (["sweep", "reset-2009-uncertainty", "--dask-local", "100000"], "--dask-local"),
    (["results", "nope"], "duckdb"),
    (["sensitivity", "nope"], "duckdb"),
    (["history", "--scenario", "nope"], "nope"),
    (["history", "--events", "nothere.csv"], "nothere.csv"),
    (["history", "--start", "2010-02-30"], "--start"),
    (["tournament", "tft", "grim", "--noise", "nan"], "noise"),
    (["tournament", "tft", "grim", "--payoffs", "nan,0,5,1"], "payoffs"),
    (["tournament", "tft", "grim", "--turns", str(10**9)], "turns"),
    (["tournament", "tft", "grim", "--seed", str(2**64)], "seed"),
    (["validate", "/nonexistent/x.yaml"], "/nonexistent/x.yaml"),
    (["run", "/dev/zero", "--runs", "10"], "/dev/zero"),
]


def test_hostile_flags_are_refused_naming_the_flag() -> None:
    problems = []
    for args, named in FLAG_CASES:
        with sandbox() as root:
            before = snapshot(root, root / "none")
            got = invoke([*args, "--out", str(root / "work" / "r")] if args[0] == "run" else args)
            changed = snapshot(root, root / "none") != before
        shown = " ".join(args)
        if got.code != 2 or got.crash:
            problems.append(f"detente {shown}: exit {got.code}: {got.crash or got.output.strip()[-200:]}")
        elif named not in got.output:
            problems.append(
                f"detente {shown}: the message does not name {named}: {got.output.strip()[-200:]}"
            )
        elif changed:
            problems.append(f"detente {shown}: refused but wrote files")
    assert not problems, "\n".join(problems)


BOMB = b'a: &a ["x","x","x","x","x","x","x","x","x"]\n' + b"".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{','.join([f'*{chr(97 + i)}'] * 4)}]\n".encode() for i in range(20)
)
HOSTILE_DOCUMENTS = {
    "empty.yaml": b"",
    "comment.yaml": b"# nothing here\n",
    "scalar.yaml": b"42\n",
    "list.yaml": b"- a\n- b\n",
    "two-docs.yaml": BUNDLED.read_bytes() + b"\n---\nname: second\n",
    "dup-key.yaml": BUNDLED.read_bytes().replace(b"horizon: 240", b"horizon: 240\nhorizon: 12", 1),
    "bad-date.yaml": BUNDLED.read_bytes().replace(b"start: 2009-07 ", b"start: 2010-02-30", 1),
    "deep.yaml": b"name: deep\nx: " + b"[" * 5000 + b"]" * 5000 + b"\n",
    "deep-map.yaml": b"name: deep\n" + b"".join(b"  " * i + b"k:\n" for i in range(300)),
    "bomb.yaml": BOMB,
    "utf16.yaml": BUNDLED.read_text(encoding="utf-8").encode("utf-16"),
    "utf32.yaml": BUNDLED.read_text(encoding="utf-8").encode("utf-32"),
    "utf8-bom.yaml": b"\xef\xbb\xbf" + BUNDLED.read_bytes(),
    "latin1.yaml": BUNDLED.read_text(encoding="utf-8").replace("–", "é").encode("latin-1"),
    "nul.yaml": BUNDLED.read_bytes()[:200] + b"\x00" + BUNDLED.read_bytes()[200:],
    "tag.yaml": b"!!python/object/apply:os.system ['echo pwned']\n",
    "anchor-merge.yaml": b"base: &b {x: 1}\nname: m\nother:\n  <<: *b\n",
    "nan.toml": b'name = "t"\nstart = "2009-07"\nhorizon = nan\n',
    "deep.toml": b"x = " + b"[" * 5000 + b"]" * 5000 + b"\n",
    "bad.toml": b"name = \n",
    "huge-int.yaml": BUNDLED.read_bytes().replace(b"horizon: 240", b"horizon: 1" + b"0" * 5000, 1),
    "huge-float.yaml": BUNDLED.read_bytes().replace(b"event_scale: 0.1", b"event_scale: 1e999", 1),
    "yes.yaml": BUNDLED.read_bytes().replace(b"horizon: 240", b"horizon: yes", 1),
    "seed.yaml": BUNDLED.read_bytes().replace(b"seed: 20090706", b"seed: 18446744073709551616", 1),
    "neg-seed.yaml": BUNDLED.read_bytes().replace(b"seed: 20090706", b"seed: -1", 1),
}


def test_hostile_documents_are_refused_cleanly() -> None:
    problems = []
    for name, content in HOSTILE_DOCUMENTS.items():
        with sandbox() as root:
            found = check_file(root, name, content)
        problems += [f"{name}: {p}" for p in found]
    assert not problems, "\n".join(problems)


def test_hostile_documents_are_refused_by_validate() -> None:
    """Each of these documents is bad input, whatever the loader makes of it: validate says exit 2."""
    accepted = []
    for name, content in HOSTILE_DOCUMENTS.items():
        if name in ("utf8-bom.yaml", "anchor-merge.yaml", "comment.yaml"):
            continue
        with sandbox() as root:
            path = root / "work" / name
            path.write_bytes(content)
            got = invoke(["validate", str(path)])
        if got.code != 2:
            accepted.append(f"{name}: exit {got.code}: {got.crash or got.output.strip()[-160:]}")
    assert not accepted, "\n".join(accepted)


NUMERIC = [
    ("horizon",),
    ("seed",),
    ("event_scale",),
    ("sides", "R", "elite", "eta"),
    ("issues", "security_architecture", "T_M"),
    ("history", "gamma"),
]


def test_hostile_numbers_in_numeric_fields_are_refused_naming_the_field() -> None:
    problems = []
    for path in NUMERIC:
        for value in (math.nan, math.inf, -math.inf, True, 10**400):
            with sandbox() as root:
                target = root / "work" / "n.yaml"
                target.write_bytes(_dump(_replace(BASE, path, value)))
                got = invoke(["validate", str(target)])
            field = ".".join(map(str, path))
            if got.code != 2 or got.crash or "n.yaml" not in got.output or field not in got.output:
                shown = str(value) if not isinstance(value, int) or abs(value) < 10**20 else "10**400"
                problems.append(f"{field}: {shown}: exit {got.code} {got.crash or got.output.strip()[-200:]}")
    assert not problems, "\n".join(problems)


# ---- the same in a real process: the console entry point, its exit codes and data safety ----


def cli(*args: str, cwd: Path, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "detente", *args], capture_output=True, text=True, cwd=cwd, timeout=timeout
    )


def _folder(path: Path) -> dict[str, tuple[int, str]]:
    return snapshot(path, path / "__none__")


def test_subprocess_refusals_name_the_file(tmp_path: Path) -> None:
    cases = {
        "nan.yaml": _dump(_replace(BASE, ("sides", "W", "elite", "h0"), math.nan)),
        "binary.yaml": bytes(range(256)),
        "utf16.yaml": BUNDLED.read_text(encoding="utf-8").encode("utf-16"),
        "bomb.yaml": b'a: &a ["x","x","x","x","x","x","x","x","x"]\n'
        + b"".join(
            f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)}]\n".encode()
            for i in range(20)
        ),
    }
    problems = []
    for name, content in cases.items():
        (tmp_path / name).write_bytes(content)
        before = _folder(tmp_path)
        try:
            proc = cli("validate", name, cwd=tmp_path, timeout=30)
        except subprocess.TimeoutExpired:
            problems.append(f"{name}: still running after 30 s (killed)")
            continue
        last = (proc.stderr.strip().splitlines() or [""])[-1]
        if proc.returncode != 2 or "Traceback" in proc.stderr + proc.stdout or name not in proc.stderr:
            problems.append(f"{name}: exit {proc.returncode}: {last}")
        if _folder(tmp_path) != before:
            problems.append(f"{name}: files changed")
    assert not problems, "\n".join(problems)


def test_scenario_named_outside_the_report_root_leaves_that_folder_alone(tmp_path: Path) -> None:
    victim = tmp_path / "x"
    victim.mkdir()
    (victim / "thesis.tex").write_text("years of work\n")
    work = tmp_path / "work"
    work.mkdir()
    (work / "evil.yaml").write_bytes(_dump({**BASE, "name": "../../x"}))
    before = _folder(tmp_path)
    for args in (["validate", "evil.yaml"], ["run", "evil.yaml", "--runs", "10", "--no-plots"]):
        proc = cli(*args, cwd=work)
        assert proc.returncode == 2, (args, proc.stdout, proc.stderr)
        assert "Traceback" not in proc.stderr and "name" in proc.stderr, proc.stderr
    assert _folder(tmp_path) == before


def test_out_at_a_foreign_folder_or_file_is_refused(tmp_path: Path) -> None:
    foreign = tmp_path / "papers"
    foreign.mkdir()
    (foreign / "draft.md").write_text("mine\n")
    (tmp_path / "data.csv").write_text("a\n1\n")
    before = _folder(tmp_path)
    for out in ("papers", ".", "data.csv"):
        proc = cli("run", "--runs", "10", "--no-plots", "--out", out, cwd=tmp_path)
        assert proc.returncode == 2, (out, proc.stdout, proc.stderr)
        assert "Traceback" not in proc.stderr, (out, proc.stderr)
        assert _folder(tmp_path) == before, out


def test_python_api_applies_the_same_limits(monkeypatch: Any) -> None:
    """Limits lowered by their variables bind ``simulate``, ``experiment`` and loading alike."""
    import pytest

    from detente.errors import DetenteError

    sc = detente.load_scenario("reset-2009").apply({"runs": 50})
    monkeypatch.setenv("DETENTE_MAX_RUNS", "100")
    with pytest.raises(DetenteError, match=r"\b101\b.*DETENTE_MAX_RUNS"):
        detente.simulate(sc, runs=101, world="spiral")
    with pytest.raises(DetenteError, match=r"\b101\b.*DETENTE_MAX_RUNS"):
        detente.experiment(sc, runs=101, worlds=["spiral"], conditions=[])
    monkeypatch.setenv("DETENTE_MAX_HORIZON", "100")
    with pytest.raises(DetenteError, match=r"horizon.*DETENTE_MAX_HORIZON"):
        detente.load_scenario("reset-2009")
