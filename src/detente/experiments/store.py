"""The results store: one DuckDB file (experiments, design points, cells, outcomes, sweeps) + Parquet per-run tables.

Cells are content-addressed: the key hashes the canonical scenario after overrides, the point, the seed,
the runs and the package version, so a finished cell is never computed twice. Only the parent process
writes; each batch of finished points is one transaction, so a killed sweep leaves no partial rows.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import os
import socket
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from detente.errors import ExperimentError

STORE_NAME = "detente-results.duckdb"
"""File name of the default store, in detente's data folder (``report.outputs.data_home()``)."""
DEFAULT_STORE: str | Path | None = None
"""``store=`` default of the API: None means ``default_store()``, never a file in the current folder."""
SCHEMA_VERSION = "1"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS experiments(
  name TEXT PRIMARY KEY, spec_hash TEXT, spec_json TEXT, source TEXT, model TEXT, design TEXT,
  parameters TEXT, outcomes TEXT, n_rows INTEGER, n_points INTEGER, runs BIGINT, seed UBIGINT,
  package_version TEXT, created_at TIMESTAMP, updated_at TIMESTAMP);
CREATE TABLE IF NOT EXISTS design_points(
  experiment TEXT, point INTEGER, "row" INTEGER, cell TEXT, world TEXT, conditions TEXT, flags TEXT,
  values_json TEXT, unit_json TEXT, seed UBIGINT, cell_key TEXT, PRIMARY KEY(experiment, point));
CREATE TABLE IF NOT EXISTS cells(
  cell_key TEXT PRIMARY KEY, model TEXT, content_hash TEXT, point_json TEXT, world TEXT, conditions TEXT,
  seed UBIGINT, runs BIGINT, package_version TEXT, elapsed_s DOUBLE, host TEXT, pid INTEGER,
  sweep_id TEXT, finished_at TIMESTAMP, per_run_path TEXT);
CREATE TABLE IF NOT EXISTS outcomes(cell_key TEXT, outcome TEXT, value DOUBLE, PRIMARY KEY(cell_key, outcome));
CREATE TABLE IF NOT EXISTS sweeps(
  sweep_id TEXT PRIMARY KEY, experiment TEXT, command TEXT, host TEXT, executor TEXT, workers INTEGER,
  n_points INTEGER, n_cached INTEGER, n_computed INTEGER, status TEXT, started_at TIMESTAMP,
  finished_at TIMESTAMP, elapsed_s DOUBLE);
