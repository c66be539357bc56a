"""detente 0.1.0's fused kernel (engine/fused.py, its numpy step and model helpers), frozen for benchmarks.

Copied from the 0.1.0 tree with imports made package-relative; only ``run_ensemble`` is new. It reads
scenarios through today's ``detente.scenario`` (unchanged since 0.1.0). Not part of the package.
"""

from __future__ import annotations

from typing import Any

import numpy as np


def run_ensemble(
    scenario: Any, runs: int, seed: int, initial_trust: dict[str, float], chunk: int = 8192
) -> Any:
    """0.1.0's chunk loop over its fused kernel: total regime counts (for a sanity check against today's)."""
    from .compile import Compiled
    from .fused import run_chunk_fused
    from .simulate import empty_totals

    compiled = Compiled(scenario, seed, initial_trust)
    st = compiled.structure
    totals = empty_totals(st.horizon, len(st.issues))
    for lo in range(0, runs, chunk):
        out = run_chunk_fused(compiled, compiled.draw(np.arange(lo, min(lo + chunk, runs))), False)
        totals.regime_counts += out.regime_counts
    return totals.regime_counts
