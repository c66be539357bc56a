"""Where detente writes when no path is named (its data folder, never the current folder), and with what
permissions (the umask's: readable by the group, never the private 0700 of temporary folders)."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from detente.errors import DetenteError
from detente.report.outputs import (
    data_home,
    default_folder,
    default_report_folder,
    make_folders,
    report_folder,
    write_text,
)


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """DETENTE_HOME in a temporary folder, and the current folder an empty one beside it."""
    monkeypatch.setenv("DETENTE_HOME", str(tmp_path / "home"))
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    monkeypatch.chdir(cwd)
    return tmp_path / "home"


@pytest.fixture(params=[0o022, 0o027, 0o002])
def umask(request: pytest.FixtureRequest) -> Iterator[int]:
    old = os.umask(request.param)
    try:
        yield request.param
    finally:
        os.umask(old)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_data_home_follows_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DETENTE_HOME", str(tmp_path / "own"))
    assert data_home() == tmp_path / "own"
    monkeypatch.delenv("DETENTE_HOME")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert data_home() == tmp_path / "xdg" / "detente"
    monkeypatch.setenv("XDG_DATA_HOME", "relative/ignored")  # the XDG spec: relative paths are invalid
    monkeypatch.setenv("HOME", str(tmp_path / "user"))
    assert data_home() == tmp_path / "user" / ".local" / "share" / "detente"


def test_default_folders_stay_inside_the_data_home(home: Path) -> None:
    assert default_folder("reports", "reset-2009") == home / "reports" / "reset-2009"
    for name in ("../escape", "a/b", ".hidden", ""):
        with pytest.raises(DetenteError):
            default_folder("reports", name)


def test_default_report_folder_is_created_outside_the_current_folder(home: Path) -> None:
    target = default_report_folder("history", "reset-2009")
    assert target == (home / "history" / "reset-2009").resolve()
    assert target.parent.is_dir() and not target.exists()
    with report_folder(target, kind="history", scenario="reset-2009") as tmp:
        (tmp / "a.csv").write_text("x\n")
    assert (target / "a.csv").is_file()
    assert list(Path.cwd().iterdir()) == []


def test_make_folders_refuses_a_file_in_the_way(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("")
    with pytest.raises(DetenteError, match=r"store: .*file"):
        make_folders(tmp_path / "file" / "sub", "store")


def test_report_folders_get_ordinary_permissions(tmp_path: Path, umask: int) -> None:
    with report_folder(tmp_path / "rep", kind="report", scenario="x", make_parent=True) as tmp:
        (tmp / "report.html").write_text("<p>")
        (tmp / "plots").mkdir()
        (tmp / "plots" / "a.png").write_bytes(b"png")
    folder = tmp_path / "rep"
    assert _mode(folder) == 0o777 & ~umask  # 0755 under 022: readable by the group, not 0700
    assert _mode(folder / "plots") == 0o777 & ~umask
    for name in ("report.html", ".detente-report", "plots/a.png"):
        assert _mode(folder / name) == 0o666 & ~umask, name
    assert _mode(folder) & stat.S_IRGRP


def test_replacing_a_report_keeps_ordinary_permissions(tmp_path: Path, umask: int) -> None:
    for text in ("one", "two"):
        with report_folder(tmp_path / "rep", kind="report") as tmp:
            (tmp / "a.txt").write_text(text)
    assert (tmp_path / "rep" / "a.txt").read_text() == "two"
    assert _mode(tmp_path / "rep") == 0o777 & ~umask
    assert [p.name for p in tmp_path.iterdir()] == ["rep"]  # no temporary or backup folder left


def test_missing_parents_of_a_default_folder_get_ordinary_permissions(tmp_path: Path, umask: int) -> None:
    make_folders(tmp_path / "a" / "b" / "c", "report folder")
    for part in ("a", "a/b", "a/b/c"):
        assert _mode(tmp_path / part) == 0o777 & ~umask


def test_single_files_get_ordinary_permissions(tmp_path: Path, umask: int) -> None:
    write_text(tmp_path / "n.csv", "x\n", "--out")
    assert _mode(tmp_path / "n.csv") == 0o666 & ~umask


def test_default_files_go_to_a_kind_folder_in_the_data_home(home: Path) -> None:
    from detente.report.outputs import default_file

    path = default_file("plots", "ish-sobol.png")
    assert path == home / "plots" / "ish-sobol.png" and path.parent.is_dir() and not path.exists()
    with pytest.raises(DetenteError, match=r"file: '\.\./x\.png' cannot name"):
        default_file("plots", "../x.png")
