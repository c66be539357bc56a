"""Background jobs: simulations run in worker processes, off the event loop, a bounded number at once.

A ``ProcessPoolExecutor`` (spawn start method, ``max_jobs`` workers) runs the jobs; workers report
progress through a queue that one thread drains into the job table. New jobs beyond ``max_queue``
waiting ones are refused (the API answers 429). Worker crashes fail the job, never the server.
"""

from __future__ import annotations

import multiprocessing as mp
import threading
import time
import traceback
import uuid
from collections import OrderedDict
from concurrent.futures import CancelledError, Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from typing import Any

_QUEUE: Any = None


class QueueFull(Exception):
    """Too many jobs waiting; try again later."""


def _init_worker(queue: Any) -> None:
    global _QUEUE
    _QUEUE = queue


def _execute(job_id: str, kind: str, spec: dict[str, Any]) -> dict[str, Any]:
    """Run one job in a worker process; user errors come back as ``{"problems": [...]}``."""
    from detente.errors import DetenteError
    from detente.web.work import RUNNERS

    queue = _QUEUE
    last = [0.0]

    def progress(done: int, total: int) -> None:
        now = time.monotonic()
        if queue is not None and (done >= total or now - last[0] > 0.05):
            last[0] = now
            queue.put((job_id, "progress", done, total))

    if queue is not None:
        queue.put((job_id, "started", 0, 0))
    try:
        return {"result": RUNNERS[kind](spec, progress)}
    except DetenteError as exc:
        return {"problems": list(exc.problems)}


@dataclass
class Job:
    """One job's state as the API reports it."""

    id: str
    kind: str
    label: str
    total: int
    status: str = "queued"
    done: int = 0
    created: float = field(default_factory=time.time)
    started: float | None = None
    finished: float | None = None
    problems: list[str] = field(default_factory=list)
    result: dict[str, Any] | None = None

    def status_dict(self) -> dict[str, Any]:
        """The job's status without its result."""
        end = self.finished or time.time()
        return {
            "id": self.id,
            "kind": self.kind,
            "label": self.label,
            "status": self.status,
            "done": self.done,
            "total": self.total,
            "fraction": 1.0 if self.status == "done" else (self.done / self.total if self.total else 0.0),
            "seconds": round(end - self.started, 3) if self.started else 0.0,
            "problems": list(self.problems),
        }


