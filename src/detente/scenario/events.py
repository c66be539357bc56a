"""Event rows: validate cells (dates, actor codes, kinds, Goldstein, valence, likelihood ratios) into a table.

Validation of event data lives here, below the scenario schema (which checks inline ``history.events``
rows with it); ``detente.history.events`` reads files and hands their rows to ``validate_rows``. Every
bad cell becomes one problem naming the row and the column; NaN, ±inf and booleans are not numbers.
"""

from __future__ import annotations

import csv
import datetime as _dt
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

KINDS = frozenset(
    {
        "agree",
        "cooperate",
        "aid",
        "consult",
        "endorse",
        "support",
        "yield",
        "concede",
        "retreat",
        "investigate",
        "demand",
        "accuse",
        "disapprove",
        "reject",
        "threaten",
        "protest",
        "sanction",
        "mobilize",
        "coerce",
        "assault",
        "fight",
    }
)
"""PLOVER top-level categories (README and 2021 versions) plus the record's brief kinds (endorse, yield)."""

REQUIRED = ("date", "actor", "target", "kind")
BOTH = "both"
"""An ``observer`` cell naming both sides: the act is evidence to each (a treaty both signed)."""
VALENCE_COLUMNS = ("dyad_valence", "valence")
MAX_LISTED = 50
"""At most this many problems are listed (then '... and N more')."""


def data_path(name: str) -> Path:
    """Path of a file shipped in ``detente/data``."""
    return Path(str(resources.files("detente.data").joinpath(name)))


@lru_cache(maxsize=1)
def known_codes() -> frozenset[str]:
    """Actor codes accepted without a mapping: ISO 3166-1 alpha-3 and the record's group codes."""
    with data_path("actor_codes.csv").open(encoding="utf-8", newline="") as f:
        return frozenset(row["code"] for row in csv.DictReader(f))


@dataclass(frozen=True, eq=False)
class EventTable:
    """A validated event table as column arrays (row i of every array is event i, in file order)."""

    source: str
    date: np.ndarray  # datetime64[D]
    actor: np.ndarray  # str
    target: np.ndarray  # str
    kind: np.ndarray  # str
    goldstein: np.ndarray  # float, nan where absent (explicit lr)
    valence: np.ndarray  # int8, 0 where absent
    lr: np.ndarray  # float, nan where not given
    observer: np.ndarray  # str: a side, 'both', or '' (then the attribution rule decides)
    cameo: np.ndarray  # str
    issue: np.ndarray  # str
    description: np.ndarray  # str
    event_id: np.ndarray  # str
    in_seed: np.ndarray  # bool

    def __len__(self) -> int:
        return len(self.date)

    def to_pandas(self) -> Any:
        """The table as a pandas DataFrame."""
        import pandas as pd

        cols = (
            "date",
            "actor",
            "target",
            "kind",
            "goldstein",
            "valence",
            "lr",
            "observer",
            "cameo",
            "issue",
            "description",
            "event_id",
            "in_seed",
        )
        return pd.DataFrame({c: getattr(self, c) for c in cols})


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and math.isnan(value):
        return ""
    return str(value).strip()


