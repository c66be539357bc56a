"""Run an experiment: build points, skip finished cells, evaluate the rest in chunks, store as they finish.

Work units are pure functions of (base, points, seeds), so results are bit-identical whatever the
executor (in-process, a local process pool, Dask) and the chunking. Only this (parent) process writes
to the store; workers return results. No global multiprocessing setting is changed: the pool uses a
local ``spawn`` context.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from detente.errors import DetenteError, ExperimentError
from detente.experiments.design import build_design, point_seed
from detente.experiments.models import get_model
from detente.experiments.spec import Experiment, Outcome
from detente.experiments.store import DEFAULT_STORE, PointResult, Store, cell_key, hostname, store_path
from detente.limits import over_limit


@dataclass(frozen=True)
class Task:
    """One point to evaluate."""

    point: int
    cell_key: str
    overrides: dict[str, Any]
    world: str | None
    conditions: tuple[str, ...]
    seed: int
    runs: int


@dataclass(frozen=True)
class Job:
    """A chunk of points: the unit of work sent to an executor."""

    model: str
    base: Any
    outcomes: tuple[Outcome, ...]
    per_run: bool
    tasks: tuple[Task, ...]


def run_job(job: Job) -> list[PointResult]:
    """Evaluate every point of a job (runs in a worker; pure apart from timings)."""
    model = get_model(job.model)
    host, pid = hostname(), os.getpid()
    out = []
    for t in job.tasks:
        start = time.perf_counter()
        try:
            values, frame = model.evaluate(
                job.base, t.overrides, t.world, t.conditions, t.seed, t.runs, job.outcomes, job.per_run
            )
        except KeyError as exc:
            raise ExperimentError(f"outcomes: the model has no {exc.args[0]}") from None
        out.append(PointResult(t.point, t.cell_key, values, frame, time.perf_counter() - start, host, pid))
    return out


# --- executors --------------------------------------------------------------------------------------


class InProcess:
    """Evaluate jobs one after another in this process (no pool start-up)."""

    name = "in-process"
    workers = 1

    def run(self, fn: Callable[[Job], Any], jobs: Iterable[Job]) -> Iterator[Any]:
        for job in jobs:
            yield fn(job)

    def close(self) -> None:
        pass


class ProcessPool:
    """A local pool of ``workers`` processes started with a local ``spawn`` context."""

    name = "process-pool"

    def __init__(self, workers: int) -> None:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        self.workers = workers
        self.pool = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"))

    def run(self, fn: Callable[[Job], Any], jobs: Iterable[Job]) -> Iterator[Any]:
        from concurrent.futures import FIRST_COMPLETED, wait

        pending: set[Any] = set()
        it = iter(jobs)
        for job in it:
            pending.add(self.pool.submit(fn, job))
            if len(pending) >= 2 * self.workers:
                break
        while pending:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for fut in done:
                yield fut.result()
                nxt = next(it, None)
                if nxt is not None:
                    pending.add(self.pool.submit(fn, nxt))

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)


class DaskExecutor:
    """Dask distributed: an existing scheduler (``tcp://host:port``) or a LocalCluster on 127.0.0.1."""

    def __init__(self, scheduler: str | None = None, local_workers: int | None = None) -> None:
        import logging

        from distributed import Client, LocalCluster

        self.cluster = None
        if scheduler:
            self.name = f"dask {scheduler}"
            try:
                self.client = Client(scheduler, timeout="10s")
            except OSError as exc:
                raise ExperimentError(
                    f"--scheduler: cannot reach the Dask scheduler at {scheduler} ({exc})"
                ) from None
        else:
            self.name = f"dask local ({local_workers} workers)"
            self.cluster = LocalCluster(
                n_workers=local_workers,
                threads_per_worker=1,
                processes=True,
                host="127.0.0.1",
                dashboard_address=None,
                silence_logs=logging.ERROR,
            )
            self.client = Client(self.cluster)
        self.workers = max(
            1, len(self.client.scheduler_info(n_workers=-1).get("workers", {})) or (local_workers or 1)
        )

    def run(self, fn: Callable[[Job], Any], jobs: Iterable[Job]) -> Iterator[Any]:
        from distributed import as_completed

        it = iter(jobs)
        first = [self.client.submit(fn, job, pure=False) for job in _take(it, 2 * self.workers)]
        ac = as_completed(first)
        for fut in ac:
            result = fut.result()
            fut.release()
            nxt = next(it, None)
            if nxt is not None:
                ac.add(self.client.submit(fn, nxt, pure=False))
            yield result

    def close(self) -> None:
        self.client.close()
        if self.cluster is not None:
            self.cluster.close()


class Threads:
    """A pool of ``workers`` threads in this process: for work that releases the GIL (the compiled kernel)."""

    name = "threads"

    def __init__(self, workers: int) -> None:
        from concurrent.futures import ThreadPoolExecutor

        self.workers = workers
        self.pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="detente-cell")

    def run(self, fn: Callable[[Any], Any], jobs: Iterable[Any]) -> Iterator[Any]:
        return self.pool.map(fn, jobs)

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)


