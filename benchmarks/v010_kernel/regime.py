# ruff: noqa
"""Issue regimes: the two-sided trust test, regime labels and the cooperation index.

Sources: theory.md §1.2 (the two-sided condition), §10.4 (G_k) and §10.6 (labels, CI).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

STRATEGIC, TACTICAL, FROZEN = 0, 1, 2
REGIMES = ("strategic", "tactical", "frozen")


def issue_open(pi_a: ArrayLike, t_a: ArrayLike, pi_b: ArrayLike, t_b: ArrayLike) -> np.ndarray:
    """G_k = [pi_a >= t*_a] and [pi_b >= t*_b]: both sides' expected cooperation clears their thresholds."""
    return (np.asarray(pi_a) >= np.asarray(t_a)) & (np.asarray(pi_b) >= np.asarray(t_b))


def regime_label(G: ArrayLike, strategic: ArrayLike) -> np.ndarray:
    """0 strategic (a strategic issue open), 1 tactical (only tactical issues open), 2 frozen (none)."""
    G, strategic = np.asarray(G, bool), np.asarray(strategic, bool)
    any_strategic = (G & strategic).any(axis=-1)
    any_open = G.any(axis=-1)
    return np.where(any_strategic, STRATEGIC, np.where(any_open, TACTICAL, FROZEN)).astype(np.int8)


def cooperation_index(coop_a: ArrayLike, coop_b: ArrayLike, omega: ArrayLike) -> np.ndarray:
    """CI = sum_k omega_k [a_k = C and b_k = C] / sum_k omega_k (theory §10.6)."""
    omega = np.asarray(omega, dtype=float)
    mutual = np.asarray(coop_a, bool) & np.asarray(coop_b, bool)
    return (mutual * omega).sum(axis=-1) / omega.sum(axis=-1)
