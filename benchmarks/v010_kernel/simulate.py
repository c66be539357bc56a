# ruff: noqa
"""The time loop: runs processed in chunks, aggregates streamed, per-run summaries kept, paths on request.

Aggregates are integer counts (regimes, open issues, mutual cooperation, trust histograms), so adding
chunks in any order gives bit-identical totals; summaries are per run. Memory is O(chunk × months)
for the working arrays and O(months) for aggregates, whatever the number of runs.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .compile import Compiled, Params
from .random import run_keys, step_keys
from .step import initial_state, step
from detente.scenario.schema import Scenario

TRUST_BINS = 1000
"""Trust histograms use this many equal bins of p in [0, 1] (quantiles resolve to 1/TRUST_BINS)."""
MAX_PATH_RUNS = 50_000
"""Full paths are held in memory; beyond this many runs ask for fewer runs or no paths."""
DEFAULT_CHUNK = {"numpy": 2048, "fused": 8192}


def trust_edges_log_odds(bins: int = TRUST_BINS) -> np.ndarray:
    """Inner bin edges of the trust histogram in log-odds (binning L equals binning p, exactly)."""
    p = np.linspace(0.0, 1.0, bins + 1)[1:-1]
    return np.log(p / (1 - p))


@dataclass
class ChunkOut:
    """What one chunk of runs contributes: count aggregates, per-run summaries, optional paths."""

    regime_counts: np.ndarray  # (3, T) int64
    open_counts: np.ndarray  # (K, T) int64
    mutual_counts: np.ndarray  # (K, T) int64
    trust_hist: np.ndarray  # (2, T, B) int64
    summaries: dict[str, np.ndarray]  # each (n, ...) per run
    paths: dict[str, np.ndarray] | None = None


def empty_totals(T: int, K: int, bins: int = TRUST_BINS) -> ChunkOut:
    """Zero aggregates to accumulate chunks into."""
    return ChunkOut(
        regime_counts=np.zeros((3, T), np.int64),
        open_counts=np.zeros((K, T), np.int64),
        mutual_counts=np.zeros((K, T), np.int64),
        trust_hist=np.zeros((2, T, bins), np.int64),
        summaries={},
    )


def run_chunk_numpy(compiled: Compiled, params: Params, want_paths: bool) -> ChunkOut:
    """Simulate one chunk with the vectorised numpy step."""
    st = compiled.structure
    T, K, n = st.horizon, len(st.issues), params.n
    keys = run_keys(compiled.seed, params.runs)
    edges = trust_edges_log_odds()
    omega = params.issue["omega"]
    omega_total = omega[:, 0].copy()
    for k in range(1, K):
        omega_total = omega_total + omega[:, k]
    out = empty_totals(T, K)
    state = initial_state(params, K)
    months = np.zeros((n, 3), np.int32)
    first = np.full(n, -1, np.int32)
    durable_at = np.full(n, -1, np.int32)
    streak = np.zeros(n, np.int32)
    longest = np.zeros(n, np.int32)
    ci_sum = np.zeros(n)
    paths = _alloc_paths(n, T, K) if want_paths else None
    for t in range(T):
        state, m = step(state, params, st, t, step_keys(keys, t))
        out.regime_counts[:, t] = np.bincount(m.regime, minlength=3)
        out.open_counts[:, t] = m.G.sum(axis=0)
        out.mutual_counts[:, t] = m.mutual.sum(axis=0)
        for s in range(2):
            out.trust_hist[s, t] = np.bincount(
                np.searchsorted(edges, state.L[:, s], side="right"), minlength=TRUST_BINS
            )
        months[np.arange(n), m.regime] += 1
        strategic = m.regime == 0
        first = np.where(strategic & (first < 0), t, first)
        streak = np.where(strategic, streak + 1, 0)
        longest = np.maximum(longest, streak)
        durable_at = np.where((streak == st.durable_months) & (durable_at < 0), t, durable_at)
        ci = omega[:, 0] * m.mutual[:, 0]
        for k in range(1, K):
            ci = ci + omega[:, k] * m.mutual[:, k]
        ci_sum = ci_sum + ci / omega_total
        if paths is not None:
            paths["L"][:, t] = state.L
            paths["h"][:, t] = state.h
            paths["G"][:, t] = m.G
            paths["a"][:, t] = m.a
            paths["regime"][:, t] = m.regime
    out.summaries = run_summaries(params, months, first, durable_at, longest, ci_sum, state.L, m.regime)
    out.paths = paths
    return out


def run_summaries(
    params: Params,
    months: np.ndarray,
    first: np.ndarray,
    durable_at: np.ndarray,
    longest: np.ndarray,
    ci_sum: np.ndarray,
    final_L: np.ndarray,
    final_regime: np.ndarray,
) -> dict[str, np.ndarray]:
    """The per-run summary columns every backend returns."""
    return {
        "run": params.runs.copy(),
        "months_strategic": months[:, 0],
        "months_tactical": months[:, 1],
        "months_frozen": months[:, 2],
        "first_strategic": first,
        "durable_month": durable_at,
        "longest_strategic": longest,
        "ci_sum": ci_sum,
        "final_L": final_L,
        "final_regime": final_regime,
        "type_benign": params.theta0,
    }


def _alloc_paths(n: int, T: int, K: int) -> dict[str, np.ndarray]:
    return {
        "L": np.zeros((n, T, 2)),
        "h": np.zeros((n, T, 2)),
        "G": np.zeros((n, T, K), bool),
        "a": np.zeros((n, T, 2, K), bool),
        "regime": np.zeros((n, T), np.int8),
    }


def _backend(name: str) -> tuple[str, Callable[[Compiled, Params, bool], ChunkOut]]:
    if name in ("auto", "fused"):
        try:
            from .fused import run_chunk_fused
        except ImportError:
            if name == "fused":
                raise
        else:
            return "fused", run_chunk_fused
    if name not in ("auto", "numpy", "fused"):
        from detente.errors import DetenteError

        raise DetenteError(f"backend: expected 'auto', 'numpy' or 'fused', got {name!r}")
    return "numpy", run_chunk_numpy


def resolve_initial_trust(scenario: Scenario) -> dict[str, float]:
    """Starting trust of sides whose p0 is 'from_history', by replaying the scenario's event record."""
    if not any(s.belief.p0 == "from_history" for s in scenario.sides.values()):
        return {}
    from detente.history.assimilate import starting_trust

    return starting_trust(scenario)


