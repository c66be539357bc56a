"""Safe output paths: detente never replaces or deletes anything it did not write.

A report folder is built in a temporary sibling and swapped in whole; it carries a marker file
(``.detente-report``), and only a folder carrying that marker (or an empty folder) is ever replaced.
A single output file is written to a temporary file in the same folder and moved over the target with
``os.replace``, so a failure leaves the earlier file (or nothing) behind. A path that cannot be used is
refused with a ``DetenteError`` naming it and saying why, before any work is done.

Nothing goes into the current folder unless a path names it: what a command keeps without being told
where (the main job's report, history folders, the results store) goes under ``data_home()``.
Folders and files get the permissions a plain ``mkdir``/``open`` would (the umask decides; 0755/0644
under the usual 022), never the private 0700/0600 of temporary files.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import json
import os
import re
import secrets
import shutil
import stat
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from detente.errors import DetenteError

MARKER = ".detente-report"
"""File inside every folder detente writes: JSON with the version, time, kind and scenario."""
MAX_NAME = 128
"""Longest folder name taken from a scenario name."""
_UNSAFE = re.compile(r"[/\\:\x00-\x1f\x7f]")


def _fail(field: str, path: Path | str, why: str) -> DetenteError:
    return DetenteError(f"{field}: {path}: {why}")


def _default_mode(directory: bool) -> int:
    """Permissions a plain ``open``/``mkdir`` would give (temp files and folders are private by default)."""
    mask = os.umask(0)
    os.umask(mask)
    return (0o777 if directory else 0o666) & ~mask


def data_home() -> Path:
    """detente's own folder: ``$DETENTE_HOME``, else ``$XDG_DATA_HOME/detente``, else ~/.local/share/detente."""
    own = os.environ.get("DETENTE_HOME", "")
    if own:
        return Path(own).expanduser()
    xdg = os.environ.get("XDG_DATA_HOME", "")
    if xdg and Path(xdg).is_absolute():
        return Path(xdg) / "detente"
    try:
        return Path.home() / ".local" / "share" / "detente"
    except RuntimeError:  # no home folder to be found
        raise DetenteError(
            "DETENTE_HOME: no home folder found for detente's data folder; set DETENTE_HOME to a folder"
        ) from None


def default_folder(kind: str, name: str) -> Path:
    """``data_home()/kind/name`` for one plain folder ``name`` (a scenario name): where a report goes by default."""
    return folder_in_root(data_home() / kind, name, "name")


def default_file(kind: str, name: str, field: str = "file") -> Path:
    """``data_home()/kind/name`` for one plain file name (e.g. a plot), its folder created."""
    path = folder_in_root(data_home() / kind, name, field)
    make_folders(path.parent, field)
    return path


def default_report_folder(kind: str, name: str, field: str = "report folder") -> Path:
    """``default_folder(kind, name)``, its parents created and the folder checked like ``check_folder``."""
    folder = default_folder(kind, name)
    make_folders(folder.parent, field)
    return check_folder(folder, field)


def make_folders(folder: Path | str, field: str) -> Path:
    """Create ``folder`` and its missing parents (permissions from the umask), or ``DetenteError`` saying why."""
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise _fail(field, folder, f"cannot create the folder ({exc.strerror or exc})") from None
    if not folder.is_dir():
        raise _fail(field, folder, "is not a folder")
    return folder


