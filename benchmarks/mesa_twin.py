"""A Mesa 3.x twin of detente's model v1 (theory §10.5), the peer in ``benchmarks/run``'s ensemble race.

Written as an experienced Mesa user would: one ``Side`` agent per power holding its parameters and
state, a ``Rivalry`` model that reads the same scenario cell, caches per-issue constants and the other
side's agent, and steps the month's phases (slow variables, resets, regime test, intentions, moves,
perception, learning) with plain floats and the model's own ``numpy`` Generator (one seed per run).
It cannot share detente's counter-based draws, so agreement is statistical (tests/unit/test_mesa_twin.py).

    .venv/bin/python benchmarks/mesa_twin.py --runs 50 --world uncertain
"""

from __future__ import annotations

import argparse
import math
import statistics
import time
from pathlib import Path
from typing import Any

import mesa
import numpy as np

from detente.engine.compile import EVIDENCE_CAP
from detente.engine.simulate import resolve_initial_trust
from detente.scenario.load import load_scenario
from detente.scenario.schema import Scenario, month_index


def _fixed(value: Any, where: str) -> float:
    if not isinstance(value, int | float):
        raise NotImplementedError(f"{where}: the Mesa twin takes fixed numbers only, got {value!r}")
    return float(value)


def _schedule(steps: list, start: str, horizon: int) -> list[float]:
    out = [0.0] * horizon
    for step in sorted(steps, key=lambda s: month_index(start, s.start)):
        m = month_index(start, step.start)
        out[m:] = [float(step.value)] * (horizon - m)
    return out


class Side(mesa.Agent):
    """One power: its behaviour, learning and cohort parameters, its trust in the other, its memory."""

    def __init__(self, model: Rivalry, sid: str, p0: float, benign: bool) -> None:
        super().__init__(model)
        spec = model.scenario.sides[sid]
        b, lr, el = spec.behaviour, spec.learning, spec.elite
        self.sid = sid
        self.eps, self.mu, self.rho, self.q = (
            _fixed(getattr(b, f), f"{sid}.{f}") for f in ("eps", "mu", "rho", "q")
        )
        self.lam = None if b.logit_lambda is None else _fixed(b.logit_lambda, f"{sid}.logit_lambda")
        self.kappa, self.alpha, self.beta = (
            _fixed(getattr(lr, f), f"{sid}.{f}") for f in ("kappa", "alpha", "beta")
        )
        self.r_old, self.r_new = _fixed(el.r_old, "r_old"), _fixed(el.r_new, "r_new")
        self.decay = (1 - _fixed(el.eta, "eta")) ** (1 / 12)
        self.h = _fixed(el.h0, "h0")
        self.L = math.log(p0 / (1 - p0))
        self.benign = benign
        k = len(model.issue_ids)
        self.grievance = [False] * k
        self.last_move = [True] * k
        self.move = [True] * k
        self.seen = [True] * k
        a_b = 1 - self.eps
        a_m = (1 - self.rho) * (1 - self.eps) + self.rho * self.eps
        self.seen_C_if_B = a_b * (1 - self.mu) + (1 - a_b) * self.mu  # how others see my moves
        self.seen_C_if_M = a_m * (1 - self.mu) + (1 - a_m) * self.mu
        self.other: Side | None = None
        self.payoffs: list[tuple[float, float, float, float, float]] = []
        self.threshold: list[float] = []
        self.exploits: list[bool] = []

    def evidence(self, saw_c: bool) -> float:
        """Log-likelihood ratio that the *other* side is benign, given how its move was seen."""
        o = self.other
        num, den = (o.seen_C_if_B, o.seen_C_if_M) if saw_c else (1 - o.seen_C_if_B, 1 - o.seen_C_if_M)
        if den == 0 or num == 0:
            return EVIDENCE_CAP if den == 0 else -EVIDENCE_CAP
        return max(-EVIDENCE_CAP, min(EVIDENCE_CAP, math.log(num / den)))

    def assess(self, tau: float, iota: float, kappa_tau: float) -> None:
        """This month's transformed payoffs, trust thresholds and exploit flags per issue (theory §10.4)."""
        r = (self.r_new + (self.r_old - self.r_new) * self.h) / (1 + kappa_tau * tau)
        self.payoffs, self.threshold, self.exploits = [], [], []
        for iss in self.model.issues:
            R = iss["R0"] + iss["w"] * tau
            v = iss["v"] + iss["dv"] * iota
            S = iss["S"] + iota * (iss["S_incl"] - iss["S"]) if iss["invited"] == self.sid else iss["S"]
            TB = v * iss["P0"] + (1 - v) * iss["T_B"]
            TM = v * iss["P0"] + (1 - v) * iss["T_M"]
            Sv = v * iss["P0"] + (1 - v) * S
            pay = ((1 - r) * R, TB - r * Sv, TM - r * Sv, Sv - r * TB, (1 - r) * iss["P0"])
            Rp, TBp, TMp, Sp, Pp = pay
            t = math.inf if Rp <= TBp else (0.0 if Sp >= Pp else (Pp - Sp) / ((Rp - TBp) + (Pp - Sp)))
            self.payoffs.append(pay)
            self.threshold.append(t)
            self.exploits.append(TMp > Rp)

    def expected_cooperation(self, k: int) -> float:
        """pi: how likely the other cooperates on issue k given my trust (theory §10.4)."""
        if not self.other.exploits[k]:
            return 1.0
        p = 1 / (1 + math.exp(-self.L))
        return p + (1 - p) * (1 - self.other.rho)

    def act(self, open_issues: list[bool]) -> None:
        """Intentions (exploitation, logit, GTFT forgiveness) and realised moves with noise (§10.5 4–5)."""
        rng = self.model.rng
        for k, is_open in enumerate(open_issues):
            intend = is_open
            if is_open:
                if not self.benign and self.exploits[k]:
                    intend = rng.random() >= self.rho
                elif self.lam is not None:
                    pi = self.expected_cooperation(k)
                    Rp, TBp, _, Sp, Pp = self.payoffs[k]
                    d = pi * (Rp - TBp) + (1 - pi) * (Sp - Pp)
                    intend = rng.random() < 1 / (1 + math.exp(-self.lam * d))
                if self.grievance[k] and rng.random() >= self.q:
                    intend = False
            self.move[k] = intend != (rng.random() < self.eps)

    def perceive_and_learn(self, open_issues: list[bool]) -> None:
        """See the other's moves through noise and update trust by tempered, biased Bayes (§10.5 6–7)."""
        rng, other = self.model.rng, self.other
        total = 0.0
        for k, is_open in enumerate(open_issues):
            saw_c = other.move[k] != (rng.random() < other.mu)
            self.seen[k] = saw_c
            if is_open and other.exploits[k]:
                ell = self.evidence(saw_c)
                if not saw_c and not self.last_move[k]:
                    ell *= 1 - self.alpha
                if ell < 0:
                    ell *= 1 + self.beta * self.h
                total += self.kappa * ell
        lim = self.model.L_max
        self.L = max(-lim, min(lim, self.L + total))

    def remember(self, open_issues: list[bool]) -> None:
        """Grievances (perceived defection on an open issue) and own last moves (§10.5 step 8)."""
        for k, is_open in enumerate(open_issues):
            self.grievance[k] = is_open and not self.seen[k]
            self.last_move[k] = self.move[k]


