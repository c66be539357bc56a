"""Event tables and labelled years: read files and hand their rows to the validation in ``scenario.events``.

A table is CSV, Parquet, YAML or a list of row mappings (events written inside a scenario). A file's
shape is checked here (empty, duplicate or unnamed header columns, rows with too many or too few cells,
more rows than the limit); every bad cell is named by ``detente.scenario.events.validate_rows``. On any
problem ``EventDataError`` is raised and nothing is returned (no half-loaded table).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from detente.errors import EventDataError
from detente.limits import limits, over_limit
from detente.scenario.events import (
    KINDS,
    MAX_LISTED,
    REQUIRED,
    VALENCE_COLUMNS,
    EventTable,
    _parse_float,
    _text,
    data_path,
    known_codes,
    validate_rows,
)

__all__ = [
    "BUNDLED_EVENTS",
    "BUNDLED_PERIODS",
    "KINDS",
    "LABELS",
    "REQUIRED",
    "VALENCE_COLUMNS",
    "EventTable",
    "Periods",
    "data_path",
    "known_codes",
    "load_events",
    "load_periods",
    "validate_rows",
]


LABELS = ("strategic_partnership_attempt", "limited_tactical", "adversarial", "confrontation_war")
BUNDLED_EVENTS = "events_1991_2009.csv"
BUNDLED_PERIODS = "periods_1992_2008.csv"


@dataclass(frozen=True, eq=False)
class Periods:
    """Labelled years: a regime label per year and an optional alternative reading."""

    source: str
    year: np.ndarray  # int
    regime: np.ndarray  # str, one of LABELS
    alt_regime: np.ndarray  # str, '' if none
    confidence: np.ndarray  # str
    note: np.ndarray  # str

    def __len__(self) -> int:
        return len(self.year)


Where = Callable[[int, str], str]


def _too_many(path: Path, count: int) -> EventDataError | None:
    problem = over_limit(str(path), "events", count, "rows or more")
    return EventDataError(problem) if problem else None


def _read_rows(path: Path, what: str = "event table") -> tuple[list[dict[str, Any]], Where | None]:
    """Rows of a CSV, Parquet or YAML event table and how to name a cell; bad shapes raise ``EventDataError``."""
    suffix = path.suffix.lower()
    try:
        if suffix in (".parquet", ".pq"):
            return _parquet_rows(path), _indexed_where(str(path))
        if suffix in (".yaml", ".yml"):
            return _yaml_rows(path), _indexed_where(str(path))
        return _csv_rows(path, what)
    except EventDataError:
        raise
    except OSError as exc:
        raise EventDataError(f"{path}: cannot read the {what} ({exc.strerror or exc})") from None
    except Exception as exc:
        raise EventDataError(f"{path}: cannot parse the {what} ({type(exc).__name__}: {exc})") from None


def _csv_rows(path: Path, what: str = "event table") -> tuple[list[dict[str, Any]], Where]:
    """CSV rows keyed by a header of unique, named columns; every row has exactly the header's cells."""
    from detente.scenario.document import read_text

    text = read_text(path, EventDataError)
    if not text.strip():
        raise EventDataError(
            f"{path}: the {what} is empty ({'0 bytes' if not text else 'blank'}); "
            "it needs a header line and at least one row"
        )
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, [])
    header_line = reader.line_num
    names = [h.strip() for h in header]
    problems = [
        f"{path}:{header_line}: header: column {i + 1} has no name" for i, h in enumerate(names) if not h
    ]
    seen: dict[str, int] = {}
    for i, name in enumerate(names):
        if name and name in seen:
            problems.append(
                f"{path}:{header_line}: header: column {name!r} appears twice (columns {seen[name] + 1} "
                f"and {i + 1}); rename or remove one"
            )
        seen.setdefault(name, i)
    if problems:
        raise EventDataError(problems[:MAX_LISTED])
    bound = limits().events
    rows: list[dict[str, Any]] = []
    lines: list[int] = []
    for cells in reader:
        if not cells or (len(cells) == 1 and not cells[0].strip()):
            continue  # a blank line
        if len(cells) != len(names):
            n = len(rows) + 1
            problems.append(
                f"{path}: row {n} (line {reader.line_num}): has {len(cells)} cells, the header has "
                f"{len(names)} columns ("
                + ("too many; quote cells that contain commas)" if len(cells) > len(names) else "too few)")
            )
            if len(problems) >= MAX_LISTED:
                break
            rows.append({})
            lines.append(reader.line_num)
        else:
            rows.append(dict(zip(names, cells, strict=True)))
            lines.append(reader.line_num)
        if len(rows) > bound:
            raise _too_many(path, len(rows))
    if problems:
        raise EventDataError(problems)
    if not rows:
        raise EventDataError(f"{path}: the {what} has a header but no rows; give at least one row")

    def where(i: int, column: str) -> str:
        return f"{path}: row {i + 1} (line {lines[i]}): column '{column}'"

    return rows, where