def is_marked(folder: Path) -> bool:
    """Whether ``folder`` carries a readable detente marker (a regular file holding a JSON object)."""
    marker = folder / MARKER
    try:
        if marker.is_symlink() or not marker.is_file():
            return False
        data = json.loads(marker.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(data, dict) and data.get("tool") == "detente"


def _protected(target: Path) -> str | None:
    """Why ``target`` (resolved) must never be replaced, or None."""
    if target.parent == target:
        return "is the root of the file system"
    with contextlib.suppress(RuntimeError, OSError, KeyError):
        if target == Path.home().resolve():
            return "is your home folder"
    cwd = Path.cwd().resolve()
    if target == cwd:
        return "is the current folder"
    if target in cwd.parents:
        return "contains the current folder"
    return None


def _check_parent(field: str, shown: Path, target: Path) -> None:
    """Refuse ``target`` unless its folder exists and a file can be created there (probed, then removed)."""
    parent = target.parent
    if not parent.exists():
        raise _fail(field, shown, f"the folder {parent} does not exist; create it first")
    if not parent.is_dir():
        raise _fail(field, shown, f"{parent} is not a folder")
    try:
        fd, probe = tempfile.mkstemp(prefix=".detente-probe-", dir=parent)
    except OSError as exc:
        raise _fail(field, shown, f"cannot write in the folder {parent} ({exc.strerror})") from None
    os.close(fd)
    os.unlink(probe)


def _guard(check: Callable[[Path | str, str], Path], path: Path | str, field: str) -> Path:
    """Run ``check``, turning an OS refusal to look at a path (name too long, NUL byte) into a DetenteError."""
    try:
        return check(path, field)
    except (OSError, ValueError) as exc:
        why = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        shown = repr(str(path)) if "\x00" in str(path) else path
        raise _fail(field, shown, f"not a usable path ({why})") from None


def check_folder(out: Path | str, field: str = "--out") -> Path:
    """The resolved report folder ``out`` if detente may (re)place it, else ``DetenteError`` saying why.

    Allowed: a path that does not exist yet (its parent must), an empty folder, or a folder carrying
    the marker. Refused: a symlink, a file, a non-empty folder without the marker, the root, the home
    folder, the current folder and any folder containing it.
    """
    return _guard(_check_folder, out, field)


def check_file(path: Path | str, field: str) -> Path:
    """The path of an output file if it can be written, else ``DetenteError`` naming it and why.

    An existing regular file the user named is replaced (that is what naming it asks for); a folder,
    a symbolic link or a special file (device, pipe) never is.
    """
    return _guard(_check_file, path, field)


def _check_folder(out: Path | str, field: str) -> Path:
    given = Path(out)
    if str(out) == "":
        raise _fail(field, "''", "expected a folder name")
    if given.is_symlink():
        raise _fail(field, given, "is a symbolic link; name a real folder")
    target = given.resolve()
    why = _protected(target)
    if why:
        raise _fail(field, given, f"{why}; detente writes a report into a new folder of its own")
    if target.exists():
        if not target.is_dir():
            raise _fail(field, given, "is a file, not a folder; choose a new folder name")
        if not is_marked(target) and any(target.iterdir()):
            raise _fail(
                field,
                given,
                f"is a folder that detente did not create (it has no {MARKER} marker); "
                "choose a new or empty folder, or remove this one yourself",
            )
    _check_parent(field, given, target)
    return target


def folder_in_root(root: Path | str, name: str, field: str = "name") -> Path:
    """``root/name`` for one plain folder ``name`` (no separators, not '.' or '..'), kept inside ``root``."""
    if (
        not isinstance(name, str)
        or name.strip(" .") == ""
        or len(name) > MAX_NAME
        or _UNSAFE.search(name)
        or name.startswith(".")
    ):
        raise DetenteError(
            f"{field}: {name!r} cannot name a report folder; expected one plain folder name of at most "
            f"{MAX_NAME} characters (no '/', '\\', ':' or control characters, not starting with '.')"
        )
    root = Path(root)
    target = (root / name).resolve()
    if target.parent != root.resolve():
        raise DetenteError(f"{field}: {name!r} would place the report outside {root}")
    return root / name


def _marker(kind: str, scenario: str | None) -> str:
    from detente import __version__

    return json.dumps(
        {
            "tool": "detente",
            "kind": kind,
            "version": __version__,
            "created": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
            "scenario": scenario,
        },
        indent=2,
    )


@contextlib.contextmanager
def report_folder(
    out: Path | str,
    *,
    kind: str,
    scenario: str | None = None,
    field: str = "--out",
    make_parent: bool = False,
) -> Iterator[Path]:
    """Yield an empty temporary folder to fill; on success it is marked and replaces ``out`` whole.

    ``make_parent`` creates the missing parent folders (a default location under ``data_home()``). On
    any error the temporary folder is removed and ``out`` is left as it was.
    """
    given = Path(out)
    if make_parent and not given.parent.exists():
        make_folders(given.parent, field)
    target = check_folder(given, field)
    try:
        tmp = Path(tempfile.mkdtemp(prefix=f".{target.name[:64]}.tmp-", dir=target.parent))
    except OSError as exc:
        raise _fail(field, given, f"cannot write in {target.parent} ({exc.strerror})") from None
    try:
        yield tmp
        (tmp / MARKER).write_text(_marker(kind, scenario), encoding="utf-8")
        tmp.chmod(_default_mode(directory=True))
        check_folder(given, field)  # still ours to replace after the (long) work
        _swap(tmp, target)
    except OSError as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        raise _fail(field, given, f"cannot write the report ({exc.strerror or exc})") from None
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _swap(tmp: Path, target: Path) -> None:
    """Move ``tmp`` to ``target``; an existing (marked or empty) folder is set aside until that succeeds."""
    if not target.exists():
        os.replace(tmp, target)
        return
    backup = target.with_name(f".{target.name[:64]}.old-{secrets.token_hex(6)}")
    os.replace(target, backup)
    try:
        os.replace(tmp, target)
    except BaseException:
        os.replace(backup, target)
        raise
    shutil.rmtree(backup, ignore_errors=True)


def _check_file(path: Path | str, field: str) -> Path:
    given = Path(path)
    if str(path) == "":
        raise _fail(field, "''", "expected a file name")
    if given.is_symlink():
        raise _fail(field, given, "is a symbolic link; name a regular file")
    if given.exists():
        if given.is_dir():
            raise _fail(field, given, "is a folder; name a file to write")
        if not given.is_file():
            raise _fail(field, given, "is not a regular file")
    target = given.resolve()
    _check_parent(field, given, target)
    return target


def check_files(outputs: dict[str, Path | str | None]) -> dict[str, Path]:
    """Check every named output file (flag → path); two flags naming one file is an error too."""
    seen: dict[Path, str] = {}
    checked: dict[str, Path] = {}
    for field, path in outputs.items():
        if path is None:
            continue
        target = check_file(path, field)
        if target in seen:
            raise _fail(field, path, f"is also the file of {seen[target]}; name a different file")
        seen[target] = field
        checked[field] = target
    return checked


def write_file(path: Path | str, write: Callable[[Path], Any], field: str) -> Path:
    """Write one output file through ``write(tmp_path)`` and move it over ``path`` (same folder) at once."""
    target = check_file(path, field)
    try:
        fd, name = tempfile.mkstemp(
            prefix=f".{target.name[:64]}.", suffix=f".tmp{target.suffix[:16]}", dir=target.parent
        )
    except OSError as exc:
        raise _fail(field, path, f"cannot write in {target.parent} ({exc.strerror})") from None
    os.close(fd)
    tmp = Path(name)
    try:
        write(tmp)
        mode = stat.S_IMODE(target.stat().st_mode) if target.exists() else _default_mode(directory=False)
        tmp.chmod(mode)
        os.replace(tmp, target)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise _fail(field, path, f"cannot write the file ({exc.strerror or exc})") from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return Path(path)


def write_text(path: Path | str, text: str, field: str) -> Path:
    """``write_file`` for text (UTF-8)."""
    return write_file(path, lambda tmp: tmp.write_text(text, encoding="utf-8"), field)