ALTER TABLE sweeps ADD COLUMN IF NOT EXISTS pid INTEGER;
ALTER TABLE sweeps ADD COLUMN IF NOT EXISTS pid_started DOUBLE;
"""
_SEED_TABLES = ("experiments", "design_points", "cells")
_DAMAGED = ("not a valid DuckDB database", "Could not read enough bytes", "Corrupt database", "checksum")


@dataclass(frozen=True)
class PointResult:
    """What a worker returns for one point (the parent writes it)."""

    point: int
    cell_key: str
    outcomes: dict[str, float]
    per_run: Any
    elapsed_s: float
    host: str
    pid: int


def damaged(path: Path, detail: str) -> str:
    """The message for a store file DuckDB cannot read, with what to do about it."""
    runs = path.with_name(path.stem + "-runs")
    return (
        f"{path}: the results store is damaged ({detail.removeprefix('IO Error: ')}); move it aside "
        f"(or delete it, and {runs.name}/ beside it) and run the sweep again to start over"
    )


def open_problem(path: Path, exc: Exception) -> str:
    """Why a store could not be opened: held by a live writer, damaged, or unreadable (one message)."""
    import re

    text = str(exc)
    if "Could not set lock" in text or "Conflicting lock" in text:
        m = re.search(r"PID (\d+)", text)
        who = describe_process(int(m.group(1))) if m else None
        if who:
            return (
                f"{path}: the results store is open for writing by {who}; a sweep may still be writing "
                "to it. Wait for it to finish (or stop it), then try again"
            )
        return f"{path}: cannot open the results store: another process holds its lock ({text})"
    if any(mark in text for mark in _DAMAGED):
        return damaged(path, text)
    return f"{path}: cannot open the results store ({text.removeprefix('IO Error: ')})"


def process_started(pid: int) -> float | None:
    """The start time of process ``pid`` (seconds since the epoch), or None if it is not running."""
    import psutil

    try:
        return float(psutil.Process(pid).create_time())
    except (psutil.Error, OSError, ValueError):
        return None


def writer_alive(host: str | None, pid: int | None, started: float | None) -> bool:
    """Whether the process that began a sweep still runs (same host, same pid, same start time)."""
    if host != socket.gethostname() or pid is None:
        return False
    now = process_started(pid)
    return now is not None and (started is None or abs(now - started) < 1.0)


def describe_process(pid: int) -> str | None:
    """'a sweep (process PID, started HH:MM:SS)' or 'process PID (command)' if it runs, else None."""
    import psutil

    try:
        proc = psutil.Process(pid)
        cmd = proc.cmdline()
        started = dt.datetime.fromtimestamp(proc.create_time()).strftime("%Y-%m-%d %H:%M:%S")
    except (psutil.Error, OSError, ValueError):
        return None
    if "sweep" in cmd:
        return f"a sweep (process {pid}, started {started})"
    return f"process {pid} ({' '.join(cmd[:6])}, started {started})"


class _Connection:
    """A DuckDB connection whose read errors on a damaged file become a clear ``ExperimentError``."""

    def __init__(self, con: Any, path: Path) -> None:
        self._con = con
        self._path = path

    def _guard(self, fn: Any, *args: Any) -> Any:
        import duckdb

        try:
            return fn(*args)
        except duckdb.Error as exc:
            if any(mark in str(exc) for mark in _DAMAGED):
                raise ExperimentError(damaged(self._path, str(exc))) from None
            raise

    def execute(self, query: str, params: Any = None) -> Any:
        return self._guard(self._con.execute, query, params or [])

    def begin(self) -> None:
        self._guard(self._con.begin)

    def commit(self) -> None:
        self._guard(self._con.commit)

    def rollback(self) -> None:
        self._con.rollback()

    def register(self, name: str, frame: Any) -> None:
        self._con.register(name, frame)

    def unregister(self, name: str) -> None:
        self._con.unregister(name)

    def close(self) -> None:
        self._con.close()


def cell_key(
    model: str,
    content: str,
    overrides: dict[str, Any],
    world: str | None,
    conditions: tuple[str, ...],
    seed: int,
    runs: int,
    version: str,
) -> str:
    """Content hash of a cell: (model, canonical content after overrides, point, seed, runs, version)."""
    payload = json.dumps(
        {
            "model": model,
            "content": content,
            "point": overrides,
            "world": world,
            "conditions": list(conditions),
            "seed": seed,
            "runs": runs,
            "version": version,
        },
        sort_keys=True,
        separators=(",", ":"),
        default=str,
    )
    return hashlib.sha256(payload.encode()).hexdigest()[:32]


def finite_or_none(value: Any) -> float | None:
    """A float, or None (stored as NULL, shown as null) for NaN, infinities and non-numbers."""
    try:
        x = float(value)
    except (TypeError, ValueError):
        return None
    return x if math.isfinite(x) else None


def default_store() -> Path:
    """The results store used when none is named: ``detente-results.duckdb`` in detente's data folder."""
    from detente.report.outputs import data_home

    return data_home() / STORE_NAME


def store_path(store: str | Path | None) -> Path:
    """``store`` as a path; None is ``default_store()``."""
    return default_store() if store is None else Path(store)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


