"""Replay (assimilation): move each side's trust through the dated record, month by month.

Each attributed event moves the observing side's log-odds by -ln(lr), with ln(lr) = gamma*|goldstein|*
(-valence) unless the row gives ``lr`` (model.md §1); hostile evidence is amplified by the observer's
negativity bias (1 + beta*h) (theory §10.5 steps 2 and 7). Within a month evidence adds; the log-odds are
clipped to ±L_max only at month ends, as the engine does, so the order of events within a month (and so
within a day) cannot matter.

Attribution (who observes whom): actor and target are mapped to sides through ``history.actors`` (a code
equal to a side id maps to that side). If they map to different sides, the target's side observes the
actor's. If only the actor maps to a side (target unmapped or on the same side), the other side observes
it (an act on a third party, e.g. NATO enlargement or the Georgia war, read by the rival). If only the
target maps, the target's side observes the act as the rival camp's (e.g. SCO or Uzbek eviction notices
to the US). If neither maps, the event is unattributed and skipped unless the row names an ``observer``.
An ``observer`` of 'both' makes the act evidence to each side (a treaty or summit both took part in; the
shipped record codes bilateral agreements and consultations this way), as a scenario event observed by
both moves both beliefs in the simulation.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from detente.errors import ScenarioError
from detente.history.context import Context, build_context, month_labels, point, regimes
from detente.history.events import BUNDLED_EVENTS, EventTable, data_path, load_events
from detente.model.beliefs import event_evidence, event_log_lr, hostile_weight
from detente.model.equation import pure
from detente.scenario.events import BOTH as BOTH_CODE
from detente.scenario.schema import History, Scenario, month_index

DEFAULT_P_START = 0.5
BOTH = 2
"""Observer index of an event both sides observe."""


def observes(observer: np.ndarray, side: int) -> np.ndarray:
    """Which events side ``side`` observes (its own, and those both observe)."""
    return (observer == side) | (observer == BOTH)


def attribute(table: EventTable, actors: dict[str, str], sides: tuple[str, str]) -> np.ndarray:
    """Observer side index per event (-1: unattributed, ``BOTH``), by the rule in this module's docstring."""

    def side_of(code: str) -> int:
        sid = code if code in sides else actors.get(code)
        return sides.index(sid) if sid in sides else -1

    out = np.full(len(table), -1, dtype=np.int64)
    for i in range(len(table)):
        if table.observer[i] == BOTH_CODE:
            out[i] = BOTH
            continue
        if table.observer[i]:
            out[i] = side_of(table.observer[i])
            continue
        a, b = side_of(table.actor[i]), side_of(table.target[i])
        if a >= 0 and b >= 0 and a != b:
            out[i] = b
        elif a >= 0:
            out[i] = 1 - a
        elif b >= 0:
            out[i] = b
    return out


@dataclass(frozen=True, eq=False)
class Setup:
    """A replay problem with everything fixed except gamma and the starting beliefs.

    ``A[s, m]`` is the month's gamma-scaled evidence seen by side s (per unit gamma, negativity bias
    applied to its hostile part), ``F[s, m]`` the evidence of rows with explicit lr (bias applied).
    """

    scenario: Scenario
    table: EventTable
    sides: tuple[str, str]
    months: list[str]
    start: np.datetime64
    until: np.datetime64
    observer: np.ndarray  # (n_events,) int, -1 unattributed or outside the window
    month: np.ndarray  # (n_events,) int, month index of each event (-1 outside)
    unit: np.ndarray  # (n_events,) float: evidence per unit gamma before bias (|g|*valence), 0 if lr given
    fixed: np.ndarray  # (n_events,) float: -ln(lr) for rows with lr, else 0
    actor: np.ndarray  # (n_events,) int: the acting side (-1 unattributed)
    side_bias: np.ndarray  # (2, n_events) float: 1 + beta*h of each side in the event's month
    A: np.ndarray  # (2, M)
    F: np.ndarray  # (2, M)
    L_max: float
    beta: np.ndarray  # (2,)
    h: np.ndarray  # (2, M)
    context: Context = field(repr=False)

    def observer_bias(self) -> np.ndarray:
        """(n_events,) negativity bias 1 + beta*h of the observer (of the more biased side if both observe)."""
        single = (self.observer == 0) | (self.observer == 1)
        own = self.side_bias[np.clip(self.observer, 0, 1), np.arange(len(self.observer))]
        return np.where(single, own, self.side_bias.max(axis=0))


def _until(scenario: Scenario) -> str:
    hist = scenario.history
    if hist is not None and hist.until is not None:
        until = hist.until
        return until if len(until) == 10 else str(_month_end(until))
    first = np.datetime64(scenario.start[:7] + "-01", "D")
    return str(first - np.timedelta64(1, "D"))


def _month_end(month: str) -> np.datetime64:
    first = np.datetime64(month[:7], "M")
    return (first + np.timedelta64(1, "M")).astype("datetime64[D]") - np.timedelta64(1, "D")