def _take(it: Iterator[Job], n: int) -> list[Job]:
    out = []
    for job in it:
        out.append(job)
        if len(out) >= n:
            break
    return out


def make_executor(workers: int = 1, scheduler: str | None = None, dask_local: int | None = None) -> Any:
    """The executor for the flags: ``--scheduler`` / ``--dask-local N`` (Dask), ``--workers N`` (pool), else in-process."""
    if scheduler and dask_local:
        raise ExperimentError("give either --scheduler or --dask-local, not both")
    if workers < 1 or (dask_local is not None and dask_local < 1):
        raise ExperimentError("--workers and --dask-local need a number >= 1")
    for flag, n in (("--workers", workers), ("--dask-local", dask_local)):
        problem = None if n is None else over_limit(flag, "workers", n, "worker processes")
        if problem:
            raise ExperimentError(problem)
    if scheduler or dask_local:
        return DaskExecutor(scheduler, dask_local)
    return ProcessPool(workers) if workers > 1 else InProcess()


# --- sweeps -----------------------------------------------------------------------------------------


@dataclass(repr=False)
class SweepReport:
    """What a sweep did (``results()`` reads back what it stored)."""

    experiment: str
    store: str
    sweep_id: str
    points: int
    cached: int
    computed: int = 0
    runs: int = 0
    elapsed_s: float = 0.0
    executor: str = "in-process"
    status: str = "running"
    extra: dict[str, Any] = field(default_factory=dict)

    def __repr__(self) -> str:
        return (
            f"<SweepReport {self.experiment}: {self.status}, {self.points} points ({self.cached} cached, "
            f"{self.computed} computed), {self.runs:,} runs in {self.elapsed_s:.1f} s with {self.executor}; "
            f"store {self.store}>"
        )

    def results(self) -> Any:
        """The experiment's stored results (``ExperimentResults``: tables, plot), read from the store."""
        from detente.experiments.results import sweep_results

        return sweep_results(self.experiment, self.store)

    def as_dict(self) -> dict[str, Any]:
        """Plain mapping (for ``--json``)."""
        return {
            k: getattr(self, k)
            for k in (
                "experiment",
                "store",
                "sweep_id",
                "points",
                "cached",
                "computed",
                "runs",
                "elapsed_s",
                "executor",
                "status",
            )
        }


Progress = Callable[[int, int, int], None]
"""progress(points_done, points_total, runs_done) — called after each stored chunk."""


@dataclass
class Plan:
    """What a sweep will evaluate: the model base, tasks, design rows for the store and per-key metadata."""

    base: Any
    summary: dict[str, Any]
    tasks: list[Task]
    rows: list[dict[str, Any]]
    meta: dict[str, dict[str, Any]]