class Store:
    """A DuckDB results store (``read_only`` for readers; a running sweep holds the write lock)."""

    def __init__(self, path: str | Path | None = DEFAULT_STORE, read_only: bool = False) -> None:
        import duckdb

        self.path = store_path(path)
        self.runs_dir = self.path.with_name(self.path.stem + "-runs")
        if self.path.is_dir():
            raise ExperimentError(f"{self.path}: is a folder, not a results store (pass --store FILE)")
        if read_only and not self.path.is_file():
            raise ExperimentError(
                f"{self.path}: no results store here (run `detente sweep` first, or pass --store)"
            )
        if not read_only and (path is None or self.path == default_store()):
            from detente.report.outputs import make_folders

            make_folders(self.path.parent, "store")
        try:
            self.con = _Connection(duckdb.connect(str(self.path), read_only=read_only), self.path)
        except duckdb.Error as exc:
            raise ExperimentError(open_problem(self.path, exc)) from None
        try:
            if not read_only:
                self.con.execute(_SCHEMA)
                self.con.execute("INSERT OR IGNORE INTO meta VALUES ('schema_version', ?)", [SCHEMA_VERSION])
                self._migrate()
                self._mark_dead_sweeps()
            elif not self._rows("SELECT 1 FROM information_schema.tables WHERE table_name = 'meta'"):
                raise ExperimentError(
                    f"{self.path}: a DuckDB file, but not a detente results store (no 'meta' table); "
                    "pass the store written by `detente sweep` (--store)"
                )
        except BaseException:
            self.con.close()
            raise

    def _migrate(self) -> None:
        """Seeds are unsigned 64-bit: widen the seed columns of stores written before that."""
        for table in _SEED_TABLES:
            kind = self._rows(
                "SELECT data_type FROM information_schema.columns WHERE table_name = ? AND column_name = 'seed'",
                [table],
            )
            if kind and kind[0][0] != "UBIGINT":
                self.con.execute(f"ALTER TABLE {table} ALTER COLUMN seed TYPE UBIGINT")

    def _mark_dead_sweeps(self) -> None:
        """Sweeps still marked ``running`` whose process is gone (e.g. SIGKILL) become ``killed``."""
        for sweep_id, host, pid, started in self._rows(
            "SELECT sweep_id, host, pid, pid_started FROM sweeps WHERE status = 'running'"
        ):
            if not writer_alive(host, pid, started):
                self.con.execute("UPDATE sweeps SET status = 'killed' WHERE sweep_id = ?", [sweep_id])

    def close(self) -> None:
        """Close the connection."""
        self.con.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _rows(self, query: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
        return self.con.execute(query, params or []).fetchall()

    def register(self, experiment: Any, design_rows: list[dict[str, Any]], summary: dict[str, Any]) -> None:
        """Record an experiment and (replacing any earlier version) its design points, in one transaction."""
        import pandas as pd

        frame = pd.DataFrame(
            design_rows,
            columns=[
                "point",
                "row",
                "cell",
                "world",
                "conditions",
                "flags",
                "values_json",
                "unit_json",
                "seed",
                "cell_key",
            ],
        )
        now = _now()
        self.con.begin()
        try:
            created = self._rows("SELECT created_at FROM experiments WHERE name = ?", [experiment.name])
            self.con.execute("DELETE FROM experiments WHERE name = ?", [experiment.name])
            self.con.execute(
                "INSERT INTO experiments VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                [
                    experiment.name,
                    experiment.spec_hash(),
                    experiment.spec_json(),
                    experiment.source,
                    experiment.spec.model,
                    experiment.spec.design.kind,
                    json.dumps(summary["parameters"]),
                    json.dumps(summary["outcomes"]),
                    summary["n_rows"],
                    len(frame),
                    experiment.spec.runs,
                    experiment.spec.seed,
                    summary["version"],
                    created[0][0] if created else now,
                    now,
                ],
            )
            self.con.execute("DELETE FROM design_points WHERE experiment = ?", [experiment.name])
            self.con.register("_new_points", frame)
            self.con.execute(
                f"INSERT INTO design_points SELECT '{_sql_str(experiment.name)}', * FROM _new_points"
            )
            self.con.unregister("_new_points")
            self.con.commit()
        except Exception:
            self.con.rollback()
            raise

    def spec_hash(self, name: str) -> str | None:
        """The stored spec hash of an experiment (None if unknown)."""
        rows = self._rows("SELECT spec_hash FROM experiments WHERE name = ?", [name])
        return rows[0][0] if rows else None

    def finished(self, keys: Iterable[str], outcomes: Iterable[str], per_run: bool) -> set[str]:
        """The keys among ``keys`` already stored with every outcome (and a per-run table if asked)."""
        import pandas as pd

        keys = list(dict.fromkeys(keys))
        names = list(outcomes)
        if not keys:
            return set()
        self.con.register("_keys", pd.DataFrame({"cell_key": keys}))
        try:
            rows = self._rows(
                "SELECT c.cell_key, c.per_run_path, count(o.outcome) FROM cells c JOIN _keys k USING (cell_key) "
                "LEFT JOIN outcomes o ON o.cell_key = c.cell_key AND list_contains(?, o.outcome) "
                "GROUP BY c.cell_key, c.per_run_path",
                [names],
            )
        finally:
            self.con.unregister("_keys")
        return {
            k
            for k, path, n in rows
            if n == len(names) and (not per_run or (path and (self.path.parent / path).is_file()))
        }

    def write(self, results: list[PointResult], sweep_id: str, meta: dict[str, dict[str, Any]]) -> None:
        """Store finished points in one transaction (per-run Parquet files are written first, atomically)."""
        import pandas as pd

        cells, outs = [], []
        for r in results:
            m = meta[r.cell_key]
            path = self._write_per_run(r) if r.per_run is not None else None
            cells.append(
                (
                    r.cell_key,
                    m["model"],
                    m["content_hash"],
                    json.dumps(m["overrides"], sort_keys=True),
                    m["world"],
                    "+".join(m["conditions"]),
                    m["seed"],
                    m["runs"],
                    m["version"],
                    r.elapsed_s,
                    r.host,
                    r.pid,
                    sweep_id,
                    _now(),
                    path,
                )
            )
            outs += [(r.cell_key, k, finite_or_none(v)) for k, v in r.outcomes.items()]
        cell_cols = [
            "cell_key",
            "model",
            "content_hash",
            "point_json",
            "world",
            "conditions",
            "seed",
            "runs",
            "package_version",
            "elapsed_s",
            "host",
            "pid",
            "sweep_id",
            "finished_at",
            "per_run_path",
        ]
        self.con.begin()
        try:
            self.con.register("_cells", pd.DataFrame(cells, columns=cell_cols))
            self.con.register("_outs", pd.DataFrame(outs, columns=["cell_key", "outcome", "value"]))
            self.con.execute("INSERT OR IGNORE INTO cells SELECT * FROM _cells")
            self.con.execute(
                "UPDATE cells SET per_run_path = n.per_run_path FROM _cells n "
                "WHERE cells.cell_key = n.cell_key AND cells.per_run_path IS NULL "
                "AND n.per_run_path IS NOT NULL"
            )
            self.con.execute("INSERT OR IGNORE INTO outcomes SELECT * FROM _outs")
            self.con.commit()
        except Exception:
            self.con.rollback()
            raise
        finally:
            self.con.unregister("_cells")
            self.con.unregister("_outs")

    def _write_per_run(self, r: PointResult) -> str:
        rel = Path(self.runs_dir.name) / r.cell_key[:2] / f"{r.cell_key}.parquet"
        target = self.path.parent / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_suffix(f".tmp{os.getpid()}")
        r.per_run.to_parquet(tmp, index=False)
        os.replace(tmp, target)
        return rel.as_posix()

    def begin_sweep(
        self, experiment: str, command: str, executor: str, workers: int, n_points: int, n_cached: int
    ) -> str:
        """Record the start of a sweep; returns its id."""
        sweep_id = uuid.uuid4().hex[:16]
        self.con.execute(
            "INSERT INTO sweeps (sweep_id, experiment, command, host, executor, workers, n_points, n_cached, "
            "n_computed, status, started_at, finished_at, elapsed_s, pid, pid_started) "
            "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            [
                sweep_id,
                experiment,
                command,
                socket.gethostname(),
                executor,
                workers,
                n_points,
                n_cached,
                0,
                "running",
                _now(),
                None,
                None,
                os.getpid(),
                process_started(os.getpid()),
            ],
        )
        return sweep_id

    def end_sweep(self, sweep_id: str, status: str, n_computed: int, elapsed_s: float) -> None:
        """Record how a sweep ended."""
        self.con.execute(
            "UPDATE sweeps SET status = ?, n_computed = ?, finished_at = ?, elapsed_s = ? WHERE sweep_id = ?",
            [status, n_computed, _now(), elapsed_s, sweep_id],
        )

    def experiments(self) -> Any:
        """Experiments in the store with their progress (pandas DataFrame)."""
        return self.con.execute(
            "SELECT e.name, e.model, e.design, e.n_points AS points, "
            "(SELECT count(*) FROM design_points d JOIN cells c USING (cell_key) WHERE d.experiment = e.name) "
            "AS done, e.runs, e.seed, e.package_version AS version, e.updated_at, "
            "(SELECT max(finished_at) FROM sweeps s WHERE s.experiment = e.name) AS last_sweep "
            "FROM experiments e ORDER BY e.name"
        ).df()

    def sweeps(self, name: str | None = None) -> Any:
        """The sweep log (command, host, executor, timings), newest first."""
        import pandas as pd

        where = "WHERE experiment = ?" if name else ""
        frame = self.con.execute(
            f"SELECT * FROM sweeps {where} ORDER BY started_at DESC", [name] if name else []
        ).df()
        for i, row in frame[frame["status"] == "running"].iterrows():
            pid = None if pd.isna(row["pid"]) else int(row["pid"])
            started = None if pd.isna(row["pid_started"]) else float(row["pid_started"])
            if not writer_alive(row["host"], pid, started):
                frame.loc[i, "status"] = "killed"
        return frame.drop(columns=["pid_started"])

    def experiment_record(self, name: str) -> dict[str, Any]:
        """The stored record of an experiment (its spec, parameters, outcomes); unknown names list the known."""
        rows = self.con.execute("SELECT * FROM experiments WHERE name = ?", [name]).df()
        if rows.empty:
            known = (
                ", ".join(r[0] for r in self._rows("SELECT name FROM experiments ORDER BY name")) or "none"
            )
            raise ExperimentError(f"{self.path}: no experiment {name!r} in the store (stored: {known})")
        rec = rows.iloc[0].to_dict()
        rec["parameters"] = json.loads(rec["parameters"])
        rec["outcomes"] = json.loads(rec["outcomes"])
        rec["spec"] = json.loads(rec["spec_json"])
        return rec

    def results(self, name: str, complete: bool = True, unit: bool = False) -> Any:
        """One row per point: point, row, cell, world, conditions, flags, parameters, outcomes (pandas)."""
        import pandas as pd

        rec = self.experiment_record(name)
        points = self.con.execute(
            "SELECT d.point, d.row, d.cell, d.world, d.conditions, d.flags, d.values_json, d.unit_json, d.seed, "
            "d.cell_key, c.runs, c.elapsed_s, c.cell_key IS NOT NULL AS done FROM design_points d "
            "LEFT JOIN cells c USING (cell_key) WHERE d.experiment = ? ORDER BY d.point",
            [name],
        ).df()
        outs = self.con.execute(
            "SELECT o.cell_key, o.outcome, o.value FROM outcomes o WHERE o.cell_key IN "
            "(SELECT cell_key FROM design_points WHERE experiment = ?)",
            [name],
        ).df()
        if complete:
            points = points[points["done"]].reset_index(drop=True)
        params = rec["parameters"]
        values = pd.DataFrame([json.loads(v) for v in points["values_json"]], columns=params)
        flags = pd.DataFrame([dict(json.loads(f)) for f in points["flags"]], index=points.index)
        frame = pd.concat(
            [points[["point", "row", "cell", "world", "conditions"]], flags.astype(bool), values], axis=1
        )
        if unit:
            u = pd.DataFrame([json.loads(v) for v in points["unit_json"]], columns=[f"u_{p}" for p in params])
            frame = pd.concat([frame, u], axis=1)
        wide = (
            outs.pivot(index="cell_key", columns="outcome", values="value") if len(outs) else pd.DataFrame()
        )
        for o in rec["outcomes"]:
            frame[o] = points["cell_key"].map(wide[o]) if o in wide.columns else float("nan")
        for col in ("seed", "runs", "cell_key", "elapsed_s"):
            frame[col] = points[col].to_numpy()
        return frame

    def per_run(self, name: str, points: Iterable[int] | None = None) -> Any:
        """Per-run tables of an experiment's points (Parquet), with a ``point`` column (pandas)."""
        import pandas as pd

        wanted = None if points is None else set(points)
        rows = [(pt, path) for pt, path in self._per_run_rows(name) if wanted is None or pt in wanted]
        gone = [(pt, path) for pt, path in rows if not (self.path.parent / path).is_file()]
        if gone:
            raise ExperimentError(missing_message(name, gone))
        frames = [pd.read_parquet(self.path.parent / path).assign(point=pt) for pt, path in rows]
        if not frames:
            raise ExperimentError(
                f"{name}: no per-run tables stored (set per_run: true in the experiment file)"
            )
        return pd.concat(frames, ignore_index=True)

    def missing_per_run(self, name: str) -> list[tuple[int, str]]:
        """(point, file) of every per-run Parquet file the store records but the disk lacks."""
        return [
            (pt, path) for pt, path in self._per_run_rows(name) if not (self.path.parent / path).is_file()
        ]

    def _per_run_rows(self, name: str) -> list[tuple[int, str]]:
        return [
            (int(pt), str(path))
            for pt, path in self._rows(
                "SELECT d.point, c.per_run_path FROM design_points d JOIN cells c USING (cell_key) "
                "WHERE d.experiment = ? AND c.per_run_path IS NOT NULL ORDER BY d.point",
                [name],
            )
        ]


