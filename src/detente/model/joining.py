"""Joining an offered architecture as the invited side's choice: repeated-game sustainment and its signal.

Sources: theory.md §4 and §10.9 (the v2 note: δ ≥ (T′−R′)/(T′−P′), the grim-trigger condition of the
repeated game, Axelrod 1984, Fudenberg–Maskin) and §1.5 (Kydd: a costly choice that only a benign type
makes is a separating signal). Used by ``detente.model.month.join_decisions``.
"""

from __future__ import annotations

import numpy as np

from detente.model.equation import equation


@equation
def sustainment_threshold(T, R, P):
    """delta* = (T' - R')/(T' - P'): least patience at which cooperation beats a one-shot grab (0 if T' <= R')."""
    if T <= R:
        return 0.0
    if R <= P:
        return np.inf
    return (T - R) / (T - P)


@equation
def joins(offered, delta, threshold):
    """The invited side is in the architecture this month iff it is offered and delta clears its threshold."""
    return offered and delta >= threshold


@equation
def join_separating(delta, threshold_B, threshold_M):
    """Joining separates the types (only B joins) iff delta*_B <= delta < delta*_M (Kydd's costly signal, §1.5)."""
    return threshold_B <= delta < threshold_M