def history_of(scenario: Scenario) -> History:
    """The scenario's history section (an empty default if it has none)."""
    return scenario.history if scenario.history is not None else History()


def load_table(scenario: Scenario, events: Any = None) -> EventTable:
    """The scenario's event table (or ``events``: 'bundled', a path or rows), validated."""
    hist = history_of(scenario)
    source = hist.events if events is None else events
    return (
        _cached_table(source, hist.actors, scenario.side_ids)
        if isinstance(source, (str, Path))
        else load_events(source, hist.actors, scenario.side_ids)
    )


def _cached_table(source: str | Path, actors: dict[str, str], sides: tuple[str, str]) -> EventTable:
    path = data_path(BUNDLED_EVENTS) if str(source) == "bundled" else Path(source)
    try:
        stamp = path.stat().st_mtime_ns
    except OSError:
        stamp = 0
    return _load_cached(str(path), stamp, tuple(sorted(actors.items())), sides)


@lru_cache(maxsize=16)
def _load_cached(path: str, stamp: int, actors: tuple, sides: tuple[str, str]) -> EventTable:
    return load_events(path, dict(actors), sides)


def prepare(
    scenario: Scenario,
    table: EventTable | None = None,
    start: str | None = None,
    until: str | None = None,
) -> Setup:
    """Precompute a replay of ``table`` (default: the scenario's) from ``start`` to ``until`` (inclusive)."""
    hist = history_of(scenario)
    table = load_table(scenario) if table is None else table
    sides = scenario.side_ids
    start = start or hist.start
    until = until or _until(scenario)
    t0 = np.datetime64(start[:7] + "-01", "D") if len(start) == 7 else np.datetime64(start, "D")
    t1 = _month_end(until) if len(until) == 7 else np.datetime64(until, "D")
    if t1 < t0:
        raise ScenarioError(f"history: the replay ends ({until}) before it starts ({start})")
    months = month_labels(str(t0), str(t1))
    ctx = build_context(scenario, months)
    beta = np.array([point(scenario.sides[s].learning.beta) for s in sides])
    L_max = point(scenario.L_max)

    observer = attribute(table, hist.actors, sides)
    inside = (table.date >= t0) & (table.date <= t1)
    observer = np.where(inside, observer, -1)
    ev_month = np.array(
        [month_index(months[0], str(d)) if ok else -1 for d, ok in zip(table.date, inside, strict=True)],
        dtype=np.int64,
    )
    has_lr = ~np.isnan(table.lr)
    per_gamma = pure(event_log_lr)(np.nan_to_num(table.goldstein), table.valence, 1.0)
    unit = np.where(has_lr, 0.0, pure(event_evidence)(per_gamma))
    with np.errstate(divide="ignore"):
        fixed = np.where(has_lr, pure(event_evidence)(np.log(np.where(has_lr, table.lr, 1.0))), 0.0)
    used = observer >= 0
    side_bias = np.ones((2, len(table)))
    for s in range(2):
        side_bias[s, used] = pure(hostile_weight)(beta[s], ctx.h[s, ev_month[used]])
    single = (observer == 0) | (observer == 1)
    actor = np.where(single, 1 - observer, -1)
    for i in np.flatnonzero(observer == BOTH):
        code = table.actor[i]
        sid = code if code in sides else hist.actors.get(code)
        actor[i] = sides.index(sid) if sid in sides else -1
    A = np.zeros((2, len(months)))
    F = np.zeros((2, len(months)))
    for s in range(2):
        sel = np.flatnonzero(observes(observer, s))
        sel = sel[
            np.lexsort((fixed[sel], unit[sel], ev_month[sel]))
        ]  # canonical order: sums are bit-identical
        u, f, b, m = unit[sel], fixed[sel], side_bias[s, sel], ev_month[sel]
        np.add.at(A[s], m, np.where(u < 0, b * u, u))
        np.add.at(F[s], m, np.where(f < 0, b * f, f))
    return Setup(
        scenario,
        table,
        sides,
        months,
        t0,
        t1,
        observer,
        ev_month,
        unit,
        fixed,
        actor,
        side_bias,
        A,
        F,
        L_max,
        beta,
        ctx.h,
        ctx,
    )


def p_start_of(scenario: Scenario) -> np.ndarray:
    """Starting trust of both sides from ``history.p_start`` (default 0.5 each)."""
    hist = history_of(scenario)
    unknown = sorted(set(hist.p_start) - set(scenario.side_ids))
    if unknown:
        raise ScenarioError(f"history.p_start: unknown side(s) {unknown}; expected {list(scenario.side_ids)}")
    return np.array([hist.p_start.get(s, DEFAULT_P_START) for s in scenario.side_ids])


