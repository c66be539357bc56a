"""The public entry point: ``simulate`` runs a scenario cell chunk by chunk through the kernel.

Memory is O(chunk × months) for paths and O(months) for aggregates, whatever the number of runs.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from detente.engine.chunk import TRUST_BINS, ChunkOut, Provenance, empty_totals, trust_edges_log_odds
from detente.engine.compile import Compiled
from detente.scenario.schema import Scenario

__all__ = [
    "TRUST_BINS",
    "ChunkOut",
    "Provenance",
    "resolve_initial_trust",
    "simulate",
    "trust_edges_log_odds",
]

MAX_PATH_RUNS = 50_000
"""Full paths are held in memory; beyond this many runs ask for fewer runs or no paths."""
DEFAULT_CHUNK = {"compiled": 8192, "python": 256}
BACKENDS = {"compiled": "compiled", "auto": "compiled", "fused": "compiled", "python": "python"}


def _backend(name: str) -> str:
    from detente.errors import DetenteError

    if name == "numpy":
        raise DetenteError(
            "backend: the 'numpy' backend was removed in 0.2; use 'compiled' (the default) or 'python'"
        )
    if name not in BACKENDS:
        raise DetenteError(f"backend: expected 'compiled' (or 'auto'/'fused') or 'python', got {name!r}")
    return BACKENDS[name]


def resolve_initial_trust(scenario: Scenario) -> dict[str, float]:
    """Starting trust of sides whose p0 is 'from_history', by replaying the scenario's event record."""
    if not any(s.belief.p0 == "from_history" for s in scenario.sides.values()):
        return {}
    from detente.history.assimilate import starting_trust

    return starting_trust(scenario)


def _history_provenance(scenario: Scenario) -> dict[str, Any]:
    from detente.history.assimilate import history_provenance

    return {"history": history_provenance(scenario)}


def simulate(
    scenario: Scenario | str | Any,
    runs: int | None = None,
    seed: int | None = None,
    world: str | None = None,
    conditions: Sequence[str] = (),
    chunk_size: int | None = None,
    paths: bool = False,
    progress: Callable[[int, int], None] | None = None,
    backend: str = "compiled",
    threads: int | None = None,
) -> Any:
    """Run a Monte Carlo ensemble of ``scenario`` (optionally one world and set of conditions).

    Returns a ``SimulationResult``. ``runs`` and ``seed`` default to the scenario's; ``threads`` caps the
    kernel's threads per chunk (default: ``DETENTE_THREADS`` or the CPUs). Results are bit-identical for
    any ``chunk_size``, ``threads`` and backend (``compiled``, or ``python``: the same code uncompiled).
    """
    from detente import __version__
    from detente.engine.kernel import run_chunk
    from detente.engine.results import SimulationResult
    from detente.errors import DetenteError
    from detente.limits import check_limit
    from detente.scenario.load import load_scenario

    base = load_scenario(scenario)
    cell = base.cell(world, tuple(conditions)) if (world or conditions) else base
    runs = base.runs if runs is None else int(runs)
    seed = base.seed if seed is None else int(seed)
    if runs < 1:
        raise DetenteError(f"runs: expected a positive number of runs, got {runs}")
    check_limit("runs", "runs", runs, "runs")
    if paths and runs > MAX_PATH_RUNS:
        raise DetenteError(
            f"paths: full paths are kept in memory; ask for at most {MAX_PATH_RUNS} runs (got {runs})"
        )
    if threads is not None and int(threads) < 1:
        raise DetenteError(f"threads: expected a positive integer, got {threads}")
    name = _backend(backend)
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
        out: ChunkOut = run_chunk(
            compiled, compiled.draw(np.arange(lo, min(lo + chunk, runs))), paths, name, threads
        )
        totals.add(out)
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
