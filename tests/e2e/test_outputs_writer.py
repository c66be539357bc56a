"""The output writer in-process: which folders and files it may replace, and that failures leave nothing."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from types import SimpleNamespace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from detente.errors import DetenteError
from detente.report import outputs
from detente.report.html import check_target, write_report
from detente.report.jsondata import dumps, plain


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


@pytest.fixture
def foreign(tmp_path: Path) -> Path:
    """A user's folder with nested and hidden files."""
    folder = tmp_path / "thesis"
    (folder / "chapters").mkdir(parents=True)
    (folder / "chapters" / "one.tex").write_text("\\chapter{One}")
    (folder / ".git-like").write_bytes(b"\x00\x01binary")
    (folder / "report.html").write_text("my own report")
    return folder


def test_foreign_folder_is_refused_and_untouched(foreign: Path) -> None:
    before = tree_hashes(foreign.parent)
    with (
        pytest.raises(DetenteError, match="did not create") as err,
        outputs.report_folder(foreign, kind="report") as tmp,
    ):
        (tmp / "report.html").write_text("new")
    assert str(foreign) in str(err.value)
    assert tree_hashes(foreign.parent) == before


def test_marked_folder_is_replaced_whole(tmp_path: Path) -> None:
    out = tmp_path / "r"
    with outputs.report_folder(out, kind="report", scenario="s") as tmp:
        (tmp / "old.txt").write_text("first")
    marker = json.loads((out / outputs.MARKER).read_text())
    assert marker["tool"] == "detente" and marker["scenario"] == "s" and marker["kind"] == "report"
    assert {"version", "created"} <= set(marker)
    with outputs.report_folder(out, kind="report", scenario="s") as tmp:
        (tmp / "new.txt").write_text("second")
    assert sorted(p.name for p in out.iterdir()) == [outputs.MARKER, "new.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r"]  # no temporary or backup left


def test_failure_keeps_the_earlier_report(tmp_path: Path) -> None:
    out = tmp_path / "r"
    with outputs.report_folder(out, kind="report") as tmp:
        (tmp / "a.txt").write_text("kept")
    before = tree_hashes(tmp_path)
    with pytest.raises(RuntimeError), outputs.report_folder(out, kind="report") as tmp:
        (tmp / "a.txt").write_text("half")
        raise RuntimeError("simulated crash while writing")
    assert tree_hashes(tmp_path) == before


def test_folder_filled_meanwhile_is_not_replaced(tmp_path: Path) -> None:
    out = tmp_path / "r"
    with pytest.raises(DetenteError, match="did not create"), outputs.report_folder(out, kind="report"):
        out.mkdir()
        (out / "precious.txt").write_text("appeared during the run")
    assert (out / "precious.txt").read_text() == "appeared during the run"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r"]


@pytest.mark.parametrize(
    ("make", "why"),
    [
        (lambda d: d / "file.txt", "is a file"),
        (lambda d: d / "link", "symbolic link"),
        (lambda d: Path("."), "current folder"),
        (lambda d: Path(".."), "contains the current folder"),
        (lambda d: Path("/"), "root of the file system"),
        (lambda d: Path.home(), "home folder"),
        (lambda d: d / "missing" / "r", "does not exist"),
        (lambda d: Path(""), "current folder"),  # Path("") is "."
        (lambda d: "", "expected a folder name"),
    ],
    ids=["file", "symlink", "cwd", "parent-of-cwd", "root", "home", "missing-parent", "empty-path", "empty"],
)
def test_unsafe_folders_are_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, make, why: str) -> None:
    work = tmp_path / "work"
    work.mkdir()
    (work / "file.txt").write_text("data")
    (work / "target").mkdir()
    (work / "target" / "x").write_text("x")
    (work / "link").symlink_to(work / "target")
    monkeypatch.chdir(work)
    if make(work) == Path.home() and Path.home().resolve() in Path.cwd().resolve().parents:
        why = "contains the current folder"
    before = tree_hashes(tmp_path)
    with pytest.raises(DetenteError, match=why):
        outputs.check_folder(make(work))
    assert tree_hashes(tmp_path) == before


def test_empty_folder_may_be_used(tmp_path: Path) -> None:
    out = tmp_path / "empty"
    out.mkdir()
    with outputs.report_folder(out, kind="report") as tmp:
        (tmp / "a.txt").write_text("a")
    assert (out / "a.txt").read_text() == "a" and outputs.is_marked(out)


def test_fake_or_linked_marker_does_not_count(foreign: Path) -> None:
    (foreign / outputs.MARKER).write_text("not json")
    assert not outputs.is_marked(foreign)
    (foreign / outputs.MARKER).unlink()
    elsewhere = foreign.parent / "marker.json"
    elsewhere.write_text(json.dumps({"tool": "detente"}))
    (foreign / outputs.MARKER).symlink_to(elsewhere)
    assert not outputs.is_marked(foreign)
    with pytest.raises(DetenteError):
        outputs.check_folder(foreign)


