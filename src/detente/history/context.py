"""The payoff context of the historical months: cohort shares, r, threat and inclusion per month.

The regime that beliefs imply in a past month is the scenario's 10.4 test evaluated with that month's
context: each side's Cold-War share h (``history.cohort``), hence r, and the history's own threat and
inclusion schedules (``history.threat``, ``history.inclusion``; zero if absent). Scenario parameters
given as distributions enter at their median.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from detente.model.elites import cohort_share, relative_gains_weight
from detente.model.equation import pure, vectorised
from detente.model.games import expected_cooperation, payoffs, trust_threshold, would_exploit
from detente.model.regime import channel_works, regime_label
from detente.scenario.distributions import is_distribution
from detente.scenario.schema import Scenario, for_side, month_index


def point(value: Any) -> float:
    """A parameter's point value: the number itself, or a distribution's median."""
    if is_distribution(value):
        return float(np.asarray(value.ppf(np.array([0.5])))[0])
    return float(value)


def month_labels(start: str, end: str) -> list[str]:
    """'YYYY-MM' labels from ``start``'s month to ``end``'s month inclusive."""
    from detente.scenario.schema import month_label

    return [month_label(start[:7], i) for i in range(month_index(start[:7], end[:7]) + 1)]


def cohort_path(scenario: Scenario, months: list[str]) -> np.ndarray:
    """Cold-War share h of each side per month (2, M) under ``history.cohort``.

    'scenario': h0 throughout (the scenario's h0 describes the elite at its start);
    'backcast': h0*(1 - eta)^(years from the scenario start), capped at 1, i.e. the scenario's own cohort
    hazard run backwards.
    """
    hist = scenario.history
    mode = hist.cohort if hist is not None else "scenario"
    out = np.zeros((2, len(months)))
    for s, sid in enumerate(scenario.side_ids):
        elite = scenario.sides[sid].elite
        h0, eta = point(elite.h0), point(elite.eta)
        if mode == "backcast":
            years = np.array([month_index(scenario.start, m) for m in months]) / 12.0
            out[s] = np.minimum(1.0, pure(cohort_share)(h0, eta, years))
        else:
            out[s] = h0
    return out


def schedule_path(steps: list, months: list[str]) -> np.ndarray:
    """A piecewise-constant schedule (list of Step) evaluated per month (0 before its first step)."""
    out = np.zeros(len(months))
    for step in sorted(steps, key=lambda s: s.start):
        first = month_index(months[0], step.start)
        out[max(first, 0) :] = point(step.value)
    return out


@dataclass(frozen=True)
class Context:
    """Per-month thresholds and exploit flags for the regime test: each (channel down/up, side, K, M)."""

    months: list[str]
    h: np.ndarray  # (2, M)
    r: np.ndarray  # (2, M)
    tau: np.ndarray  # (M,)
    iota: np.ndarray  # (M,)
    t_star: np.ndarray  # (2, 2, K, M): [channel works, side, issue, month]
    exploit: np.ndarray  # (2, 2, K, M) bool: side's own M type would exploit issue k
    rho: np.ndarray  # (2,)
    strategic: np.ndarray  # (K,) bool
    issues: tuple[str, ...]
    channel_floor: float = 0.0


def build_context(scenario: Scenario, months: list[str]) -> Context:
    """Thresholds and exploit flags of every side, issue and month under the history's context."""
    hist = scenario.history
    sides = scenario.side_ids
    h = cohort_path(scenario, months)
    tau = schedule_path(hist.threat if hist else [], months)
    iota = schedule_path(hist.inclusion if hist else [], months)
    kappa_tau = point(scenario.kappa_tau)
    r = np.stack(
        [
            pure(relative_gains_weight)(
                h[s],
                point(scenario.sides[sid].elite.r_old),
                point(scenario.sides[sid].elite.r_new),
                kappa_tau,
                tau,
            )
            for s, sid in enumerate(sides)
        ]
    )
    issues = tuple(scenario.issues)
    K, M = len(issues), len(months)
    t_star = np.zeros((2, 2, K, M))
    exploit = np.zeros((2, 2, K, M), bool)
    for k, iid in enumerate(issues):
        spec = scenario.issues[iid]
        inc = spec.inclusion
        for s, sid in enumerate(sides):
            x = {f: point(for_side(getattr(spec, f), sid)) for f in ("R0", "T_B", "P0", "T_M", "S", "v", "w")}
            for c in range(2):
                Rp, TBp, TMp, Sp, Pp = vectorised(payoffs)(
                    x["R0"], x["T_B"], x["P0"], x["T_M"], x["S"], x["v"], x["w"], r[s], tau, iota,
                    point(inc.dv) if inc else 0.0, point(inc.S_incl) if inc else x["S"],
                    bool(inc is not None and inc.invited == sid), c == 1,
                )  # fmt: skip
                t_star[c, s, k] = vectorised(trust_threshold)(Rp, TBp, Pp, Sp)
                exploit[c, s, k] = pure(would_exploit)(TMp, Rp)
    rho = np.array([point(scenario.sides[sid].behaviour.rho) for sid in sides])
    strategic = np.array([scenario.issues[i].kind == "strategic" for i in issues])
    floor = point(scenario.channel_floor)
    return Context(months, h, r, tau, iota, t_star, exploit, rho, strategic, issues, floor)


def side_clears(ctx: Context, side: int, p: np.ndarray, working: Any = True) -> np.ndarray:
    """Whether side ``side`` with trust ``p`` (..., M) clears its threshold on each issue: (..., M, K).

    ``working`` (bool or (..., M) bools) says whether the verification channel works in each month."""
    other = 1 - side
    c = np.asarray(working, dtype=bool)[..., None]
    exploit = np.where(c, ctx.exploit[1, other].T, ctx.exploit[0, other].T)
    t_star = np.where(c, ctx.t_star[1, side].T, ctx.t_star[0, side].T)
    pi = vectorised(expected_cooperation)(p[..., :, None], ctx.rho[other], exploit)
    return pi >= t_star


def regimes(ctx: Context, p_a: np.ndarray, p_b: np.ndarray) -> np.ndarray:
    """Regime per month (0 strategic, 1 tactical, 2 frozen) implied by trust paths of both sides, with the
    verification channel lost in months where either trust is below the scenario's floor (as the engine)."""
    working = vectorised(channel_works)(p_a, p_b, ctx.channel_floor)
    G = side_clears(ctx, 0, p_a, working) & side_clears(ctx, 1, p_b, working)
    return vectorised(regime_label)((G & ctx.strategic).any(axis=-1), G.any(axis=-1)).astype(np.int8)
