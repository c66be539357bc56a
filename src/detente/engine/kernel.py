"""The chunk kernel: runs x months of ``detente.model.month.month``, each month fed to the one reducer.

Compiled (numba, nogil): a chunk is split into slices run on a thread pool; each slice counts into its
own integer aggregates, which are then added, so totals do not depend on thread scheduling. The
``python`` backend runs the very same functions uncompiled (``detente.model.equation.pure``).
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numba
import numpy as np
from numba import njit

from detente.engine.chunk import (
    ChunkOut,
    Sink,
    empty_totals,
    finish_run,
    new_sink,
    paths_of,
    record_month,
    run_summaries,
    slice_counts,
)
from detente.engine.compile import Compiled, Params
from detente.model.equation import pure
from detente.model.month import issue_games, month, new_state, slow_variables, start_run

if not os.environ.get("NUMBA_CACHE_DIR") and not os.access(Path(__file__).parent, os.W_OK):
    numba.config.CACHE_DIR = str(
        Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "detente" / "numba"
    )

MIN_SLICE = 128
"""Runs per thread below which a chunk is not split further."""
_PAYOFF_INPUTS = ("h0", "eta_m", "r_old", "r_new")


_kernel = njit(cache=True, nogil=True, error_model="numpy", _nrt=False)
"""Kernels allocate nothing, so they run without reference counting (``_nrt=False``): 4-5x faster."""


@_kernel
def chunk_kernel(P, out, s, lo, hi):
    """Simulate runs lo..hi-1 of the block P month by month in the state room ``s``, reducing into ``out``."""
    for i in range(lo, hi):
        start_run(s, P, i)
        regime = 0
        for t in range(P.tau.shape[1]):
            regime = month(s, P, i, t)
            record_month(out, i, t, s, regime)
        finish_run(out, i, s, regime)


@_kernel
def game_table(P, s, t_star, e, pay):
    """Payoffs, t* and e of every month, channel down and up, for run 0 (used for all runs when no payoff
    input varies by run)."""
    start_run(s, P, 0)
    for t in range(P.tau.shape[1]):
        slow_variables(s, P, 0, t)
        for c in range(2):
            issue_games(s, P, 0, t, c == 1)
            for side in range(2):
                for k in range(P.issue.shape[1]):
                    t_star[t, c, side, k], e[t, c, side, k] = s.t_star[side, k], s.e[side, k]
                    for row in range(5):
                        pay[t, c, row, side, k] = s.pay[row, side, k]


def _same_for_every_run(a: np.ndarray) -> bool:
    """Whether every row of ``a`` equals the first (NaN equal to NaN: an unset value is the same unset value)."""
    if a.shape[0] == 0:
        return True
    same = a == a[:1]
    if a.dtype.kind == "f":
        same |= np.isnan(a) & np.isnan(a[:1])
    return bool(np.all(same))


def with_game_table(P: Params, compiled_code: bool = True) -> Params:
    """P with the month-by-month game table filled in when it is the same for every run (a pure speed-up)."""
    inputs = [P.side[f] for f in _PAYOFF_INPUTS] + [P.issue[f] for f in P.issue.dtype.names or ()]
    inputs += [P.tau, P.iota, P.kappa_tau, P.lead_dh, P.lead_h]
    if P.n == 0 or not all(_same_for_every_run(a) for a in inputs):
        return P
    T, K = P.tau.shape[1], P.issue.shape[1]
    t_star, e, pay = np.empty((T, 2, 2, K)), np.empty((T, 2, 2, K), np.bool_), np.empty((T, 2, 5, 2, K))
    (game_table if compiled_code else pure(game_table))(P, new_state(K), t_star, e, pay)
    return P._replace(use_table=True, table_t_star=t_star, table_e=e, table_pay=pay)


_POOL: ThreadPoolExecutor | None = None


def threads(requested: int | None = None) -> int:
    """Worker threads for a chunk: ``requested``, else ``DETENTE_THREADS``, else the usable CPUs."""
    if requested is not None:
        return max(1, int(requested))
    env = os.environ.get("DETENTE_THREADS")
    if env:
        return max(1, int(env))
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def _pool(workers: int) -> ThreadPoolExecutor:
    global _POOL
    if _POOL is None or _POOL._max_workers < workers:
        _POOL = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="detente-kernel")
    return _POOL


def run_chunk(
    compiled: Compiled, P: Params, want_paths: bool, backend: str = "compiled", n_threads: int | None = None
) -> ChunkOut:
    """Simulate one chunk of runs: the compiled kernel on threads, or the same code uncompiled (``python``)."""
    st = compiled.structure
    T, K, n = st.horizon, len(st.issues), P.n
    compiled_code = backend == "compiled"
    P = with_game_table(P, compiled_code)
    sink = new_sink(n, T, K, st.durable_months, want_paths)
    workers = max(1, min(threads(n_threads), n // MIN_SLICE)) if compiled_code else 1
    bounds = np.linspace(0, n, workers + 1).astype(int)
    small = np.uint16 if int(np.diff(bounds).max(initial=0)) < 2**16 else np.int32  # counts cannot overflow
    sinks = [
        sink._replace(**dict(zip(Sink._fields[:4], slice_counts(T, K, small), strict=True)))
        for _ in bounds[1:]
    ]

    def work(w: int) -> None:
        args = (P, sinks[w], new_state(K), int(bounds[w]), int(bounds[w + 1]))
        if compiled_code:
            chunk_kernel(*args)
        else:
            with np.errstate(all="ignore"):  # the counter RNG's uint64 arithmetic wraps by design
                pure(chunk_kernel)(*args)

    if workers == 1:
        work(0)
    else:
        list(_pool(workers).map(work, range(workers)))
    out = empty_totals(T, K)
    for part in sinks:
        out.add(part)
    out.summaries = run_summaries(P.runs, P.theta0, sink)
    out.paths = paths_of(sink) if want_paths else None
    return out