def plan(experiment: Experiment) -> Plan:
    """Model base, design, tasks, design rows for the store and per-key metadata (no evaluation)."""
    import detente

    spec = experiment.spec
    model = get_model(spec.model)
    base = model.prepare(experiment)
    problems = model.check(experiment, base)
    if problems:
        raise ExperimentError(problems)
    design = build_design(experiment)
    paths = {p.label: p.paths for p in spec.parameters}
    version = detente.__version__
    tasks, rows, meta = [], [], {}
    for pt in design.points():
        overrides = {path: v for k, v in pt.values.items() for path in paths[k]}
        seed = point_seed(experiment, pt)
        try:
            content = model.content(base, overrides, pt.cell.world, pt.cell.conditions)
        except DetenteError as exc:  # a point outside the scenario's validity
            problems = exc.problems
            raise ExperimentError(
                [f"{experiment.where('parameters')}: point {pt.point} ({pt.values}): {p}" for p in problems]
            ) from None
        key = cell_key(
            spec.model, content, overrides, pt.cell.world, pt.cell.conditions, seed, spec.runs, version
        )
        tasks.append(Task(pt.point, key, overrides, pt.cell.world, pt.cell.conditions, seed, spec.runs))
        rows.append(
            {
                "point": pt.point,
                "row": pt.row,
                "cell": pt.cell.label,
                "world": pt.cell.world,
                "conditions": "+".join(pt.cell.conditions),
                "flags": json.dumps(pt.cell.flags),
                "values_json": json.dumps(pt.values),
                "unit_json": json.dumps(pt.unit),
                "seed": seed,
                "cell_key": key,
            }
        )
        meta[key] = {
            "model": spec.model,
            "content_hash": hashlib.sha256(content.encode()).hexdigest()[:16],
            "overrides": overrides,
            "world": pt.cell.world,
            "conditions": pt.cell.conditions,
            "seed": seed,
            "runs": spec.runs,
            "version": version,
        }
    summary = {
        "parameters": list(design.names),
        "outcomes": [o.name for o in spec.outcome_specs],
        "n_rows": design.n_rows,
        "version": version,
    }
    return Plan(base, summary, tasks, rows, meta)


