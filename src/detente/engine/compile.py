"""Compile a validated scenario into typed per-run parameter arrays (``Params``, a NamedTuple of arrays).

Compilation holds no model formula: transforms of parameters (monthly hazard, log-odds, likelihoods of
observed moves, separating cost, event log-LR) are the ``detente.model`` equations applied to arrays.
Distributions are drawn here, each run by its own counter-based uniform at step ``PARAM_STEP`` and a
site derived from the parameter's dotted path, so a run's draws do not depend on which chunk it is in,
nor on which other parameters the scenario declares.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np

from detente.errors import ScenarioError
from detente.model.beliefs import (
    event_evidence,
    event_log_lr,
    log_odds,
    move_evidence,
    observation_likelihoods,
    separating_cost,
)
from detente.model.elites import expansionist_share, monthly_hazard
from detente.model.equation import pure, vectorised
from detente.rng import PARAM_STEP, run_keys, site_bits, step_keys, uniform53
from detente.scenario.distributions import is_distribution
from detente.scenario.schema import Scenario, for_side, month_index

SIDE_FIELDS = (
    "h0",
    "eta_m",
    "r_old",
    "r_new",
    "L0",
    "eps",
    "mu",
    "rho",
    "q",
    "lam",
    "kappa",
    "alpha",
    "beta",
    "delta",
    "m_old",
    "m_new",
)
EVIDENCE_CAP = 50.0
"""Cap on one observation's log-likelihood ratio (a fully revealing move would be infinite)."""
ISSUE_FIELDS = ("R0", "T_B", "P0", "T_M", "S", "v", "w", "omega", "dv", "S_incl")
SIDED_ISSUE_FIELDS = ("R0", "T_B", "P0", "T_M", "S", "v", "w")
"""Issue fields that may differ by side (the side's own view of the game)."""
LEADER_TYPES = {None: -1, "M": 0, "B": 1, "draw": 2}
"""Codes of a leadership change's type: unchanged, malign, benign, drawn from the elite's shares."""
SIDE_DTYPE = np.dtype([(f, np.float64) for f in SIDE_FIELDS])
ISSUE_DTYPE = np.dtype([(f, np.float64) for f in ISSUE_FIELDS])


def path_site(path: str) -> int:
    """A stable 63-bit site number for a parameter's dotted path."""
    return int.from_bytes(hashlib.blake2b(path.encode(), digest_size=8).digest(), "little") >> 1


@dataclass(frozen=True)
class Structure:
    """What every run of a scenario shares: sizes, issue kinds, dated levers (months)."""

    sides: tuple[str, str]
    issues: tuple[str, ...]
    strategic: np.ndarray  # (K,) bool
    invited: np.ndarray  # (K,) int: index of the invited side, -1 if no inclusion terms
    horizon: int
    start: str
    durable_months: int
    join_month: np.ndarray  # (2,) int, -1 if never (counterfactual type switch)
    reset: np.ndarray  # (T,) bool
    leadership: tuple[tuple[int, int, str, int], ...]  # (month, side, path prefix, type code)
    signals: tuple[tuple[int, int, int, str], ...]  # (month, sender, issue, path prefix)
    events: tuple[tuple[int, int, str, int], ...]  # (month, observer, path prefix, index of the event)