def _parquet_rows(path: Path) -> list[dict[str, Any]]:
    import pyarrow.parquet as pq

    meta = pq.ParquetFile(path)
    names = meta.schema_arrow.names
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise EventDataError(
            f"{path}: column(s) {', '.join(map(repr, dupes))} appear more than once; rename or remove"
        )
    if meta.metadata.num_rows == 0:
        raise EventDataError(f"{path}: the event table has no rows; give at least one event")
    too_many = _too_many(path, meta.metadata.num_rows)
    if too_many:
        raise too_many
    return meta.read().to_pylist()


def _yaml_rows(path: Path) -> list[dict[str, Any]]:
    from detente.scenario.document import parse_yaml, read_text

    data, _ = parse_yaml(read_text(path, EventDataError), str(path), EventDataError)
    data = data.get("events", data) if isinstance(data, dict) else data
    if not isinstance(data, list) or not all(isinstance(r, dict) for r in data):
        raise EventDataError(f"{path}: expected a list of event mappings (or a mapping with 'events')")
    if not data:
        raise EventDataError(f"{path}: the event list is empty; give at least one event")
    too_many = _too_many(path, len(data))
    if too_many:
        raise too_many
    return data


def load_events(
    source: str | Path | list[Mapping[str, Any]] = "bundled",
    actors: Mapping[str, str] | None = None,
    sides: Iterable[str] = (),
) -> EventTable:
    """A validated event table from 'bundled', a CSV/Parquet/YAML path or a list of row mappings."""
    if isinstance(source, list):
        problem = over_limit("history.events", "events", len(source), "event rows")
        if problem:
            raise EventDataError(problem)
        table, problems = validate_rows(source, "history.events", actors, sides, where=_inline_where)
    else:
        path = data_path(BUNDLED_EVENTS) if str(source) == "bundled" else Path(source)
        if not path.is_file():
            raise EventDataError(f"{path}: no such event table")
        rows, where = _read_rows(path)
        parquet = path.suffix.lower() in (".parquet", ".pq")
        table, problems = validate_rows(rows, str(path), actors, sides, where=where, nan_is_empty=parquet)
    if problems:
        extra = len(problems) - MAX_LISTED
        raise EventDataError(
            problems[:MAX_LISTED] + ([f"... and {extra} more problems"] if extra > 0 else [])
        )
    assert table is not None
    return table


def _inline_where(i: int, column: str) -> str:
    return f"history.events.{i}.{column}: row {i + 1}, column '{column}'"


def _indexed_where(source: str) -> Any:
    def where(i: int, column: str) -> str:
        return f"{source}: row {i + 1}: column '{column}'"

    return where


def load_periods(source: str | Path = "bundled") -> Periods:
    """Validated labelled years (year, regime, alt_regime) from 'bundled' or a CSV path."""
    path = data_path(BUNDLED_PERIODS) if str(source) == "bundled" else Path(source)
    if not path.is_file():
        raise EventDataError(f"{path}: no such periods table")
    rows, where = _read_rows(path, "periods table")
    if where is None:
        where = _indexed_where(str(path))
    problems: list[str] = []
    years, regimes, alts, conf, notes = [], [], [], [], []
    for i, row in enumerate(rows):
        year = _parse_float(row.get("year"))
        if year is None or year != int(year) or not 1 <= year <= 9999:
            problems.append(
                f"{where(i, 'year')}: expected a year (1 to 9999), got {_text(row.get('year'))!r}"
            )
            year = None
        regime = _text(row.get("regime"))
        if regime not in LABELS:
            problems.append(f"{where(i, 'regime')}: expected one of {', '.join(LABELS)}, got {regime!r}")
        alt = _text(row.get("alt_regime"))
        if alt and alt not in LABELS:
            problems.append(
                f"{where(i, 'alt_regime')}: expected empty or one of {', '.join(LABELS)}, got {alt!r}"
            )
        years.append(int(year) if year is not None else 0)
        regimes.append(regime)
        alts.append(alt)
        conf.append(_text(row.get("confidence")))
        notes.append(_text(row.get("cooperation_note")))
    if len(set(years)) != len(years) and not problems:
        problems.append(f"{path}: column 'year': each year may be labelled once")
    if problems:
        raise EventDataError(problems[:MAX_LISTED])
    order = np.argsort(years)
    return Periods(
        source=str(path),
        year=np.array(years, dtype=int)[order],
        regime=np.array(regimes, dtype=object)[order],
        alt_regime=np.array(alts, dtype=object)[order],
        confidence=np.array(conf, dtype=object)[order],
        note=np.array(notes, dtype=object)[order],
    )
