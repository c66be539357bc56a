# ruff: noqa
"""Elite cohorts: the Cold-War share decays with an exit hazard and sets the relative-gains weight.

Source: theory.md §8.2 (our construction; leader-age evidence is contested, so cohorts are explicit
scenario assumptions), §10.5 step 1.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike


def monthly_hazard(eta: ArrayLike) -> np.ndarray:
    """Monthly exit hazard of an annual hazard eta: 1 - (1 - eta)^(1/12) (F20)."""
    return 1 - np.power(1 - np.asarray(eta, dtype=float), 1 / 12)


def cohort_share(h0: ArrayLike, eta: ArrayLike, years: ArrayLike) -> np.ndarray:
    """h(t) = h0*(1 - eta)^t, t in years."""
    return np.asarray(h0, float) * np.power(1 - np.asarray(eta, float), np.asarray(years, float))


def relative_gains_weight(h: ArrayLike, r_old: ArrayLike, r_new: ArrayLike) -> np.ndarray:
    """r = r_new + (r_old - r_new)*h: the elite's zero-sum weight."""
    return np.asarray(r_new, float) + (np.asarray(r_old, float) - np.asarray(r_new, float)) * np.asarray(
        h, float
    )


def half_life(eta: ArrayLike) -> np.ndarray:
    """Years for the Cold-War share to halve: ln 2 / -ln(1 - eta) (F20)."""
    return np.log(2) / -np.log(1 - np.asarray(eta, dtype=float))


def crossing_time(r_target: float, h0: float, eta: float, r_old: float, r_new: float) -> float:
    """Years until r(t) falls to ``r_target`` (F20: the Stag-Hunt→PD boundary 1/3)."""
    return float(np.log((r_target - r_new) / ((r_old - r_new) * h0)) / np.log(1 - eta))