@pytest.mark.parametrize(
    "name", ["../x", "/tmp/x", "..", ".", "a/b", "a\\b", "", ".hidden", "x" * 200, "c:x"]
)
def test_scenario_name_cannot_leave_the_report_root(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    victim = tmp_path / "x"
    victim.mkdir()
    (victim / "keep.txt").write_text("keep")
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    before = tree_hashes(tmp_path)
    with pytest.raises(DetenteError, match="cannot name a report folder"):
        check_target(None, name)
    stub = SimpleNamespace(scenario=SimpleNamespace(name=name))  # the writer refuses before reading more
    with pytest.raises(DetenteError, match="cannot name a report folder"):
        write_report(stub, None, plots=False)
    assert tree_hashes(tmp_path) == before


@settings(max_examples=200, deadline=None)
@given(st.text(min_size=0, max_size=40))
def test_any_name_stays_inside_the_root(name: str) -> None:
    root = Path("/nonexistent-detente-root")
    try:
        target = outputs.folder_in_root(root, name)
    except DetenteError:
        return
    assert target.resolve().parent == root.resolve()
    assert target.name == name


def test_write_file_replaces_a_named_file_atomically(tmp_path: Path) -> None:
    target = tmp_path / "m.csv"
    target.write_text("old")
    target.chmod(0o640)
    outputs.write_text(target, "new", "--months")
    assert target.read_text() == "new"
    assert target.stat().st_mode & 0o777 == 0o640  # an existing file keeps its permissions
    with pytest.raises(ValueError):
        outputs.write_file(target, lambda tmp: (tmp.write_text("half"), int("boom")), "--months")
    assert target.read_text() == "new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.csv"]  # the temporary file is gone


def test_new_file_gets_ordinary_permissions(tmp_path: Path) -> None:
    outputs.write_text(tmp_path / "n.csv", "x", "--months")
    mask = os.umask(0)
    os.umask(mask)
    assert (tmp_path / "n.csv").stat().st_mode & 0o777 == 0o666 & ~mask


@pytest.mark.parametrize(
    ("make", "why"),
    [
        (lambda d: d, "is a folder"),
        (lambda d: d / "missing" / "f.csv", "does not exist"),
        (lambda d: d / "link.csv", "symbolic link"),
        (lambda d: Path("/dev/null"), "not a regular file"),
        (lambda d: d / "plain.txt" / "f.csv", "is not a folder"),
    ],
    ids=["folder", "missing-parent", "symlink", "device", "parent-is-file"],
)
def test_unwritable_files_are_refused(tmp_path: Path, make, why: str) -> None:
    (tmp_path / "plain.txt").write_text("p")
    (tmp_path / "link.csv").symlink_to(tmp_path / "plain.txt")
    before = tree_hashes(tmp_path)
    with pytest.raises(DetenteError, match=why) as err:
        outputs.write_text(make(tmp_path), "x", "--months")
    assert str(err.value).startswith("--months: ")
    assert tree_hashes(tmp_path) == before


def test_same_file_for_two_flags_is_refused(tmp_path: Path) -> None:
    with pytest.raises(DetenteError, match="is also the file of --months"):
        outputs.check_files({"--months": tmp_path / "a.csv", "--runs-out": tmp_path / "." / "a.csv"})


def test_strict_json_has_no_nan() -> None:
    import numpy as np

    data = {"a": float("nan"), "b": np.float64("inf"), "c": np.array([1.0, np.nan]), "d": (np.int64(3),)}
    assert plain(data) == {"a": None, "b": None, "c": [1.0, None], "d": [3]}
    text = dumps(data)
    json.loads(text, parse_constant=lambda c: pytest.fail(f"non-strict constant {c}"))


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=0, max_size=300))
def test_any_relative_path_is_refused_cleanly_or_accepted(name: str) -> None:
    """Whatever the text, checking a path raises only DetenteError naming the flag, and changes nothing."""
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "user").mkdir()
        (root / "user" / "f.txt").write_text("f")
        (root / "file.txt").write_text("x")
        before = tree_hashes(root)
        old = Path.cwd()
        os.chdir(root)
        try:
            for check in (outputs.check_folder, lambda p: outputs.check_file(p, "--months")):
                try:
                    target = check(name.lstrip("/~"))
                except DetenteError as exc:
                    assert str(exc).split(":", 1)[0] in ("--out", "--months")
                else:
                    assert target.is_absolute() and not target.is_symlink()
        finally:
            os.chdir(old)
        assert tree_hashes(root) == before
