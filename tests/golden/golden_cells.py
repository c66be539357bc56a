"""The cells pinned by the 0.1.0 golden file: reset-2009 cells, a rich feature scenario, random tweaks."""

from __future__ import annotations

from typing import Any

import numpy as np

WORLDS = ("spiral", "deterrence", "uncertain")
ALL = ("generational_change", "shared_threat", "inclusion")
START = "2009-07"

RICH = {
    "name": "fused-rich",
    "start": "2000-01",
    "horizon": 60,
    "seed": 11,
    "runs": 200,
    "durable_months": 6,
    "kappa_tau": 0.5,
    "sides": {
        "A": {
            "name": "A",
            "type": {"dist": "uniform", "low": 0.2, "high": 0.9},
            "belief": {"p0": {"dist": "uniform", "low": 0.2, "high": 0.8}},
            "elite": {"h0": 0.6, "eta": {"dist": "uniform", "low": 0.05, "high": 0.4}},
            "behaviour": {"eps": 0.05, "mu": 0.1, "rho": 0.6, "q": 0.3, "logit_lambda": 2.0},
            "learning": {"kappa": 0.4, "alpha": 0.3, "beta": 1.5},
        },
        "B": {
            "name": "B",
            "type": "from_trust",
            "belief": {"p0": 0.3},
            "elite": {"h0": 0.9},
            "behaviour": {"eps": 0.03, "mu": 0.05, "rho": {"dist": "uniform", "low": 0.3, "high": 0.9}},
        },
    },
    "issues": {
        "trade": {"kind": "tactical", "T_M": 6, "S": 1.0, "v": 0.5, "w": 1.0},
        "arms": {"kind": "tactical", "T_M": 7, "S": 0.0, "v": {"dist": "uniform", "low": 0.2, "high": 0.9}},
        "order": {
            "kind": "strategic",
            "T_M": 10,
            "S": -4.0,
            "w": 0.5,
            "omega": 3,
            "inclusion": {"invited": "B", "dv": 0.5, "S_incl": 3.0},
        },
    },
    "schedules": {
        "threat": [{"start": "2001-01", "value": 1.0}, {"start": "2003-01", "value": 0.5}],
        "inclusion": [{"start": "2002-01", "value": 1.0}],
    },
    "levers": {
        "joins": [{"side": "B", "date": "2003-06"}],
        "leadership": [
            {"side": "A", "date": "2001-03", "dh": 0.5},
            {"side": "B", "date": "2001-03", "dh": 0.2},
        ],
        "resets": [{"date": "2000-01"}, {"date": "2002-07"}],
        "signals": [
            {"date": "2000-06", "sender": "A", "size": 10.0, "issue": "order"},
            {"date": "2001-06", "sender": "B", "size": 0.1, "mimic": 0.5},
        ],
    },
    "events": [
        {"date": "2000-03", "actor": "A", "observer": "B", "lr": 3.0, "probability": 0.5},
        {"date": "2000-03", "actor": "A", "observer": "B", "goldstein": 7.0, "valence": 1},
        {
            "date": "2002-02",
            "actor": "B",
            "observer": "A",
            "lr": {"dist": "uniform", "low": 0.2, "high": 5.0},
        },
    ],
}


def _month(m: int) -> str:
    y, mo = divmod(7 - 1 + m, 12)
    return f"{2009 + y}-{mo + 1:02d}"


def _tweak(rng: np.random.Generator, horizon: int) -> dict[str, Any]:
    """Random overrides of reset-2009 (as tests/properties/scenario_strategies.py, from a numpy generator)."""
    u = lambda lo=0.0, hi=1.0: float(rng.uniform(lo, hi))  # noqa: E731
    date = lambda: _month(int(rng.integers(0, horizon)))  # noqa: E731
    side = lambda: str(rng.choice(["W", "R"]))  # noqa: E731
    out: dict[str, Any] = {"horizon": horizon, "kappa_tau": u(), "L_max": u(3.0, 10.0)}
    for s in ("W", "R"):
        b = f"sides.{s}"
        out |= {
            f"{b}.belief.p0": u(0.02, 0.98), f"{b}.elite.h0": u(), f"{b}.elite.eta": u(0.0, 0.6),
            f"{b}.behaviour.eps": u(0.0, 0.2), f"{b}.behaviour.mu": u(0.0, 0.2),
            f"{b}.behaviour.rho": u(0.05, 1.0), f"{b}.behaviour.q": u(0.0, 0.6),
            f"{b}.behaviour.logit_lambda": None if rng.random() < 0.3 else u(0.0, 20.0),
            f"{b}.learning.kappa": u(), f"{b}.learning.alpha": u(), f"{b}.learning.beta": u(0.0, 3.0),
            f"{b}.type": [ "B", "M", "from_trust", 0.5][int(rng.integers(0, 4))],
        }  # fmt: skip
    events = []
    for _ in range(int(rng.integers(0, 4))):
        actor = side()
        ev: dict[str, Any] = {"date": date(), "actor": actor, "observer": "R" if actor == "W" else "W"}
        if rng.random() < 0.5:
            ev["lr"] = float(np.exp(rng.uniform(np.log(1e-4), np.log(1e4))))
        else:
            ev["goldstein"], ev["valence"] = u(-10.0, 10.0), int(rng.integers(-1, 2))
        ev["probability"] = u()
        events.append(ev)
    signals = []
    for _ in range(int(rng.integers(0, 3))):
        sig = {
            "date": date(),
            "sender": side(),
            "size": u(0.0, 10.0),
            "mimic": u(0.05, 1.0),
            "delta": u(0.1, 0.99),
        }
        if rng.random() < 0.5:
            sig["issue"] = str(rng.choice(["arms_control", "security_architecture"]))
        signals.append(sig)
    out |= {
        "events": events,
        "levers.signals": signals,
        "levers.resets": [{"date": date()} for _ in range(int(rng.integers(0, 3)))],
        "levers.leadership": [
            {"side": side(), "date": date(), "dh": u()} for _ in range(int(rng.integers(0, 2)))
        ],
        "levers.joins": [{"side": side(), "date": date()} for _ in range(int(rng.integers(0, 2)))],
    }
    return out


def cells() -> dict[str, dict[str, Any]]:
    """name -> {scenario, overrides, world, conditions, runs, seed, paths}."""
    out: dict[str, dict[str, Any]] = {}
    for w in WORLDS:
        for tag, conds in (("sq", ()), ("all", ALL)):
            out[f"reset-{w}-{tag}"] = {
                "scenario": "reset-2009", "overrides": {}, "world": w, "conditions": list(conds),
                "runs": 2000, "seed": 20090706, "paths": False,
            }  # fmt: skip
    for w, tag in (("uncertain", "all"), ("deterrence", "sq")):
        out[f"reset-{w}-{tag}-paths"] = {**out[f"reset-{w}-{tag}"], "runs": 200, "paths": True}
    out["rich"] = {
        "scenario": RICH,
        "overrides": {},
        "world": None,
        "conditions": [],
        "runs": 2000,
        "seed": 11,
        "paths": False,
    }
    out["rich-paths"] = {**out["rich"], "runs": 200, "seed": 12, "paths": True}
    rng = np.random.default_rng(20261202)
    for i in range(12):
        world = [None, *WORLDS][int(rng.integers(0, 4))]
        conds = [c for c in ALL if rng.random() < 0.4]
        out[f"tweak-{i}"] = {
            "scenario": "reset-2009", "overrides": _tweak(rng, 36), "world": world, "conditions": conds,
            "runs": 300, "seed": int(rng.integers(0, 2**40)), "paths": i < 4,
        }  # fmt: skip
    return out
