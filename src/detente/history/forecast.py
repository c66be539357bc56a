"""Forecast from a date: replay the record to the date, then simulate forward without later events.

The forecast scenario is the scenario itself, starting with the month after the date's last day, with:
each side's ``p0`` the replayed trust on the date; true types drawn from that trust (``from_trust``,
unless ``types`` says otherwise), so the ensemble is as unsure of the types as the sides are; the
history's threat and inclusion schedules as its schedules (the payoffs under which the replay's regimes
were read); each side's cohort share h held at the replay's (``history.cohort: scenario`` holds h0, so
eta is 0; ``backcast`` starts from the backcast h); and no levers, events, conditions or worlds (nothing
after the date is known). The result is P(regime) in each December, from the engine's monthly regime
counts. Several parameter draws (e.g. from the calibration's posterior) are pooled with equal weight.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from detente.model.regime import REGIMES

DEFAULT_TYPES = "from_trust"


def first_month(origin: np.datetime64) -> str:
    """The first simulated month: the month holding the day after the origin."""
    return str((origin + np.timedelta64(1, "D")).astype("datetime64[M]"))


def _window(steps: Any, start: str, months: int) -> Any:
    """A schedule (list of steps, or a per-side mapping of them) cut to the window from ``start``."""
    from detente.scenario.schema import month_index

    if isinstance(steps, dict):
        return {k: _window(v, start, months) for k, v in steps.items()}
    rows = sorted((dict(s) for s in steps), key=lambda s: s["start"])
    out, before = [], None
    for s in rows:
        at = month_index(start, s["start"])
        if at <= 0:
            before = s
        elif at < months:
            out.append(s)
    if before is not None:
        out.insert(0, {**before, "start": start})
    return out


def forecast_base(scenario: Any, start: str, months: int, h: np.ndarray, types: str | None) -> Any:
    """The forecast scenario (see the module docstring) with placeholder p0 0.5 for both sides."""
    from detente.scenario.load import load_scenario

    data = scenario.model_dump(mode="json")
    hist = data.get("history") or {}
    data.update(start=start, horizon=months, events=[], conditions={}, worlds={}, history=None)
    data["levers"] = {}
    data["schedules"] = {
        **data.get("schedules", {}),
        "threat": _window(hist.get("threat") or [], start, months),
        "inclusion": _window(hist.get("inclusion") or [], start, months),
    }
    for s, sid in enumerate(scenario.side_ids):
        side = data["sides"][sid]
        side["belief"]["p0"] = 0.5
        if types is not None:
            side["type"] = types
        side["elite"]["h0"] = float(h[s])
        if hist.get("cohort", "scenario") == "scenario":
            side["elite"]["eta"] = 0.0
    return load_scenario(data)


def year_ends(start: str, years: int) -> tuple[list[int], list[int]]:
    """Calendar years forecast (the first is the start month's year) and their December month indices."""
    from detente.scenario.schema import month_index

    first = int(start[:4])
    ys = list(range(first, first + years))
    return ys, [month_index(start, f"{y}-12") for y in ys]


@dataclass
class Forecast:
    """P(regime) at each forecast year's end, pooled over parameter draws."""

    scenario: str
    origin: str  # last date whose events count
    start: str  # first simulated month
    years: list[int]
    prob: np.ndarray  # (Y, 3) in REGIMES order
    se: np.ndarray  # (Y, 3) Monte Carlo standard errors
    runs: int
    draws: list[dict[str, Any]] = field(default_factory=list)  # parameters and starting trust per draw
    types: str | None = DEFAULT_TYPES
    calibration: dict[str, Any] | None = None  # the posterior the draws came from, if any

    def to_pandas(self) -> Any:
        """One row per year: P(strategic), P(tactical), P(frozen) with Monte Carlo s.e."""
        import pandas as pd

        cols: dict[str, Any] = {"year": self.years}
        for r, name in enumerate(REGIMES):
            cols[f"p_{name}"] = self.prob[:, r]
            cols[f"se_{name}"] = self.se[:, r]
        return pd.DataFrame(cols)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready data."""
        from detente.report.jsondata import plain

        return plain(
            {
                "scenario": self.scenario,
                "origin": self.origin,
                "start": self.start,
                "runs": self.runs,
                "types": self.types,
                "regimes": list(REGIMES),
                "years": [
                    {
                        "year": y,
                        **{f"p_{n}": float(self.prob[i, r]) for r, n in enumerate(REGIMES)},
                        **{f"se_{n}": float(self.se[i, r]) for r, n in enumerate(REGIMES)},
                    }
                    for i, y in enumerate(self.years)
                ],
                "draws": self.draws,
                "calibration": self.calibration,
            }
        )


def ensemble(
    base: Any,
    trust: list[np.ndarray],
    runs: int,
    seed: int,
    months: list[int],
    overrides: list[dict[str, Any]] | None = None,
) -> tuple[np.ndarray, int]:
    """P(regime) (len(months), 3) pooled over starting-trust draws (equal weight), and the runs used."""
    from detente.engine.simulate import simulate
    from detente.scenario.schema import P_EDGE

    n = len(trust)
    per = max(1, -(-runs // n))
    counts = np.zeros((len(months), 3))
    for j, p in enumerate(trust):
        p = np.clip(p, P_EDGE, 1 - P_EDGE)
        sets = {f"sides.{sid}.belief.p0": float(p[s]) for s, sid in enumerate(base.side_ids)}
        sc = base.apply({**(overrides[j] if overrides else {}), **sets}, origin="forecast")
        res = simulate(sc, runs=per, seed=(seed + j) % 2**64)
        counts += res.aggregates.regime_prob[:, months].T * per
    return counts / (per * n), per * n


def forecast(
    scenario: Any,
    origin: str,
    years: int = 5,
    runs: int = 1000,
    seed: int | None = None,
    params: list[dict[str, float]] | None = None,
    types: str | None = DEFAULT_TYPES,
    table: Any = None,
) -> Forecast:
    """Replay to ``origin`` (inclusive) at each parameter draw and simulate ``years`` calendar years forward.

    ``params``: draws of 'gamma', 'p_start.<side>' and dotted scenario paths (default: the scenario's
    stored gamma and p_start).
    """
    from detente.analysis.mcse import proportion_se
    from detente.history.assimilate import history_of, prepare, replay

    hist = history_of(scenario)
    params = params or [{"gamma": float(hist.gamma)}]
    seed = scenario.seed if seed is None else seed
    setups: dict[str, Any] = {}
    trust, extras, draws = [], [], []
    for d in params:
        extra = {k: v for k, v in d.items() if k != "gamma" and not k.startswith("p_start.")}
        key = repr(sorted(extra.items()))
        sc = scenario.apply(extra) if extra else scenario
        if key not in setups:
            setups[key] = prepare(sc, table, until=origin)
        p_start = {k.split(".", 1)[1]: v for k, v in d.items() if k.startswith("p_start.")}
        rep = replay(sc, setup=setups[key], gamma=d.get("gamma"), p_start=p_start or None)
        trust.append(rep.p[:, -1])
        extras.append(extra)
        draws.append({**d, "starting_trust": rep.final()})
    setup = next(iter(setups.values()))
    start = first_month(setup.until)
    ys, months = year_ends(start, years)
    base = forecast_base(scenario, start, months[-1] + 1, setup.h[:, -1], types)
    prob, used = ensemble(base, trust, runs, seed, months, extras)
    se = np.vectorize(proportion_se)(prob, used)
    return Forecast(scenario.name, str(setup.until), start, ys, prob, se, used, draws, types)