class Rivalry(mesa.Model):
    """Two Side agents playing every issue every month; records the regime and cooperation index."""

    def __init__(self, scenario: Scenario, trust0: dict[str, float], seed: int) -> None:
        super().__init__(rng=seed)
        sc = self.scenario = scenario
        self.issue_ids = list(sc.issues)
        self.issues = []
        for iid in self.issue_ids:
            spec = sc.issues[iid]
            inc = spec.inclusion
            d = {
                f: _fixed(getattr(spec, f), f"{iid}.{f}")
                for f in ("R0", "T_B", "P0", "T_M", "S", "v", "w", "omega")
            }
            d.update(
                dv=_fixed(inc.dv, "dv") if inc else 0.0,
                S_incl=_fixed(inc.S_incl, "S_incl") if inc else d["S"],
            )
            d.update(invited=inc.invited if inc else None, strategic=spec.kind == "strategic")
            self.issues.append(d)
        self.omega_total = sum(d["omega"] for d in self.issues)
        self.L_max, self.kappa_tau = _fixed(sc.L_max, "L_max"), _fixed(sc.kappa_tau, "kappa_tau")
        self.tau = _schedule(sc.schedules.threat, sc.start, sc.horizon)
        self.iota = _schedule(sc.schedules.inclusion, sc.start, sc.horizon)
        self.resets = {month_index(sc.start, r.date) for r in sc.levers.resets}
        self.joins = {month_index(sc.start, j.date): j.side for j in sc.levers.counterfactual_joins}
        self.leadership = [
            (month_index(sc.start, x.date), x.side, _fixed(x.dh, "dh")) for x in sc.levers.leadership
        ]
        if sc.levers.signals or sc.events:
            raise NotImplementedError("the Mesa twin covers the founding scenario: no signals or events")
        ids = list(sc.sides)
        p0 = {
            s: (trust0[s] if sc.sides[s].belief.p0 == "from_history" else _fixed(sc.sides[s].belief.p0, "p0"))
            for s in ids
        }
        self.by_id: dict[str, Side] = {}
        for i, sid in enumerate(ids):
            t = sc.sides[sid].type
            if t in ("B", "M"):
                benign = t == "B"
            else:
                q = p0[ids[1 - i]] if t == "from_trust" else _fixed(t, "type")
                benign = self.rng.random() < q
            self.by_id[sid] = Side(self, sid, p0[sid], benign)
        a, b = self.by_id[ids[0]], self.by_id[ids[1]]
        a.other, b.other = b, a
        self.pair = (a, b)
        self.month = 0
        self.regime = 2
        self.ci_sum = 0.0
        self.streak = 0
        self.durable = False

    def step(self) -> None:
        """One month (theory §10.5)."""
        t, (a, b) = self.month, self.pair
        if t > 0:
            for side in self.pair:
                side.h *= side.decay
        for month, sid, dh in self.leadership:
            if month == t:
                self.by_id[sid].h *= 1 - dh
        if t in self.joins:
            self.by_id[self.joins[t]].benign = True
        if t in self.resets:
            for side in self.pair:
                side.grievance = [False] * len(self.issues)
        for side in self.pair:
            side.assess(self.tau[t], self.iota[t], self.kappa_tau)
        open_issues = [
            a.expected_cooperation(k) >= a.threshold[k] and b.expected_cooperation(k) >= b.threshold[k]
            for k in range(len(self.issues))
        ]
        self.agents.do("act", open_issues)
        self.agents.do("perceive_and_learn", open_issues)
        self.agents.do("remember", open_issues)
        strategic = any(g and iss["strategic"] for g, iss in zip(open_issues, self.issues, strict=True))
        self.regime = 0 if strategic else (1 if any(open_issues) else 2)
        self.streak = self.streak + 1 if strategic else 0
        self.durable = self.durable or self.streak >= self.scenario.durable_months
        mutual = sum(iss["omega"] for k, iss in enumerate(self.issues) if a.move[k] and b.move[k])
        self.ci_sum += mutual / self.omega_total
        self.month += 1