def _history_provenance(scenario: Scenario) -> dict[str, Any]:
    from detente.history.assimilate import history_provenance

    return {"history": history_provenance(scenario)}


@dataclass
class Provenance:
    """Where a result came from: enough to reproduce it."""

    scenario_hash: str
    seed: int
    runs: int
    world: str | None
    conditions: tuple[str, ...]
    backend: str
    chunk_size: int
    version: str
    initial_trust: dict[str, float]
    seconds: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)


def simulate(
    scenario: Scenario | str | Any,
    runs: int | None = None,
    seed: int | None = None,
    world: str | None = None,
    conditions: Sequence[str] = (),
    chunk_size: int | None = None,
    paths: bool = False,
    progress: Callable[[int, int], None] | None = None,
    backend: str = "auto",
) -> Any:
    """Run a Monte Carlo ensemble of ``scenario`` (optionally one world and set of conditions).

    Returns a ``SimulationResult``. ``runs`` and ``seed`` default to the scenario's; results are
    bit-identical for any ``chunk_size`` and backend.
    """
    from detente import __version__
    from detente.engine.results import SimulationResult
    from detente.errors import DetenteError
    from detente.scenario.load import load_scenario

    base = load_scenario(scenario)
    cell = base.cell(world, tuple(conditions)) if (world or conditions) else base
    runs = base.runs if runs is None else int(runs)
    seed = base.seed if seed is None else int(seed)
    if runs < 1:
        raise DetenteError(f"runs: expected a positive number of runs, got {runs}")
    if paths and runs > MAX_PATH_RUNS:
        raise DetenteError(
            f"paths: full paths are kept in memory; ask for at most {MAX_PATH_RUNS} runs (got {runs})"
        )
    name, run_chunk = _backend(backend)
    chunk = int(chunk_size or DEFAULT_CHUNK[name])
    if chunk < 1:
        raise DetenteError(f"chunk_size: expected a positive integer, got {chunk}")
    trust0 = resolve_initial_trust(cell)
    compiled = Compiled(cell, seed, trust0)
    st = compiled.structure
    totals = empty_totals(st.horizon, len(st.issues))
    parts: list[dict[str, np.ndarray]] = []
    path_parts: list[dict[str, np.ndarray]] = []
    started = time.perf_counter()
    for lo in range(0, runs, chunk):
        block = compiled.draw(np.arange(lo, min(lo + chunk, runs)))
        out = run_chunk(compiled, block, paths)
        totals.regime_counts += out.regime_counts
        totals.open_counts += out.open_counts
        totals.mutual_counts += out.mutual_counts
        totals.trust_hist += out.trust_hist
        parts.append(out.summaries)
        if out.paths is not None:
            path_parts.append(out.paths)
        if progress is not None:
            progress(min(lo + chunk, runs), runs)
    summaries = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
    full = {k: np.concatenate([p[k] for p in path_parts]) for k in path_parts[0]} if path_parts else None
    prov = Provenance(
        scenario_hash=cell.content_hash(),
        seed=seed,
        runs=runs,
        world=world,
        conditions=tuple(conditions),
        backend=name,
        chunk_size=chunk,
        version=__version__,
        initial_trust=trust0,
        seconds=time.perf_counter() - started,
        extra=_history_provenance(cell) if trust0 else {},
    )
    return SimulationResult(cell, compiled, totals, summaries, full, prov)