class Params(NamedTuple):
    """Per-run parameters of a block of runs (n = len(runs)) and the scenario's dated levers, as typed arrays."""

    runs: np.ndarray  # (n,) int64 global run indices
    keys: np.ndarray  # (n,) uint64 counter-based run keys
    side: np.ndarray  # (n, 2) SIDE_DTYPE records: side["eps"] is (n, 2)
    issue: (
        np.ndarray
    )  # (n, K, 2) ISSUE_DTYPE records: issue k as side s sees it (B template, T_M, S, v, w, ...)
    theta0: np.ndarray  # (n, 2) bool: True = benign (B)
    tau: np.ndarray  # (n, T, 2) common threat as each side feels it
    iota: np.ndarray  # (n, T)
    L_max: np.ndarray  # (n,)
    channel_floor: np.ndarray  # (n,) trust below which verification is lost
    kappa_tau: np.ndarray  # (n,)
    ell_C: np.ndarray  # (n, 2): evidence for B when side j's move is seen as C (indexed by j)
    ell_D: np.ndarray  # (n, 2): ... seen as D
    lead_dh: np.ndarray  # (n, n_leadership)
    lead_h: np.ndarray  # (n, n_leadership) share set by the change, NaN if not set
    lead_u: np.ndarray  # (n, n_leadership) uniform for a drawn type
    sig_separating: np.ndarray  # (n, n_signals) bool
    sig_log_mimic: np.ndarray  # (n, n_signals)
    ev_dl: np.ndarray  # (n, n_events): -ln(lr), 0 if the event did not occur in that run
    strategic: np.ndarray  # (K,) bool
    invited: np.ndarray  # (K,) int64 invited side, -1
    reset: np.ndarray  # (T,) bool
    join_month: np.ndarray  # (2,) int64, -1 if never
    lead_month: np.ndarray  # (n_leadership,) int64
    lead_side: np.ndarray
    lead_type: np.ndarray  # (n_leadership,) int64, LEADER_TYPES codes
    sig_month: np.ndarray  # (n_signals,) int64
    sig_sender: np.ndarray
    ev_month: np.ndarray  # (n_events,) int64
    ev_obs: np.ndarray
    use_table: bool = False  # the engine's month-by-month game table (when payoffs do not vary by run)
    table_t_star: np.ndarray = np.zeros((0, 2, 2, 0))  # (T, channel down/up, side, K)
    table_e: np.ndarray = np.zeros((0, 2, 2, 0), np.bool_)
    table_pay: np.ndarray = np.zeros((0, 2, 5, 2, 0))

    @property
    def n(self) -> int:
        """Number of runs in the block."""
        return len(self.runs)