V1_RESET = str(Path(__file__).resolve().parents[1] / "tests" / "golden" / "reset2009_v010.yaml")
"""The twin is the v1 model (no joining choice, no verification channel): reset-2009 as 0.1.0 shipped it."""


def run_ensemble(
    scenario: str | Scenario = V1_RESET,
    runs: int = 100,
    world: str | None = None,
    conditions: tuple[str, ...] = (),
    seed: int = 1,
) -> dict[str, Any]:
    """Run ``runs`` Mesa models of one cell; per-run outcomes and the ensemble statistics."""
    base = load_scenario(scenario)
    cell = base.cell(world, tuple(conditions)) if (world or conditions) else base
    trust0 = resolve_initial_trust(cell)
    seeds = np.random.SeedSequence(seed).generate_state(runs, dtype=np.uint64)
    final, ci, durable, trust = [], [], [], {s: [] for s in cell.sides}
    started = time.perf_counter()
    for r in range(runs):
        model = Rivalry(cell, trust0, int(seeds[r]))
        for _ in range(cell.horizon):
            model.step()
        final.append(model.regime)
        ci.append(model.ci_sum / cell.horizon)
        durable.append(model.durable)
        for sid, side in model.by_id.items():
            trust[sid].append(1 / (1 + math.exp(-side.L)))
    seconds = time.perf_counter() - started
    return {
        "runs": runs,
        "seconds": seconds,
        "months": cell.horizon,
        "issues": len(cell.issues),
        "final_regime": np.array(final),
        "ci": np.array(ci),
        "durable": np.array(durable),
        "final_trust": {s: np.array(v) for s, v in trust.items()},
        "p_strategic_end": float(np.mean(np.array(final) == 0)),
        "mean_ci": float(np.mean(ci)),
        "median_trust": {s: float(statistics.median(v)) for s, v in trust.items()},
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=50)
    ap.add_argument("--world", default="uncertain")
    ap.add_argument("--conditions", nargs="*", default=[])
    args = ap.parse_args()
    out = run_ensemble(runs=args.runs, world=args.world, conditions=tuple(args.conditions))
    sim = out["runs"] * out["months"] * 2 * out["issues"]
    print(
        f"mesa twin: {out['runs']} runs in {out['seconds']:.2f} s ({sim / out['seconds']:.3g} side-issue-months/s)"
    )
    print({k: out[k] for k in ("p_strategic_end", "mean_ci", "median_trust")})


if __name__ == "__main__":
    main()
