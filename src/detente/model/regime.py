"""Issue regimes: the two-sided trust test, regime labels and the cooperation index.

Sources: theory.md §1.2 (the two-sided condition), §10.4 (G_k) and §10.6 (labels, CI).
"""

from __future__ import annotations

from detente.model.equation import equation

STRATEGIC, TACTICAL, FROZEN = 0, 1, 2
REGIMES = ("strategic", "tactical", "frozen")


@equation
def issue_open(pi_a, t_a, pi_b, t_b):
    """G_k = [pi_a >= t*_a] and [pi_b >= t*_b]: both sides' expected cooperation clears their thresholds (§10.4)."""
    return pi_a >= t_a and pi_b >= t_b


@equation
def channel_works(p_a, p_b, floor):
    """The verification channel works while both sides' trust is at least the floor (model v2, docs/model.md)."""
    return p_a >= floor and p_b >= floor


@equation
def regime_label(any_strategic_open, any_open):
    """0 strategic (a strategic issue open), 1 tactical (only tactical issues open), 2 frozen (none) (§10.6)."""
    if any_strategic_open:
        return STRATEGIC
    return TACTICAL if any_open else FROZEN


@equation
def cooperation_index(coop_a, coop_b, omega):
    """CI = sum_k omega_k [a_k = C and b_k = C] / sum_k omega_k over an issue row (theory §10.6)."""
    ci = 0.0
    total = 0.0
    for k in range(omega.shape[0]):
        term = omega[k] * (1.0 if (coop_a[k] and coop_b[k]) else 0.0)
        ci += term
        total += omega[k]
    return ci / total
