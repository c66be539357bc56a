"""The results store: one DuckDB file (experiments, design points, cells, outcomes, sweeps) + Parquet per-run tables.

Cells are content-addressed: the key hashes the canonical scenario after overrides, the point, the seed,
the runs and the package version, so a finished cell is never computed twice. Only the parent process
writes; each batch of finished points is one transaction, so a killed sweep leaves no partial rows.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import socket
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from detente.errors import ExperimentError

DEFAULT_STORE = "detente-results.duckdb"
SCHEMA_VERSION = "1"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS experiments(
  name TEXT PRIMARY KEY, spec_hash TEXT, spec_json TEXT, source TEXT, model TEXT, design TEXT,
  parameters TEXT, outcomes TEXT, n_rows INTEGER, n_points INTEGER, runs BIGINT, seed BIGINT,
  package_version TEXT, created_at TIMESTAMP, updated_at TIMESTAMP);
CREATE TABLE IF NOT EXISTS design_points(
  experiment TEXT, point INTEGER, "row" INTEGER, cell TEXT, world TEXT, conditions TEXT, flags TEXT,
  values_json TEXT, unit_json TEXT, seed BIGINT, cell_key TEXT, PRIMARY KEY(experiment, point));
CREATE TABLE IF NOT EXISTS cells(
  cell_key TEXT PRIMARY KEY, model TEXT, content_hash TEXT, point_json TEXT, world TEXT, conditions TEXT,
  seed BIGINT, runs BIGINT, package_version TEXT, elapsed_s DOUBLE, host TEXT, pid INTEGER,
  sweep_id TEXT, finished_at TIMESTAMP, per_run_path TEXT);
CREATE TABLE IF NOT EXISTS outcomes(cell_key TEXT, outcome TEXT, value DOUBLE, PRIMARY KEY(cell_key, outcome));
CREATE TABLE IF NOT EXISTS sweeps(
  sweep_id TEXT PRIMARY KEY, experiment TEXT, command TEXT, host TEXT, executor TEXT, workers INTEGER,
  n_points INTEGER, n_cached INTEGER, n_computed INTEGER, status TEXT, started_at TIMESTAMP,
  finished_at TIMESTAMP, elapsed_s DOUBLE);
"""


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


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


class Store:
    """A DuckDB results store (``read_only`` for readers; a running sweep holds the write lock)."""

    def __init__(self, path: str | Path = DEFAULT_STORE, read_only: bool = False) -> None:
        import duckdb

        self.path = Path(path)
        self.runs_dir = self.path.with_name(self.path.stem + "-runs")
        if read_only and not self.path.is_file():
            raise ExperimentError(
                f"{self.path}: no results store here (run `detente sweep` first, or pass --store)"
            )
        try:
            self.con = duckdb.connect(str(self.path), read_only=read_only)
        except duckdb.IOException as exc:
            raise ExperimentError(
                f"{self.path}: cannot open the results store ({exc}); is a sweep still writing to it?"
            ) from None
        if not read_only:
            self.con.execute(_SCHEMA)
            self.con.execute("INSERT OR IGNORE INTO meta VALUES ('schema_version', ?)", [SCHEMA_VERSION])

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
            outs += [(r.cell_key, k, float(v)) for k, v in r.outcomes.items()]
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
            "INSERT INTO sweeps VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
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
        where = "WHERE experiment = ?" if name else ""
        return self.con.execute(
            f"SELECT * FROM sweeps {where} ORDER BY started_at DESC", [name] if name else []
        ).df()

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

        rows = self._rows(
            "SELECT d.point, c.per_run_path FROM design_points d JOIN cells c USING (cell_key) "
            "WHERE d.experiment = ? AND c.per_run_path IS NOT NULL ORDER BY d.point",
            [name],
        )
        wanted = None if points is None else set(points)
        frames = []
        for point, path in rows:
            if wanted is None or point in wanted:
                frames.append(pd.read_parquet(self.path.parent / path).assign(point=point))
        if not frames:
            raise ExperimentError(
                f"{name}: no per-run tables stored (set per_run: true in the experiment file)"
            )
        return pd.concat(frames, ignore_index=True)


def _sql_str(text: str) -> str:
    return text.replace("'", "''")


def load_results(
    name: str, store: str | Path = DEFAULT_STORE, frame: str = "pandas", complete: bool = True
) -> Any:
    """Stored results of an experiment as a pandas (default) or polars DataFrame; nothing is re-run."""
    with Store(store, read_only=True) as st:
        out = st.results(name, complete=complete)
    if frame == "polars":
        import polars as pl

        return pl.from_pandas(out)
    return out


def load_per_run(name: str, store: str | Path = DEFAULT_STORE, points: Iterable[int] | None = None) -> Any:
    """Stored per-run tables of an experiment (pandas)."""
    with Store(store, read_only=True) as st:
        return st.per_run(name, points)


def hostname() -> str:
    """This machine's host name (recorded with each cell)."""
    return socket.gethostname()