class Compiled:
    """A scenario compiled for simulation: structure plus a pure per-run parameter sampler."""

    def __init__(self, scenario: Scenario, seed: int, initial_trust: dict[str, float] | None = None) -> None:
        self.scenario = scenario
        self.seed = int(seed)
        self.initial_trust = initial_trust or {}
        sc = scenario
        sides = sc.side_ids
        issues = tuple(sc.issues)
        for sid in sides:
            if sc.sides[sid].belief.p0 == "from_history" and sid not in self.initial_trust:
                raise ScenarioError(
                    f"sides.{sid}.belief.p0: 'from_history' was not resolved; replay the history first"
                )
        join = np.full(2, -1, dtype=np.int64)
        for j in sc.levers.counterfactual_joins:
            m = month_index(sc.start, j.date)
            s = sides.index(j.side)
            join[s] = m if join[s] < 0 else min(join[s], m)
        reset = np.zeros(sc.horizon, dtype=bool)
        for r in sc.levers.resets:
            reset[month_index(sc.start, r.date)] = True
        first_strategic = next((k for k, i in enumerate(issues) if sc.issues[i].kind == "strategic"), 0)
        self.structure = Structure(
            sides=sides,
            issues=issues,
            strategic=np.array([sc.issues[i].kind == "strategic" for i in issues]),
            invited=np.array(
                [
                    sides.index(sc.issues[i].inclusion.invited) if sc.issues[i].inclusion else -1
                    for i in issues
                ]
            ),
            horizon=sc.horizon,
            start=sc.start,
            durable_months=sc.durable_months,
            join_month=join,
            reset=reset,
            leadership=tuple(
                (
                    month_index(sc.start, x.date),
                    sides.index(x.side),
                    f"levers.leadership.{i}",
                    LEADER_TYPES[x.type],
                )
                for i, x in enumerate(sc.levers.leadership)
            ),
            signals=tuple(
                (
                    month_index(sc.start, x.date),
                    sides.index(x.sender),
                    issues.index(x.issue) if x.issue else first_strategic,
                    f"levers.signals.{i}",
                )
                for i, x in enumerate(sc.levers.signals)
            ),
            events=tuple(
                (month_index(sc.start, e.date), sides.index(obs), f"events.{i}", i)
                for i, e in enumerate(sc.events)
                for obs in e.observers(sides)
            ),
        )

    def draw(self, runs: np.ndarray) -> Params:
        """Per-run parameters for the given global run indices (a pure function of seed and runs)."""
        sc, st = self.scenario, self.structure
        runs = np.asarray(runs, dtype=np.int64)
        keys = step_keys(run_keys(self.seed, runs), PARAM_STEP)
        n = len(runs)

        def value(v: Any, path: str) -> np.ndarray:
            if is_distribution(v):
                return np.asarray(v.ppf(uniform53(site_bits(keys, path_site(path)))), dtype=float)
            return np.full(n, float(v))

        cols: dict[str, list[np.ndarray]] = {f: [] for f in SIDE_FIELDS}
        p_start: list[np.ndarray] = []
        for sid in st.sides:
            s, base = sc.sides[sid], f"sides.{sid}"
            cols["h0"].append(value(s.elite.h0, f"{base}.elite.h0"))
            eta = value(s.elite.eta, f"{base}.elite.eta")
            cols["eta_m"].append(pure(monthly_hazard)(eta))
            cols["r_old"].append(value(s.elite.r_old, f"{base}.elite.r_old"))
            cols["r_new"].append(value(s.elite.r_new, f"{base}.elite.r_new"))
            p0 = self.initial_trust.get(sid) if s.belief.p0 == "from_history" else None
            p = np.full(n, float(p0)) if p0 is not None else value(s.belief.p0, f"{base}.belief.p0")
            cols["L0"].append(pure(log_odds)(p))
            p_start.append(p)
            for name in ("eps", "mu", "rho", "q"):
                cols[name].append(value(getattr(s.behaviour, name), f"{base}.behaviour.{name}"))
            lam = s.behaviour.logit_lambda
            cols["lam"].append(
                np.full(n, np.inf) if lam is None else value(lam, f"{base}.behaviour.logit_lambda")
            )
            for name in ("kappa", "alpha", "beta"):
                cols[name].append(value(getattr(s.learning, name), f"{base}.learning.{name}"))
            delta = s.behaviour.delta
            cols["delta"].append(
                np.full(n, np.nan) if delta is None else value(delta, f"{base}.behaviour.delta")
            )
            for name in ("m_old", "m_new"):
                share = getattr(s.elite, name)
                cols[name].append(
                    np.full(n, np.nan) if share is None else value(share, f"{base}.elite.{name}")
                )
        side = np.empty((n, 2), SIDE_DTYPE)
        for name, parts in cols.items():
            side[name] = np.stack(parts, axis=1)

        issue_arr = np.empty((n, len(st.issues), 2), ISSUE_DTYPE)
        for k, iid in enumerate(st.issues):
            spec, base = sc.issues[iid], f"issues.{iid}"
            omega = value(spec.omega, f"{base}.omega")
            inc = spec.inclusion
            for s_idx, sid in enumerate(st.sides):
                x = issue_arr[:, k, s_idx]
                for name in SIDED_ISSUE_FIELDS:
                    raw = getattr(spec, name)
                    own = for_side(raw, sid)
                    x[name] = value(own, f"{base}.{name}" if own is raw else f"{base}.{name}.{sid}")
                x["omega"] = omega
                x["dv"] = value(inc.dv, f"{base}.inclusion.dv") if inc else 0.0
                x["S_incl"] = value(inc.S_incl, f"{base}.inclusion.S_incl") if inc else x["S"]

        theta0 = np.zeros((n, 2), dtype=bool)
        for s_idx, sid in enumerate(st.sides):
            t = sc.sides[sid].type
            if t in ("B", "M"):
                theta0[:, s_idx] = t == "B"
            else:
                if t == "from_elite":
                    sd = side[:, s_idx]
                    p_benign = 1.0 - pure(expansionist_share)(sd["h0"], sd["m_old"], sd["m_new"])
                else:
                    p_benign = p_start[1 - s_idx] if t == "from_trust" else value(t, f"sides.{sid}.type")
                theta0[:, s_idx] = uniform53(site_bits(keys, path_site(f"sides.{sid}.type.draw"))) < p_benign

        threat = sc.schedules.threat
        tau = np.stack(
            [
                self._schedule(sc.schedules.threat_for(sid), f"schedules.threat.{sid}", value, n)
                if isinstance(threat, dict)
                else self._schedule(threat, "schedules.threat", value, n)
                for sid in st.sides
            ],
            axis=2,
        )
        iota = self._schedule(sc.schedules.inclusion, "schedules.inclusion", value, n)

        o_B, o_M = pure(observation_likelihoods)(side["eps"], side["rho"], side["mu"])
        with np.errstate(divide="ignore", invalid="ignore"):
            ell_C = _move_evidence(True, o_B, o_M, EVIDENCE_CAP)
            ell_D = _move_evidence(False, o_B, o_M, EVIDENCE_CAP)

        lead, lead_h, lead_u = [], [], []
        for i, (_, _, base, _) in enumerate(st.leadership):
            x = sc.levers.leadership[i]
            lead.append(value(x.dh, f"{base}.dh"))
            lead_h.append(np.full(n, np.nan) if x.h is None else value(x.h, f"{base}.h"))
            lead_u.append(uniform53(site_bits(keys, path_site(f"{base}.type.draw"))))
        sig_sep, sig_mimic = [], []
        for i, (_, _, k, base) in enumerate(st.signals):
            sig = sc.levers.signals[i]
            size = value(sig.size, f"{base}.size")
            delta = value(sig.delta, f"{base}.delta")
            sender = st.signals[i][1]
            x_star = pure(separating_cost)(
                issue_arr["P0"][:, k, sender], issue_arr["T_M"][:, k, sender], delta
            )
            sig_sep.append(size >= x_star)
            sig_mimic.append(np.log(value(sig.mimic, f"{base}.mimic")))
        ev = []
        gamma = value(sc.event_scale, "event_scale")
        for _, obs, base, i in st.events:
            e, sid = sc.events[i], st.sides[obs]
            if e.lr is not None:
                lr = for_side(e.lr, sid)
                log_lr = np.log(value(lr, f"{base}.lr" if lr is e.lr else f"{base}.lr.{sid}"))
            else:
                valence = float(for_side(e.valence, sid))
                log_lr = pure(event_log_lr)(value(e.goldstein, f"{base}.goldstein"), valence, gamma)
            occurs = uniform53(site_bits(keys, path_site(f"{base}.occurs"))) < value(
                e.probability, f"{base}.probability"
            )
            ev.append(np.where(occurs, pure(event_evidence)(log_lr), 0.0))

        def block(parts: list[np.ndarray], dtype: Any = float) -> np.ndarray:
            return np.stack(parts, axis=1).astype(dtype) if parts else np.zeros((n, 0), dtype=dtype)

        lead_month, lead_side = _ints(st.leadership, 0), _ints(st.leadership, 1)
        return Params(
            runs=runs,
            keys=run_keys(self.seed, runs),
            side=side,
            issue=issue_arr,
            theta0=theta0,
            tau=tau,
            iota=iota,
            L_max=value(sc.L_max, "L_max"),
            channel_floor=value(sc.channel_floor, "channel_floor"),
            kappa_tau=value(sc.kappa_tau, "kappa_tau"),
            ell_C=ell_C,
            ell_D=ell_D,
            lead_dh=block(lead),
            lead_h=block(lead_h),
            lead_u=block(lead_u),
            sig_separating=block(sig_sep, bool),
            sig_log_mimic=block(sig_mimic),
            ev_dl=block(ev),
            strategic=np.asarray(st.strategic, np.bool_),
            invited=np.asarray(st.invited, np.int64),
            reset=np.asarray(st.reset, np.bool_),
            join_month=np.asarray(st.join_month, np.int64),
            lead_month=lead_month,
            lead_side=lead_side,
            lead_type=_ints(st.leadership, 3),
            sig_month=_ints(st.signals, 0),
            sig_sender=_ints(st.signals, 1),
            ev_month=_ints(st.events, 0),
            ev_obs=_ints(st.events, 1),
        )

    def _schedule(self, steps: list, path: str, value: Any, n: int) -> np.ndarray:
        out = np.zeros((n, self.structure.horizon))
        for i, step in sorted(enumerate(steps), key=lambda x: month_index(self.scenario.start, x[1].start)):
            out[:, month_index(self.scenario.start, step.start) :] = value(step.value, f"{path}.{i}.value")[
                :, None
            ]
        return out


def _ints(items: tuple, col: int) -> np.ndarray:
    return np.array([x[col] for x in items], dtype=np.int64)


def _move_evidence(seen_c: bool, o_B: np.ndarray, o_M: np.ndarray, cap: float) -> np.ndarray:
    """``move_evidence`` per run and side; once per side when its likelihoods do not vary by run."""
    out = np.empty(o_B.shape)
    for s in range(o_B.shape[1]):
        b, m = o_B[:, s], o_M[:, s]
        if len(b) and (b == b[0]).all() and (m == m[0]).all():
            b, m = b[:1], m[:1]
        out[:, s] = vectorised(move_evidence)(seen_c, b, m, cap)
    return out