def missing_message(name: str, gone: list[tuple[int, str]]) -> str:
    """One line naming the missing per-run files and how to recompute them."""
    shown = ", ".join(f"point {pt} ({path})" for pt, path in gone[:3])
    more = f" and {len(gone) - 3} more" if len(gone) > 3 else ""
    return (
        f"{name}: {len(gone)} per-run table file(s) are missing: {shown}{more}; "
        f"`detente sweep FILE --resume` recomputes them"
    )


def _sql_str(text: str) -> str:
    return text.replace("'", "''")


def load_results(
    name: str, store: str | Path | None = DEFAULT_STORE, frame: str = "pandas", complete: bool = True
) -> Any:
    """Stored results of an experiment as a pandas (default) or polars DataFrame; nothing is re-run.

    ``detente.experiments.results.sweep_results`` gives the same as an object with a plot and a repr.
    """
    with Store(store, read_only=True) as st:
        out = st.results(name, complete=complete)
    if frame == "polars":
        import polars as pl

        return pl.from_pandas(out)
    return out


def load_per_run(
    name: str, store: str | Path | None = DEFAULT_STORE, points: Iterable[int] | None = None
) -> Any:
    """Stored per-run tables of an experiment (pandas)."""
    with Store(store, read_only=True) as st:
        return st.per_run(name, points)


def hostname() -> str:
    """This machine's host name (recorded with each cell)."""
    return socket.gethostname()
