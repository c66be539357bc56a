"""Starting points for a new scenario file (``detente init``): the commented blank template or a copy of a scenario.

A copy keeps the source's comments and layout; only ``name`` changes (and relative history file paths,
so they still point at the same files from the new location).
"""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path
from typing import Any

from detente.errors import ScenarioError

BLANK = "blank.yaml"


def blank_text() -> str:
    """The commented blank template as shipped."""
    return resources.files(__name__).joinpath(BLANK).read_text(encoding="utf-8")


def source_text(source: str) -> tuple[str, Path | None]:
    """The YAML text of a bundled scenario or a scenario file, and the folder it lives in (None if bundled)."""
    from detente.scenario.document import read_text
    from detente.scenario.load import bundled_path, resolve_source

    path = resolve_source(source)
    if path.suffix.lower() not in (".yaml", ".yml"):
        raise ScenarioError(
            f"{source}: init copies YAML scenarios; convert this {path.suffix} file to YAML first"
        )
    bundled = path == bundled_path(str(source))
    return read_text(path), None if bundled else path.resolve().parent


def starter_text(name: str, source: str | None, target: Path) -> str:
    """Text of a new scenario ``name`` to be written at ``target``: from ``source`` (bundled name or file) or blank."""
    from detente.scenario.document import edit_yaml

    text, folder = (blank_text(), None) if source is None else source_text(source)

    def edit(doc: Any) -> None:
        if "name" in doc:
            doc["name"] = name
        else:
            doc.insert(0, "name", name)
        history = doc.get("history")
        if folder is not None and isinstance(history, dict):
            for key in ("events", "periods"):
                value = history.get(key)
                if isinstance(value, str) and value != "bundled" and not Path(value).is_absolute():
                    history[key] = os.path.relpath(folder / value, target.resolve().parent)

    return edit_yaml(text, edit, origin=source or "template")
