# ruff: noqa
"""Compile a validated scenario into per-run parameter arrays (structure of arrays).

Distributions are drawn here, each run by its own counter-based uniform at step ``PARAM_STEP`` and a
site derived from the parameter's dotted path, so a run's draws do not depend on which chunk it is in,
nor on which other parameters the scenario declares.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .random import PARAM_STEP, run_keys, site_bits, step_keys, uniform53
from detente.errors import ScenarioError
from .beliefs import observation_likelihoods
from detente.scenario.distributions import is_distribution
from detente.scenario.schema import Scenario, month_index

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
)
EVIDENCE_CAP = 50.0
"""Cap on one observation's log-likelihood ratio (a fully revealing move would be infinite)."""
ISSUE_FIELDS = ("R0", "T_B", "P0", "T_M", "S", "v", "w", "omega", "dv", "S_incl")


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
    join_month: np.ndarray  # (2,) int, -1 if never
    reset: np.ndarray  # (T,) bool
    leadership: tuple[tuple[int, int, str], ...]  # (month, side, path of dh)
    signals: tuple[tuple[int, int, int, str], ...]  # (month, sender, issue, path prefix)
    events: tuple[tuple[int, int, str], ...]  # (month, observer, path prefix)


@dataclass
class Params:
    """Per-run arrays for a block of runs (n = len(runs))."""

    runs: np.ndarray  # (n,) global run indices
    side: dict[str, np.ndarray]  # each (n, 2)
    issue: dict[str, np.ndarray]  # each (n, K)
    theta0: np.ndarray  # (n, 2) bool: True = benign (B)
    tau: np.ndarray  # (n, T)
    iota: np.ndarray  # (n, T)
    L_max: np.ndarray  # (n,)
    kappa_tau: np.ndarray  # (n,)
    ell_C: np.ndarray  # (n, 2): evidence for B when side j's move is seen as C (indexed by j)
    ell_D: np.ndarray  # (n, 2): ... seen as D
    lead_dh: np.ndarray  # (n, n_leadership)
    sig_separating: np.ndarray  # (n, n_signals) bool
    sig_log_mimic: np.ndarray  # (n, n_signals)
    ev_dl: np.ndarray  # (n, n_events): -ln(lr), 0 if the event did not occur in that run
    extra: dict[str, Any] = field(default_factory=dict)

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
        for j in sc.levers.counterfactual_joins:  # renamed in 0.2 (was levers.joins)
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
                (month_index(sc.start, x.date), sides.index(x.side), f"levers.leadership.{i}.dh")
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
                (month_index(sc.start, e.date), sides.index(e.observer), f"events.{i}")
                for i, e in enumerate(sc.events)
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

        side: dict[str, np.ndarray] = {}
        cols: dict[str, list[np.ndarray]] = {f: [] for f in SIDE_FIELDS}
        for sid in st.sides:
            s, base = sc.sides[sid], f"sides.{sid}"
            cols["h0"].append(value(s.elite.h0, f"{base}.elite.h0"))
            eta = value(s.elite.eta, f"{base}.elite.eta")
            cols["eta_m"].append(1 - np.power(1 - eta, 1 / 12))
            cols["r_old"].append(value(s.elite.r_old, f"{base}.elite.r_old"))
            cols["r_new"].append(value(s.elite.r_new, f"{base}.elite.r_new"))
            p0 = self.initial_trust.get(sid) if s.belief.p0 == "from_history" else None
            p = np.full(n, float(p0)) if p0 is not None else value(s.belief.p0, f"{base}.belief.p0")
            cols["L0"].append(np.log(p / (1 - p)))
            for name in ("eps", "mu", "rho", "q"):
                cols[name].append(value(getattr(s.behaviour, name), f"{base}.behaviour.{name}"))
            lam = s.behaviour.logit_lambda
            cols["lam"].append(
                np.full(n, np.inf) if lam is None else value(lam, f"{base}.behaviour.logit_lambda")
            )
            for name in ("kappa", "alpha", "beta"):
                cols[name].append(value(getattr(s.learning, name), f"{base}.learning.{name}"))
        for name, parts in cols.items():
            side[name] = np.stack(parts, axis=1)

        issue: dict[str, list[np.ndarray]] = {f: [] for f in ISSUE_FIELDS}
        for iid in st.issues:
            spec, base = sc.issues[iid], f"issues.{iid}"
            for name in ("R0", "T_B", "P0", "T_M", "S", "v", "w", "omega"):
                issue[name].append(value(getattr(spec, name), f"{base}.{name}"))
            inc = spec.inclusion
            issue["dv"].append(value(inc.dv, f"{base}.inclusion.dv") if inc else np.zeros(n))
            issue["S_incl"].append(
                value(inc.S_incl, f"{base}.inclusion.S_incl") if inc else issue["S"][-1].copy()
            )
        issue_arr = {k: np.stack(v, axis=1) for k, v in issue.items()}

        theta0 = np.zeros((n, 2), dtype=bool)
        p_start = 1 / (1 + np.exp(-side["L0"]))
        for s_idx, sid in enumerate(st.sides):
            t = sc.sides[sid].type
            if t in ("B", "M"):
                theta0[:, s_idx] = t == "B"
            else:
                p_benign = p_start[:, 1 - s_idx] if t == "from_trust" else value(t, f"sides.{sid}.type")
                theta0[:, s_idx] = uniform53(site_bits(keys, path_site(f"sides.{sid}.type.draw"))) < p_benign

        tau = self._schedule(sc.schedules.threat, "schedules.threat", value, n)
        iota = self._schedule(sc.schedules.inclusion, "schedules.inclusion", value, n)

        o_B, o_M = observation_likelihoods(side["eps"], side["rho"], side["mu"])
        with np.errstate(divide="ignore", invalid="ignore"):
            ell_C = np.clip(np.nan_to_num(np.log(o_B / o_M)), -EVIDENCE_CAP, EVIDENCE_CAP)
            ell_D = np.clip(np.nan_to_num(np.log((1 - o_B) / (1 - o_M))), -EVIDENCE_CAP, EVIDENCE_CAP)

        lead = [value(sc.levers.leadership[i].dh, path) for i, (_, _, path) in enumerate(st.leadership)]
        sig_sep, sig_mimic = [], []
        for i, (_, _, k, base) in enumerate(st.signals):
            sig = sc.levers.signals[i]
            size = value(sig.size, f"{base}.size")
            delta = value(sig.delta, f"{base}.delta")
            x_star = delta * (issue_arr["T_M"][:, k] - issue_arr["P0"][:, k])
            sig_sep.append(size >= x_star)
            sig_mimic.append(np.log(value(sig.mimic, f"{base}.mimic")))
        ev = []
        gamma = value(sc.event_scale, "event_scale")
        for i, (_, _, base) in enumerate(st.events):
            e = sc.events[i]
            if e.lr is not None:
                log_lr = np.log(value(e.lr, f"{base}.lr"))
            else:
                log_lr = gamma * np.abs(value(e.goldstein, f"{base}.goldstein")) * -float(e.valence)
            occurs = uniform53(site_bits(keys, path_site(f"{base}.occurs"))) < value(
                e.probability, f"{base}.probability"
            )
            ev.append(np.where(occurs, -log_lr, 0.0))

        def block(parts: list[np.ndarray], dtype: Any = float) -> np.ndarray:
            return np.stack(parts, axis=1).astype(dtype) if parts else np.zeros((n, 0), dtype=dtype)

        return Params(
            runs=runs,
            side=side,
            issue=issue_arr,
            theta0=theta0,
            tau=tau,
            iota=iota,
            L_max=value(sc.L_max, "L_max"),
            kappa_tau=value(sc.kappa_tau, "kappa_tau"),
            ell_C=ell_C,
            ell_D=ell_D,
            lead_dh=block(lead),
            sig_separating=block(sig_sep, bool),
            sig_log_mimic=block(sig_mimic),
            ev_dl=block(ev),
        )

    def _schedule(self, steps: list, path: str, value: Any, n: int) -> np.ndarray:
        out = np.zeros((n, self.structure.horizon))
        for i, step in sorted(enumerate(steps), key=lambda x: month_index(self.scenario.start, x[1].start)):
            out[:, month_index(self.scenario.start, step.start) :] = value(step.value, f"{path}.{i}.value")[
                :, None
            ]
        return out
