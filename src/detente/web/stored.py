"""Stored experiments for the page: DuckDB stores in the results folder, opened read-only.

A request names a store only by its file name; names are checked against a strict pattern and the
resolved path must sit directly in the results folder, so no request reaches another file.
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any

from detente.errors import DetenteError

DEFAULT_STORE = "detente-results.duckdb"
STORE_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.\-]{0,120}\.duckdb$")


class StoreNotFound(DetenteError):
    """No such store in the results folder (or a name that could point outside it)."""


def store_path(results_dir: Path, name: str) -> Path:
    """The path of store ``name`` inside ``results_dir``; anything else is refused."""
    if not STORE_NAME.match(name) or ".." in name:
        raise StoreNotFound(f"store: {name!r} is not a store file name (expected e.g. {DEFAULT_STORE})")
    root = results_dir.resolve()
    try:
        path = (root / name).resolve()
    except (OSError, RuntimeError):  # a link loop
        raise StoreNotFound(f"store: {name!r} cannot be resolved inside the results folder") from None
    if path.parent != root:
        raise StoreNotFound(f"store: {name!r} is outside the results folder")
    return path


def list_stores(results_dir: Path) -> list[dict[str, Any]]:
    """The ``*.duckdb`` files directly in the results folder; links leading out of it are skipped."""
    root = results_dir.resolve()
    if not root.is_dir():
        return []
    out = []
    for p in sorted(root.glob("*.duckdb")):
        if not STORE_NAME.match(p.name):
            continue
        try:
            target = p.resolve(strict=True)
        except (OSError, RuntimeError):  # a dangling link or a link loop
            continue
        if target.parent == root and target.is_file():
            out.append({"name": p.name, "bytes": target.stat().st_size})
    return out


def _clean(value: Any) -> Any:
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _records(frame: Any) -> list[dict[str, Any]]:
    return [{str(k): _clean(v) for k, v in row.items()} for row in frame.to_dict(orient="records")]


def list_experiments(results_dir: Path, store: str = DEFAULT_STORE) -> list[dict[str, Any]]:
    """Experiments in a store with their progress; empty when the store file does not exist yet."""
    from detente.experiments.store import Store

    path = store_path(results_dir, store)
    if not path.is_file():
        return []
    with Store(path, read_only=True) as st:
        return _records(st.experiments())


def open_experiment(
    results_dir: Path, name: str, store: str = DEFAULT_STORE, max_rows: int = 2000
) -> dict[str, Any]:
    """One stored experiment: its record, result rows (capped) and each outcome's mean, sd, min and max."""
    from detente.experiments.store import Store

    path = store_path(results_dir, store)
    if not path.is_file():
        raise StoreNotFound(f"store: no results store {store!r} in the results folder yet")
    with Store(path, read_only=True) as st:
        record = st.experiment_record(name)
        frame = st.results(name, complete=True)
    outcomes = list(record["outcomes"])
    stats = {}
    for o in outcomes:
        col = frame[o] if o in frame.columns else None
        stats[o] = {
            k: _clean(getattr(col, k)()) if col is not None and len(col) else None
            for k in ("mean", "std", "min", "max")
        }
    by_cell: dict[str, dict[str, Any]] = {}
    if len(frame) and "cell" in frame.columns:
        keys = ["world", "cell"] if "world" in frame.columns else ["cell"]
        grouped = frame.fillna({k: "" for k in keys}).groupby(keys, sort=False)[outcomes].mean()
        for idx, row in grouped.iterrows():
            label = " / ".join(str(i) for i in (idx if isinstance(idx, tuple) else (idx,)) if i)
            by_cell[label or "all"] = {o: _clean(row[o]) for o in outcomes}
    return {
        "name": record["name"],
        "store": path.name,
        "model": record["model"],
        "design": record["design"],
        "parameters": list(record["parameters"]),
        "outcomes": outcomes,
        "runs": _clean(record["runs"]),
        "seed": _clean(record["seed"]),
        "points": len(frame),
        "rows": _records(frame.head(max_rows)),
        "truncated": bool(len(frame) > max_rows),
        "stats": stats,
        "by_cell": by_cell,
    }