class JobManager:
    """Owns the worker pool and the table of jobs (thread-safe)."""

    def __init__(self, max_jobs: int = 1, max_queue: int = 4, keep: int = 50) -> None:
        self.max_jobs, self.max_queue, self.keep = max(1, max_jobs), max(0, max_queue), keep
        self._lock = threading.Lock()
        self._pool_lock = threading.Lock()
        self._jobs: OrderedDict[str, Job] = OrderedDict()
        self._ctx = mp.get_context("spawn")
        self._queue: Any = None
        self._pool: ProcessPoolExecutor | None = None
        self._drain: threading.Thread | None = None

    def _ensure_pool(self) -> ProcessPoolExecutor:
        if self._pool is None:
            self._queue = self._ctx.Queue()
            self._pool = ProcessPoolExecutor(
                self.max_jobs, mp_context=self._ctx, initializer=_init_worker, initargs=(self._queue,)
            )
            self._drain = threading.Thread(
                target=self._drain_queue, args=(self._queue,), daemon=True, name="detente-web-progress"
            )
            self._drain.start()
        return self._pool

    def _drain_queue(self, queue: Any) -> None:
        while True:
            try:
                message = queue.get()
            except (EOFError, OSError, ValueError):
                return
            if message is None:
                return
            job_id, what, done, total = message
            with self._lock:
                job = self._jobs.get(job_id)
                if job is None or job.status not in ("queued", "running"):
                    continue
                if what == "started":
                    job.status, job.started = "running", job.started or time.time()
                else:
                    job.status, job.done, job.total = "running", done, total

    def counts(self) -> dict[str, int]:
        """Jobs by status."""
        with self._lock:
            out = {"queued": 0, "running": 0, "done": 0, "failed": 0}
            for job in self._jobs.values():
                out[job.status] += 1
            return out

    def submit(self, kind: str, spec: dict[str, Any], total: int, label: str) -> Job:
        """Queue a job; raises ``QueueFull`` when ``max_queue`` jobs already wait for a worker."""
        with self._lock:
            active = sum(j.status in ("queued", "running") for j in self._jobs.values())
            if active >= self.max_jobs + self.max_queue:
                raise QueueFull(
                    f"{active} jobs are running or waiting (at most {self.max_jobs} run at once and "
                    f"{self.max_queue} wait); try again when one finishes"
                )
            job = Job(uuid.uuid4().hex, kind, label, total)
            self._jobs[job.id] = job
            self._forget_old()
        with self._pool_lock:
            pool = self._ensure_pool()
            try:
                future = pool.submit(_execute, job.id, kind, spec)
            except (BrokenProcessPool, RuntimeError) as exc:
                self._reset_pool(pool)
                self._fail(job.id, [f"the worker pool could not take the job ({exc}); try again"])
                return job
        future.add_done_callback(lambda f, jid=job.id, pool=pool: self._finish(jid, f, pool))
        return job

    def _finish(self, job_id: str, future: Future, pool: ProcessPoolExecutor) -> None:
        try:
            out = future.result()
        except CancelledError:
            self._fail(job_id, ["the job was cancelled: the server is shutting down"])
            return
        except BrokenProcessPool:
            with self._pool_lock:
                self._reset_pool(pool)
            self._fail(job_id, ["the worker process stopped unexpectedly (out of memory?); try fewer runs"])
            return
        except BaseException as exc:  # a bug in a job: report it without a traceback to the client
            traceback.print_exception(exc)
            self._fail(job_id, [f"the job failed: {type(exc).__name__}: {exc}"])
            return
        if "problems" in out:
            self._fail(job_id, out["problems"])
            return
        with self._lock:
            job = self._jobs.get(job_id)
            if job is not None:
                job.status, job.result, job.finished = "done", out["result"], time.time()
                job.done = job.total
                job.started = job.started or job.finished

    def _fail(self, job_id: str, problems: list[str]) -> None:
        with self._lock:
            job = self._jobs.get(job_id)
            if job is not None:
                job.status, job.problems, job.finished = "failed", problems, time.time()

    def _forget_old(self) -> None:
        finished = [j.id for j in self._jobs.values() if j.status in ("done", "failed")]
        for jid in finished[: max(0, len(finished) - self.keep)]:
            del self._jobs[jid]

    def get(self, job_id: str) -> Job | None:
        """The job with this id, if known."""
        with self._lock:
            return self._jobs.get(job_id)

    def list(self) -> list[Job]:
        """All known jobs, newest first."""
        with self._lock:
            return list(reversed(self._jobs.values()))

    def _reset_pool(self, pool: ProcessPoolExecutor | None, grace: float = 5.0) -> None:
        """Drop ``pool`` if it is the current one (call with ``_pool_lock`` held)."""
        if pool is None or pool is not self._pool:
            return
        queue, drain = self._queue, self._drain
        self._pool, self._queue, self._drain = None, None, None
        _stop_pool(pool, grace)
        if queue is not None:
            queue.put(None)
        if drain is not None and drain is not threading.current_thread():
            drain.join(timeout=5)

    def shutdown(self, grace: float = 5.0) -> None:
        """Stop the workers (running jobs are abandoned; killed if still alive after ``grace`` s)."""
        with self._pool_lock:
            self._reset_pool(self._pool, grace)

    def kill_workers(self) -> None:
        """Kill the worker processes now, without waiting for locks (last resort before exiting)."""
        processes = getattr(self._pool, "_processes", None) or {}
        for proc in list(processes.values()):
            if proc.is_alive():
                proc.kill()


def _stop_pool(pool: ProcessPoolExecutor, grace: float = 5.0) -> None:
    """Cancel waiting jobs and end this pool's worker processes: SIGTERM, then SIGKILL after ``grace`` s."""
    processes = list(getattr(pool, "_processes", {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for proc in processes:
        if proc.is_alive():
            proc.terminate()
    deadline = time.monotonic() + max(0.0, grace)
    for proc in processes:
        proc.join(timeout=max(0.0, deadline - time.monotonic()))
    for proc in processes:
        if proc.is_alive():
            proc.kill()
            proc.join(timeout=2)
