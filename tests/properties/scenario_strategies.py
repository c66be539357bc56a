"""Hypothesis strategies: random tweaks of the bundled reset-2009 scenario (parameters, levers, events)."""

from __future__ import annotations

from functools import cache
from typing import Any

from hypothesis import strategies as st

import detente
from detente.scenario.schema import Scenario, month_label

START = "2009-07"
SIDES = ("W", "R")


@cache
def base_scenario() -> Scenario:
    """reset-2009 with numeric starting beliefs (theory §10.3), so it compiles without a history replay."""
    return detente.load_scenario("reset-2009").apply({"sides.W.belief.p0": 0.40, "sides.R.belief.p0": 0.35})


def unit(lo: float = 0.0, hi: float = 1.0) -> st.SearchStrategy[float]:
    return st.floats(lo, hi, allow_nan=False, allow_infinity=False)


def _dates(horizon: int) -> st.SearchStrategy[str]:
    return st.integers(0, horizon - 1).map(lambda m: month_label(START, m))


@st.composite
def side_overrides(draw: Any, side: str) -> dict[str, Any]:
    b = f"sides.{side}"
    out = {
        f"{b}.belief.p0": draw(unit(0.02, 0.98)),
        f"{b}.elite.h0": draw(unit()),
        f"{b}.elite.eta": draw(unit(0.0, 0.6)),
        f"{b}.behaviour.eps": draw(unit(0.0, 0.2)),
        f"{b}.behaviour.mu": draw(unit(0.0, 0.2)),
        f"{b}.behaviour.rho": draw(unit(0.05, 1.0)),
        f"{b}.behaviour.q": draw(unit(0.0, 0.6)),
        f"{b}.behaviour.logit_lambda": draw(st.none() | unit(0.0, 20.0)),
        f"{b}.learning.kappa": draw(unit()),
        f"{b}.learning.alpha": draw(unit()),
        f"{b}.learning.beta": draw(unit(0.0, 3.0)),
        f"{b}.type": draw(st.sampled_from(["B", "M", "from_trust", 0.5, "from_elite"])),
        f"{b}.behaviour.delta": draw(st.none() | unit(0.0, 1.0)),
        f"{b}.elite.m_old": draw(unit()),
        f"{b}.elite.m_new": draw(unit()),
    }
    return out


@st.composite
def per_side_terms(draw: Any, horizon: int) -> dict[str, Any]:
    """Model v2: a channel floor, issue terms that differ by side, a threat felt by one side."""
    out: dict[str, Any] = {"channel_floor": draw(unit(0.0, 0.6))}
    for issue in ("arms_control", "security_architecture"):
        if draw(st.booleans()):
            out[f"issues.{issue}.T_M"] = {s: draw(unit(3.0, 12.0)) for s in SIDES}
        if draw(st.booleans()):
            out[f"issues.{issue}.v"] = {s: draw(unit()) for s in SIDES}
    if draw(st.booleans()):
        out["schedules.threat"] = {
            s: [
                {
                    "start": month_label(START, draw(st.integers(0, horizon - 1))),
                    "value": draw(unit(0.0, 2.0)),
                }
            ]
            for s in SIDES
        }
    if draw(st.booleans()):
        out["schedules.inclusion"] = [
            {"start": month_label(START, draw(st.integers(0, horizon - 1))), "value": draw(unit())}
        ]
    return out


@st.composite
def levers_and_events(draw: Any, horizon: int) -> dict[str, Any]:
    date, side = _dates(horizon), st.sampled_from(SIDES)
    events = []
    for _ in range(draw(st.integers(0, 3))):
        actor = draw(side)
        both = draw(st.booleans())
        observer = "both" if both else ("R" if actor == "W" else "W")
        ev: dict[str, Any] = {"date": draw(date), "actor": actor, "observer": observer}
        if draw(st.booleans()):
            lr = st.floats(1e-4, 1e4)
            ev["lr"] = {s: draw(lr) for s in SIDES} if both and draw(st.booleans()) else draw(lr)
        else:
            ev["goldstein"] = draw(unit(-10.0, 10.0))
            valence = st.sampled_from([-1, 0, 1])
            ev["valence"] = (
                {s: draw(valence) for s in SIDES} if both and draw(st.booleans()) else draw(valence)
            )
        ev["probability"] = draw(unit())
        events.append(ev)
    signals = [
        {
            "date": draw(date),
            "sender": draw(side),
            "size": draw(unit(0.0, 10.0)),
            "mimic": draw(unit(0.05, 1.0)),
            "delta": draw(unit(0.1, 0.99)),
            "issue": draw(st.none() | st.sampled_from(["arms_control", "security_architecture"])),
        }
        for _ in range(draw(st.integers(0, 2)))
    ]
    return {
        "events": events,
        "levers.signals": [{k: v for k, v in s.items() if v is not None} for s in signals],
        "levers.resets": [{"date": draw(date)} for _ in range(draw(st.integers(0, 2)))],
        "levers.leadership": [
            {
                "side": draw(side),
                "date": draw(date),
                "dh": draw(unit()),
                "h": draw(st.none() | unit()),
                "type": draw(st.sampled_from([None, "B", "M", "draw"])),
            }
            for _ in range(draw(st.integers(0, 2)))
        ],
        "levers.counterfactual_joins": [
            {"side": draw(side), "date": draw(date)} for _ in range(draw(st.integers(0, 1)))
        ],
    }


@st.composite
def cells(draw: Any, horizon: int = 14) -> Scenario:
    """A random cell of a tweaked reset-2009: parameters, levers, events, a world and some conditions."""
    overrides: dict[str, Any] = {"horizon": horizon}
    for side in SIDES:
        overrides.update(draw(side_overrides(side)))
    overrides["kappa_tau"] = draw(unit())
    overrides["L_max"] = draw(unit(3.0, 10.0))
    overrides.update(draw(levers_and_events(horizon)))
    overrides.update(draw(per_side_terms(horizon)))
    sc = base_scenario().apply(overrides)
    world = draw(st.sampled_from([None, "spiral", "deterrence", "uncertain"]))
    conditions = draw(st.lists(st.sampled_from(sorted(sc.conditions)), unique=True, max_size=3))
    return sc.cell(world, tuple(conditions))