def _cell(value: Any) -> str:
    """A cell as shown in messages (NaN and ±inf as written, not as empty)."""
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    text = _text(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _parse_date(value: Any) -> np.datetime64 | None:
    if isinstance(value, _dt.datetime):
        value = value.date()
    if isinstance(value, _dt.date):
        return np.datetime64(value.isoformat(), "D")
    text = _text(value)
    try:
        if len(text) == 7:
            return np.datetime64(_dt.date.fromisoformat(text + "-01").isoformat(), "D")
        if len(text) == 10:
            return np.datetime64(_dt.date.fromisoformat(text).isoformat(), "D")
    except ValueError:
        return None
    return None


def _parse_float(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    try:
        out = float(_text(value))
    except ValueError:
        return None
    return out if math.isfinite(out) else None


def _parse_bool(value: Any) -> bool:
    return _text(value).lower() in {"true", "1", "yes", "y", "t"}


def validate_rows(
    rows: Iterable[Mapping[str, Any]],
    source: str,
    actors: Mapping[str, str] | None = None,
    sides: Iterable[str] = (),
    where: Any = None,
    nan_is_empty: bool = False,
) -> tuple[EventTable | None, list[str]]:
    """Validate rows into an ``EventTable``; returns (table or None, problems).

    ``where(i, column)`` names a cell in messages (default: 'row i+1 (line i+2)' of a CSV file).
    An actor/target/observer code is valid if ``actors`` maps it, it is a side id, or a known code.
    A NaN in a numeric column is refused, unless ``nan_is_empty`` (Parquet written by pandas marks
    missing numbers with NaN).
    """

    def number_text(value: Any) -> str:
        if isinstance(value, float) and math.isnan(value):
            return "" if nan_is_empty else "nan"
        return _text(value)

    actors = dict(actors or {})
    side_ids = set(sides)
    known = known_codes() | set(actors) | side_ids
    if where is None:

        def where(i: int, column: str) -> str:
            return f"{source}: row {i + 1} (line {i + 2}): column '{column}'"

    problems: list[str] = []
    cols: dict[str, list[Any]] = {k: [] for k in EventTable.__dataclass_fields__ if k != "source"}
    rows = list(rows)
    bad = [i for i, r in enumerate(rows) if not isinstance(r, Mapping)]
    if bad:
        return None, [
            f"{source}: row {i + 1}: expected a mapping of column to value, got {type(rows[i]).__name__}"
            for i in bad[:MAX_LISTED]
        ]
    if rows:
        present = set().union(*(r.keys() for r in rows))
        missing = [c for c in REQUIRED if c not in present]
        if not any(c in present for c in VALENCE_COLUMNS) and "lr" not in present:
            missing.append("dyad_valence")
        if "goldstein" not in present and "lr" not in present:
            missing.append("goldstein")
        if missing:
            return None, [
                f"{source}: missing column(s) {', '.join(missing)}; an event table needs "
                f"date, actor, target, kind, goldstein, dyad_valence (or lr)"
            ]
    for i, row in enumerate(rows):
        date = _parse_date(row.get("date"))
        if date is None:
            problems.append(f"{where(i, 'date')}: expected a date YYYY-MM-DD, got {_text(row.get('date'))!r}")
        codes = {}
        for col in ("actor", "target"):
            code = _text(row.get(col))
            codes[col] = code
            if not code:
                problems.append(f"{where(i, col)}: required, got an empty value")
            elif code not in known:
                problems.append(
                    f"{where(i, col)}: unknown actor code {code!r}; map it to a side under history.actors "
                    f"(mapped: {', '.join(sorted(actors)) or 'none'}) or use an ISO-3 or group code"
                )
        kind = _text(row.get("kind")).lower()
        if kind not in KINDS:
            problems.append(
                f"{where(i, 'kind')}: unknown kind {_text(row.get('kind'))!r}; expected one of {', '.join(sorted(KINDS))}"
            )
        lr_text = number_text(row.get("lr"))
        lr = math.nan
        if lr_text:
            parsed = _parse_float(lr_text)
            if parsed is None or parsed <= 0:
                problems.append(
                    f"{where(i, 'lr')}: expected a positive, finite likelihood ratio, got {_cell(row.get('lr'))!r}"
                )
            else:
                lr = parsed
        g_text = number_text(row.get("goldstein"))
        g = math.nan
        if g_text or not lr_text:
            parsed = _parse_float(g_text)
            if parsed is None or not -10.0 <= parsed <= 10.0:
                problems.append(
                    f"{where(i, 'goldstein')}: expected a number in -10..10, got {_cell(row.get('goldstein'))!r}"
                )
            else:
                g = parsed
        vcol = next((c for c in VALENCE_COLUMNS if c in row), VALENCE_COLUMNS[0])
        v_text = number_text(row.get(vcol))
        valence = 0
        if v_text or not lr_text:
            parsed = _parse_float(v_text)
            if parsed is None or parsed not in (-1.0, 0.0, 1.0):
                problems.append(f"{where(i, vcol)}: expected -1, 0 or +1, got {_cell(row.get(vcol))!r}")
            else:
                valence = int(parsed)
        observer = _text(row.get("observer"))
        if observer and observer != BOTH and observer not in side_ids and observer not in actors:
            problems.append(
                f"{where(i, 'observer')}: {observer!r} is neither a side ({', '.join(sorted(side_ids))}), "
                f"'{BOTH}' nor a mapped actor code"
            )
        cols["date"].append(date)
        cols["actor"].append(codes["actor"])
        cols["target"].append(codes["target"])
        cols["kind"].append(kind)
        cols["goldstein"].append(g)
        cols["valence"].append(valence)
        cols["lr"].append(lr)
        cols["observer"].append(observer)
        cols["cameo"].append(_text(row.get("cameo")))
        cols["issue"].append(_text(row.get("issue")))
        cols["description"].append(_text(row.get("description") or row.get("label")))
        cols["event_id"].append(_text(row.get("event_id")) or f"row{i + 1}")
        cols["in_seed"].append(_parse_bool(row.get("in_seed")))
    if problems:
        return None, problems
    table = EventTable(
        source=source,
        date=np.array(cols["date"], dtype="datetime64[D]"),
        actor=np.array(cols["actor"], dtype=object),
        target=np.array(cols["target"], dtype=object),
        kind=np.array(cols["kind"], dtype=object),
        goldstein=np.array(cols["goldstein"], dtype=float),
        valence=np.array(cols["valence"], dtype=np.int8),
        lr=np.array(cols["lr"], dtype=float),
        observer=np.array(cols["observer"], dtype=object),
        cameo=np.array(cols["cameo"], dtype=object),
        issue=np.array(cols["issue"], dtype=object),
        description=np.array(cols["description"], dtype=object),
        event_id=np.array(cols["event_id"], dtype=object),
        in_seed=np.array(cols["in_seed"], dtype=bool),
    )
    return table, []
