"""Moves: intentions of B and M types with GTFT forgiveness and logit choice, and noise on acts and perception.

Sources: theory.md §10.5 steps 4–6, §4.4 (GTFT, Nowak–Sigmund), §5.4 (logit choice, McKelvey–Palfrey),
§4.2 (implementation and perception noise). Draws are counter-based: the (side, issue) site of a month
carries the intention draws (high half: exploit, low half: forgive) and, at ``+LOGIT``, the logit draw.
"""

from __future__ import annotations

import numpy as np

from detente.model.equation import equation
from detente.model.games import logit_cooperate
from detente.rng import site_key, u53, uhi, ulo

INTENT, NOISE, LOGIT = 0, 1, 2
"""Purposes of the per-(side, issue) draw sites: intention (exploit | forgive), noise (act | perceive), logit."""


@equation
def site(side, issue, purpose, n_issues):
    """The draw site of (side, issue, purpose) within a month."""
    return (side * n_issues + issue) * 4 + purpose


@equation
def intention(is_open, benign, exploits, grievance, rho, q, lam, pi, R, T_B, S, P, key_t, base):
    """Intend C? Closed -> D; M type on an exploitable issue -> D w.p. rho; B (logit mode) -> C w.p. sigma(lam*dEU);
    a grievance -> D w.p. 1-q (GTFT) (theory §10.5 step 4, §4.4, §5.4)."""
    if not is_open:
        return False
    bits = site_key(key_t, base + INTENT)
    intend = True
    if (not benign) and exploits:
        intend = uhi(bits) >= rho
    elif benign and np.isfinite(lam):
        intend = u53(site_key(key_t, base + LOGIT)) < logit_cooperate(lam, pi, R, T_B, S, P)
    if grievance and ulo(bits) >= q:
        intend = False
    return intend


@equation
def noisy(move, u, rate):
    """A move flipped w.p. rate: implementation noise eps on acts, perception noise mu on observations (§10.5 steps 5–6)."""
    return move ^ (u < rate)
