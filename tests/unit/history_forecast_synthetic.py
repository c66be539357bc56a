"""A synthetic record made by the model with a known gamma and starting beliefs (for the backtest tests).

One run of a small two-issue scenario, buffeted by random in-run shocks, is simulated with its paths; each
month's change of each side's log-odds becomes coded events at the true gamma (|goldstein| * gamma = the
change, split so |goldstein| <= 10), so replaying the record at the true gamma and starting beliefs gives
back the run's trust path exactly; each year is labelled by that replay's December regime.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from detente.engine.simulate import simulate
from detente.history.assimilate import replay
from detente.history.calibrate import year_months, yearly_regime
from detente.history.events import Periods
from detente.scenario.load import load_scenario

NAMES = {0: "strategic_partnership_attempt", 1: "limited_tactical", 2: "adversarial"}
GAMMA_TRUE = 0.2
P_TRUE = {"W": 0.7, "R": 0.6}
GAMMAS = np.round(np.arange(0.02, 0.5001, 0.02), 4)
PS = np.round(np.arange(0.1, 0.901, 0.1), 4)


def small(p0: dict[str, float], first: int, years: int) -> dict:
    """A two-issue scenario whose three regimes are all reachable by trust alone."""

    def side() -> dict:
        return {
            "name": "side",
            "type": "from_trust",
            "elite": {"h0": 0.5, "eta": 0.0, "r_old": 0.2, "r_new": 0.05},
            "behaviour": {"eps": 0.05, "mu": 0.05, "rho": 0.5},
            "learning": {"kappa": 0.25, "alpha": 0.5, "beta": 0.0},
        }

    data = {
        "name": "synthetic",
        "start": f"{first}-01",
        "horizon": 12 * years,
        "seed": 11,
        "runs": 100,
        "sides": {"W": side(), "R": side()},
        "issues": {
            "trade": {"kind": "tactical", "T_M": 6, "S": 1.0, "v": 0.0, "w": 0.0},
            "pact": {"kind": "strategic", "T_M": 8, "S": -2.0, "v": 0.0, "w": 0.0},
        },
    }
    for sid, p in p0.items():
        data["sides"][sid]["belief"] = {"p0": p}
    return data


@lru_cache(maxsize=4)
def synthetic_record(shock_seed: int = 5, years: int = 25, first: int = 1984, shocks: int = 3):
    """(scenario with the record as its history, labelled years, the truth run's December regimes)."""
    data = small(P_TRUE, first, years)
    rng = np.random.default_rng(shock_seed)
    data["event_scale"] = 0.3
    data["events"] = [
        {
            "date": f"{y}-{int(rng.integers(1, 13)):02d}",
            "actor": "RW"[obs],
            "observer": "WR"[obs],
            "goldstein": float(rng.choice([4.0, 8.0])),
            "valence": int(rng.choice([-1, 1])),
        }
        for y in range(first, first + years)
        for obs in rng.integers(0, 2, shocks)
    ]
    res = simulate(load_scenario(data), runs=100, seed=5, paths=True)
    dec = res.paths["regime"][:, 11::12]
    i = int(np.argmax((np.diff(dec, axis=1) != 0).sum(1)))  # the most eventful run: informative labels
    L = res.paths["L"][i]
    L0 = np.log(np.array(list(P_TRUE.values())) / (1 - np.array(list(P_TRUE.values()))))
    dL = np.diff(np.vstack([L0, L]), axis=0)
    rows = []
    for t in range(12 * years):
        month = f"{first + t // 12}-{t % 12 + 1:02d}-15"
        for s, (actor, target) in enumerate((("RUS", "USA"), ("USA", "RUS"))):
            d = float(dL[t, s])
            if abs(d) < 1e-12:
                continue
            k = int(np.ceil(abs(d) / (GAMMA_TRUE * 10)))
            rows += [
                {
                    "date": month,
                    "actor": actor,
                    "target": target,
                    "kind": "cooperate" if d > 0 else "demand",
                    "goldstein": abs(d) / (GAMMA_TRUE * k),
                    "dyad_valence": 1 if d > 0 else -1,
                }
            ] * k
    data = small(P_TRUE, first, years)
    data["history"] = {
        "events": rows,
        "actors": {"USA": "W", "RUS": "R"},
        "start": f"{first}-01",
        "until": f"{first + years - 1}-12-31",
        "gamma": GAMMA_TRUE,
        "p_start": dict(P_TRUE),
        "regime_at": "year-end",
    }
    for sid in ("W", "R"):
        data["sides"][sid]["belief"] = {"p0": "from_history"}
    sc = load_scenario(data)
    rep = replay(sc)
    ys = np.arange(first, first + years)
    labels = yearly_regime(rep.regime, year_months(rep.setup.months, ys, "year-end"))
    empty = np.array([""] * years, dtype=object)
    periods = Periods(
        "synthetic", ys, np.array([NAMES[int(r)] for r in labels], dtype=object), empty, empty, empty
    )
    return sc, periods, dec[i], np.abs(rep.L.T - L).max()
