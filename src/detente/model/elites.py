"""Elite cohorts: the Cold-War share decays with an exit hazard and sets the relative-gains weight.

Source: theory.md §8.2 (our construction; leader-age evidence is contested, so cohorts are explicit
scenario assumptions), §10.5 step 1, §10.3 (kappa_tau, after Snidal).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from detente.model.equation import equation


@equation
def monthly_hazard(eta):
    """Monthly exit hazard of an annual hazard eta: 1 - (1 - eta)^(1/12) (theory §10.3, F20)."""
    return 1.0 - np.power(1.0 - eta, 1.0 / 12.0)


@equation
def cohort_share(h0, eta, years):
    """h(t) = h0*(1 - eta)^t after t years at annual hazard eta (theory §8.2, F20)."""
    return h0 * np.power(1.0 - eta, years)


@equation
def cohort_step(h, hazard):
    """One month of cohort exit, or a leadership change cutting the share by dh: h*(1 - hazard) (§10.5 step 1)."""
    return h * (1.0 - hazard)


@equation
def relative_gains_weight(h, r_old, r_new, kappa_tau=0.0, tau=0.0):
    """r = (r_new + (r_old - r_new)*h) / (1 + kappa_tau*tau): the elite's zero-sum weight (§10.5 step 1, §10.3)."""
    r = r_new + (r_old - r_new) * h
    return r / (1.0 + kappa_tau * tau)


@equation
def leadership_share(h, dh, h_set):
    """A leadership change: the share is set to ``h_set`` (a faction takes over) or cut by dh (§10.5 step 1)."""
    return h_set if h_set == h_set else cohort_step(h, dh)


@equation
def expansionist_share(h, m_old, m_new):
    """m = m_new + (m_old - m_new)*h: share of the elite with expansionist aims, so Pr(a new leadership is M)."""
    return m_new + (m_old - m_new) * h


@equation
def drawn_benign(u, h, m_old, m_new):
    """A new leadership drawn from the elite is benign iff its uniform u clears the expansionist share m(h)."""
    return u >= expansionist_share(h, m_old, m_new)


def half_life(eta: ArrayLike) -> np.ndarray:
    """Years for the Cold-War share to halve: ln 2 / -ln(1 - eta) (F20)."""
    return np.log(2) / -np.log(1 - np.asarray(eta, dtype=float))


def crossing_time(r_target: float, h0: float, eta: float, r_old: float, r_new: float) -> float:
    """Years until r(t) falls to ``r_target`` (F20: the Stag-Hunt→PD boundary 1/3)."""
    return float(np.log((r_target - r_new) / ((r_old - r_new) * h0)) / np.log(1 - eta))
