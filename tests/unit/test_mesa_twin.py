"""The Mesa twin (benchmarks/mesa_twin.py) does the same work: its ensemble matches detente's within MC error."""

from __future__ import annotations

import importlib.util
import math
from pathlib import Path

import numpy as np
import pytest

import detente

pytest.importorskip("mesa")
_PATH = Path(__file__).resolve().parents[2] / "benchmarks" / "mesa_twin.py"
_spec = importlib.util.spec_from_file_location("mesa_twin", _PATH)
mesa_twin = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(mesa_twin)

MESA_RUNS = 200
DETENTE_RUNS = 4000
Z = 4.0


@pytest.mark.parametrize(
    ("world", "conditions"),
    [
        ("uncertain", ("generational_change",)),
        ("deterrence", ("generational_change", "shared_threat", "inclusion")),
        ("spiral", ("shared_threat",)),
    ],
)
def test_mesa_twin_matches_detente(world: str, conditions: tuple[str, ...]) -> None:
    v1 = mesa_twin.V1_RESET  # the twin implements the v1 model: compare on reset-2009 as 0.1.0 shipped it
    twin = mesa_twin.run_ensemble(v1, runs=MESA_RUNS, world=world, conditions=conditions, seed=3)
    res = detente.simulate(detente.load_scenario(v1), runs=DETENTE_RUNS, world=world, conditions=conditions)
    s = res.summaries
    n, m = DETENTE_RUNS, MESA_RUNS

    def close_share(mesa_values: np.ndarray, detente_values: np.ndarray, what: str) -> None:
        p = float(np.mean(detente_values))
        se = math.sqrt(max(p * (1 - p), 0.25 / m) * (1 / m + 1 / n))
        assert abs(float(np.mean(mesa_values)) - p) <= Z * se, what

    # the comparison is informative: the regime at the horizon is uncertain in each of these cells
    assert 0.05 < float(np.mean(s["final_regime"] == 0)) < 0.95
    close_share(twin["final_regime"] == 0, s["final_regime"] == 0, "P(strategic at horizon)")
    close_share(twin["durable"], s["durable_month"] >= 0, "P(durable partnership)")
    ci = s["ci_sum"] / res.structure.horizon
    se_ci = math.sqrt(np.var(twin["ci"], ddof=1) / m + np.var(ci, ddof=1) / n) + 1e-9
    assert abs(twin["mean_ci"] - ci.mean()) <= Z * se_ci, "mean cooperation index"
    trust = res.final_trust()
    for i, side in enumerate(res.structure.sides):
        # distribution-free: the share of detente runs below the twin's median is 1/2 within sampling error
        below = float(np.mean(trust[:, i] < twin["median_trust"][side]))
        at_most = float(np.mean(trust[:, i] <= twin["median_trust"][side]))
        slack = Z * 0.5 * math.sqrt(1 / m + 1 / n)
        assert below - slack <= 0.5 <= at_most + slack, f"median trust of {side}"
        close_share(twin["final_trust"][side] > 0.5, trust[:, i] > 0.5, f"P(trust of {side} > 1/2)")