def replay_log_odds(setup: Setup, gamma: Any, L0: np.ndarray) -> np.ndarray:
    """Month-end log-odds paths for any grid of gamma and starting log-odds.

    ``gamma`` broadcasts against ``L0[..., s]``; returns (..., 2, M). Clipping only at month ends.
    """
    gamma = np.asarray(gamma, dtype=float)
    L0 = np.asarray(L0, dtype=float)
    shape = np.broadcast_shapes(gamma.shape, L0.shape[:-1])
    L = np.broadcast_to(L0, (*shape, 2)).copy()
    g = np.broadcast_to(gamma, shape)[..., None]
    out = np.empty((*shape, 2, len(setup.months)))
    for m in range(len(setup.months)):
        L = np.clip(L + g * setup.A[:, m] + setup.F[:, m], -setup.L_max, setup.L_max)
        out[..., :, m] = L
    return out


@dataclass(frozen=True, eq=False)
class Replay:
    """Month-end trust paths of both sides and the state on the target date."""

    setup: Setup
    gamma: float
    p_start: np.ndarray  # (2,)
    L: np.ndarray  # (2, M) month-end log-odds (the last month ends on the target date)
    regime: np.ndarray  # (M,) regime implied by the beliefs under the history's payoffs

    @property
    def p(self) -> np.ndarray:
        """Month-end trust (2, M)."""
        return 1.0 / (1.0 + np.exp(-self.L))

    def final(self) -> dict[str, float]:
        """Trust of each side on the target date."""
        return {s: float(v) for s, v in zip(self.setup.sides, self.p[:, -1], strict=True)}

    def to_pandas(self) -> Any:
        """One row per month: trust and log-odds of both sides, h, regime."""
        import pandas as pd

        from detente.model.regime import REGIMES

        a, b = self.setup.sides
        return pd.DataFrame(
            {
                "month": self.setup.months,
                f"p_{a}": self.p[0],
                f"p_{b}": self.p[1],
                f"L_{a}": self.L[0],
                f"L_{b}": self.L[1],
                f"h_{a}": self.setup.h[0],
                f"h_{b}": self.setup.h[1],
                "regime": [REGIMES[r] for r in self.regime],
            }
        )


_REPLAYS: dict[str, Any] = {}


def _default_replay(scenario: Scenario) -> Any:
    """``replay(scenario)`` memoised on the scenario's content (cells of one experiment share it)."""
    key = scenario.canonical_json()
    if key not in _REPLAYS:
        if len(_REPLAYS) >= 64:
            _REPLAYS.clear()
        _REPLAYS[key] = replay(scenario)
    return _REPLAYS[key]


def replay(
    scenario: Scenario,
    table: EventTable | None = None,
    gamma: float | None = None,
    p_start: dict[str, float] | None = None,
    start: str | None = None,
    until: str | None = None,
    setup: Setup | None = None,
) -> Replay:
    """Replay the record from ``start`` (trust ``p_start``) through ``until`` with scale ``gamma``."""
    setup = setup or prepare(scenario, table, start, until)
    hist = history_of(scenario)
    gamma = point(hist.gamma) if gamma is None else float(gamma)
    p0 = p_start_of(scenario)
    for s, sid in enumerate(setup.sides):
        if p_start and sid in p_start:
            p0[s] = p_start[sid]
    L = replay_log_odds(setup, gamma, np.log(p0 / (1 - p0)))
    p = 1.0 / (1.0 + np.exp(-L))
    return Replay(setup, gamma, p0, L, regimes(setup.context, p[0], p[1]))


def starting_trust(scenario: Scenario) -> dict[str, float]:
    """Trust on the replay's target date for each side whose ``p0`` is 'from_history' (all sides if none is).

    An explicit ``p0`` number overrides the replay, so such sides are left out (they are not from history).
    """
    if scenario.history is None:
        raise ScenarioError("history: 'from_history' needs a 'history' section")
    final = _default_replay(scenario).final()
    wanted = [s for s in scenario.side_ids if scenario.sides[s].belief.p0 == "from_history"]
    return {s: final[s] for s in (wanted or scenario.side_ids)}


def history_provenance(scenario: Scenario) -> dict[str, Any]:
    """What the resolved starting trust came from: table, window, gamma, p_start, counts and the result."""
    if scenario.history is None:
        return {}
    rep = _default_replay(scenario)
    st = rep.setup
    hist = scenario.history
    used = st.observer >= 0
    return {
        "source": "history replay (detente.history.assimilate)",
        "events": hist.events if isinstance(hist.events, str) else "inline",
        "table": st.table.source,
        "start": str(st.start),
        "until": str(st.until),
        "gamma": rep.gamma,
        "p_start": {s: float(p) for s, p in zip(st.sides, rep.p_start, strict=True)},
        "cohort": hist.cohort,
        "events_used": int(used.sum()),
        "events_unattributed": [str(e) for e in st.table.event_id[(st.observer < 0) & _inside(st)]],
        "starting_trust": rep.final(),
    }


def _inside(st: Setup) -> np.ndarray:
    return (st.table.date >= st.start) & (st.table.date <= st.until)