def chunk_size(n_todo: int, runs: int, workers: int) -> int:
    """Points per job: enough jobs to balance workers and move the progress bar, few enough to amortise."""
    return max(1, min(math.ceil(n_todo / (4 * workers)), math.ceil(n_todo / 20), max(1, 20_000 // runs), 256))


def sweep(
    experiment: Experiment,
    store: str | Path | None = DEFAULT_STORE,
    executor: Any = None,
    resume: bool = False,
    chunk_points: int | None = None,
    progress: Progress | None = None,
    command: str | None = None,
) -> SweepReport:
    """Evaluate every missing point of ``experiment`` and store it; finished cells are cache hits.

    ``store`` defaults to detente's own store (``store.default_store()``), never the current folder.
    """
    store = store_path(store)
    work = plan(experiment)
    if resume:
        check_resumable(experiment, store)
    start = time.perf_counter()
    created = not Path(store).exists()
    try:
        report = _sweep(
            experiment, work, store, executor or InProcess(), chunk_points, progress, command, start
        )
    except DetenteError as exc:
        if created and _unfilled(Path(store)):
            _remove_store(Path(store))
        raise ExperimentError(_name_outcomes(experiment, exc.problems)) from None
    return report


def check_resumable(experiment: Experiment, store: str | Path | None) -> None:
    """Refuse ``--resume`` unless the store holds this experiment with the same spec (opens it read-only)."""
    store = store_path(store)
    if not store.is_file():
        raise ExperimentError(f"--resume: no results store at {store}; nothing to resume")
    with Store(store, read_only=True) as st:
        stored = st.spec_hash(experiment.name)
    if stored is None:
        raise ExperimentError(
            f"--resume: experiment {experiment.name!r} is not in {store}; nothing to resume"
        )
    if stored != experiment.spec_hash():
        raise ExperimentError(
            f"--resume: the experiment file of {experiment.name!r} changed since the "
            "stored sweep; run without --resume to sweep the new design"
        )


def _name_outcomes(experiment: Experiment, problems: list[str]) -> list[str]:
    """Point an outcome the model lacks at its line in the file."""
    return [
        f"{experiment.where('outcomes')}: {p.removeprefix('outcomes: ')}" if p.startswith("outcomes: ") else p
        for p in problems
    ]


def _unfilled(path: Path) -> bool:
    """Whether a store holds no finished cell (so removing it loses nothing)."""
    try:
        with Store(path, read_only=True) as st:
            return not st.con.execute("SELECT count(*) FROM cells").fetchone()[0]
    except DetenteError:
        return False


def _remove_store(path: Path) -> None:
    """Remove a store this sweep created but never filled (a refused experiment leaves nothing behind)."""
    import shutil

    for leftover in (path, path.with_name(path.name + ".wal")):
        leftover.unlink(missing_ok=True)
    runs = path.with_name(path.stem + "-runs")
    if runs.is_dir():
        shutil.rmtree(runs, ignore_errors=True)


def _sweep(
    experiment: Experiment,
    work: Plan,
    store: str | Path,
    executor: Any,
    chunk_points: int | None,
    progress: Progress | None,
    command: str | None,
    start: float,
) -> SweepReport:
    spec, tasks, meta = experiment.spec, work.tasks, work.meta
    with Store(store) as st:
        st.register(experiment, work.rows, work.summary)
        outcome_names = [o.name for o in spec.outcome_specs]
        done = st.finished((t.cell_key for t in tasks), outcome_names, spec.per_run)
        todo, seen = [], set(done)
        for t in tasks:
            if t.cell_key not in seen:
                seen.add(t.cell_key)
                todo.append(t)
        unique = len({t.cell_key for t in tasks})
        report = SweepReport(
            experiment.name, str(store), "", len(tasks), unique - len(todo), executor=executor.name
        )
        report.sweep_id = st.begin_sweep(
            experiment.name,
            command or " ".join(sys.argv),
            executor.name,
            executor.workers,
            len(tasks),
            report.cached,
        )
        size = chunk_points or chunk_size(len(todo), spec.runs, executor.workers)
        jobs = (
            Job(spec.model, work.base, spec.outcome_specs, spec.per_run, tuple(todo[i : i + size]))
            for i in range(0, len(todo), size)
        )
        if progress:
            progress(report.cached, unique, 0)
        try:
            for results in executor.run(run_job, jobs):
                st.write(results, report.sweep_id, meta)
                report.computed += len(results)
                report.runs += len(results) * spec.runs
                if progress:
                    progress(report.cached + report.computed, unique, report.runs)
            report.status = "finished"
        except KeyboardInterrupt:
            report.status = "interrupted"
            raise
        except BaseException:
            report.status = "failed"
            raise
        finally:
            report.elapsed_s = time.perf_counter() - start
            st.end_sweep(report.sweep_id, report.status, report.computed, report.elapsed_s)
    return report


# --- cells of one scenario (the factorial of `detente run`) -------------------------------------------


def evaluate_cells(
    scenario: Any,
    cells: list[tuple[str | None, tuple[str, ...]]],
    runs: int,
    seed: int,
    progress: Callable[[int, int], None] | None = None,
    backend: str | None = None,
) -> list[Any]:
    """Simulate each (world, conditions) cell of ``scenario`` with the same seed; results in cell order.

    Cells run concurrently on threads (``DETENTE_THREADS`` or the CPUs), each with ``simulate(threads=1)``
    (the compiled kernel releases the GIL); a cell's result is a pure function of (scenario, cell, runs,
    seed), so it is bit-identical to running the cells one at a time. The plain-Python backend runs one
    cell at a time.
    """
    import threading

    from detente.engine.kernel import threads
    from detente.engine.simulate import simulate

    total = runs * len(cells)
    done = [0] * len(cells)
    lock = threading.Lock()
    workers = 1 if backend == "python" else max(1, min(threads(), len(cells)))
    extra: dict[str, Any] = {"threads": 1} if workers > 1 else {}
    if backend is not None:
        extra["backend"] = backend

    def run_cell(index: int) -> Any:
        world, conditions = cells[index]

        def tick(d: int, _total: int) -> None:
            with lock:
                done[index] = d
                if progress is not None:
                    progress(sum(done), total)

        return simulate(
            scenario, runs=runs, seed=seed, world=world, conditions=conditions, progress=tick, **extra
        )

    executor = Threads(workers) if workers > 1 else InProcess()
    try:
        return list(executor.run(run_cell, range(len(cells))))
    finally:
        executor.close()
