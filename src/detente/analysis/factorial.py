"""The main job: a 2^k factorial over a scenario's conditions in each world, its effects and verdict.

Every cell uses the same seed (common random numbers): run i of every cell draws the same random streams,
so differences between cells come from the conditions, not from different draws. Effects are the classical
2^k contrasts (Box, Hunter & Hunter); their standard errors pair the runs across cells (the s.e. of the
mean of each run's contrast), and a cell whose share is exactly 0 or 1 adds a conservative bound instead
of a zero error (``engine.results.share_se``).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from detente.errors import DetenteError
from detente.limits import check_seed, cost_problem, over_limit
from detente.scenario.load import load_scenario
from detente.scenario.schema import Scenario

DURABLE_THRESHOLD = 0.5
"""A cell 'reaches a durable partnership' when more than half of its runs do."""
TACTICAL_CEILING = 0.05
"""The status quo 'stays tactical' when fewer than 5% of runs ever form a durable partnership."""
OUTCOMES = ("p_strategic_end", "p_durable", "mean_ci")
EFFECTS_NOTE = (
    "How to read the effects: a main effect is the change in P(durable) when a condition is added, "
    "averaged over every combination of the other conditions; an interaction A × B is half the "
    "difference between A's effect with B and without B (a positive one: they reinforce each other). "
    "Errors pair the runs across cells (run i of every cell shares its random draws), and a cell at "
    "exactly 0 or 1 counts with a bound of 1/(runs + 1) instead of 0 (shown as 'se ≤')."
)
NUMBER_WORDS = {2: "both", 3: "all three", 4: "all four", 5: "all five"}


@dataclass
class Cell:
    """One cell: a world and a subset of conditions, with its simulation result."""

    world: str | None
    conditions: tuple[str, ...]
    result: Any

    @property
    def label(self) -> str:
        """'status quo' or the conditions joined by ' + '."""
        return " + ".join(self.conditions) if self.conditions else "status quo"


def _label(variants: Any, key: str | None) -> str:
    """A condition's or world's display label from the scenario (its key when it has none)."""
    if key is None:
        return ""
    found = (variants or {}).get(key)
    return (getattr(found, "label", None) or key) if found is not None else key


def _share_bound(p: float, n: int) -> float | None:
    """The conservative error of a share at exactly 0 or 1 (None inside)."""
    from detente.analysis.mcse import share_se

    return share_se(p, n) if p in (0.0, 1.0) else None


def _spoken_list(items: list[str], last: str = "and") -> str:
    """'a', 'a and b', 'a, b and c'."""
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + f" {last} " + items[-1]


class ExperimentResult:
    """All cells of a factorial experiment, with the table, effects and verdict."""

    def __init__(
        self,
        scenario: Scenario,
        conditions: tuple[str, ...],
        worlds: tuple[str | None, ...],
        cells: list[Cell],
        runs: int,
        seed: int,
    ) -> None:
        self.scenario = scenario
        self.conditions = conditions
        self.worlds = worlds
        self.cells = cells
        self.runs = runs
        self.seed = seed

    def cell(self, world: str | None, conditions: Sequence[str]) -> Cell:
        """The cell of ``world`` with exactly ``conditions``."""
        want = set(conditions)
        for c in self.cells:
            if c.world == world and set(c.conditions) == want:
                return c
        raise KeyError((world, tuple(conditions)))

    def world_label(self, world: str | None) -> str:
        """The world's label from the scenario ('' for the scenario without worlds)."""
        return _label(getattr(self.scenario, "worlds", None), world)

    def condition_label(self, name: str) -> str:
        """The condition's label from the scenario (its name when it has none)."""
        return _label(getattr(self.scenario, "conditions", None), name)

    def cell_label(self, conditions: Sequence[str], short: bool = False) -> str:
        """A cell in words: 'status quo' or its conditions' labels joined by ' + ' (``short``: a cell of
        several conditions uses their shortened labels, see ``short_labels``)."""
        if not conditions:
            return "status quo"
        names = self.short_labels() if short and len(conditions) > 1 else {}
        return " + ".join(names.get(c) or self.condition_label(c) for c in conditions)

    def short_labels(self, min_chars: int = 8) -> dict[str, str]:
        """Each condition's label cut after the first words that reach ``min_chars`` ('…' marks a cut),
        lengthened until no two are equal; labels that are equal in full get their name in brackets."""
        full = {c: self.condition_label(c) for c in self.conditions}
        words = {c: label.split(" ") for c, label in full.items()}
        keep = {c: next((i + 1 for i in range(len(w)) if len(" ".join(w[: i + 1])) >= min_chars), len(w))
                for c, w in words.items()}  # fmt: skip

        def cut(c: str) -> str:
            w = words[c]
            return " ".join(w[: keep[c]]) + ("…" if keep[c] < len(w) else "")

        while True:
            seen: dict[str, list[str]] = {}
            for c in self.conditions:
                seen.setdefault(cut(c), []).append(c)
            clashes = [cs for cs in seen.values() if len(cs) > 1]
            grow = [c for cs in clashes for c in cs if keep[c] < len(words[c])]
            if not grow:
                break
            for c in grow:
                keep[c] += 1
        counts = {label: list(full.values()).count(label) for label in full.values()}
        return {c: cut(c) if counts[full[c]] == 1 else f"{full[c]} [{c}]" for c in self.conditions}

    def records(self) -> list[dict[str, Any]]:
        """One flat record per cell: world, conditions as flags, summary figures with errors."""
        rows = []
        for c in self.cells:
            row: dict[str, Any] = {"world": c.world or "", "cell": c.label}
            for name in self.conditions:
                row[name] = name in c.conditions
            row.update(c.result.summary())
            rows.append(row)
        return rows

    def table(self) -> Any:
        """The cells as a pandas DataFrame (one row per cell)."""
        import pandas as pd

        return pd.DataFrame(self.records())

    def _paired(self, cells: dict[frozenset[str], Cell], outcome: str) -> dict[frozenset[str], Any] | None:
        """Each cell's per-run values of ``outcome`` in run order, or None when runs cannot be paired."""
        values = {}
        for key, c in cells.items():
            per_run = getattr(c.result, "per_run", None)
            v = per_run(outcome) if per_run is not None else None
            if v is None:
                return None
            values[key] = v
        return values if len({len(v) for v in values.values()}) == 1 else None

    def effects(self, outcome: str = "p_durable") -> dict[str, list[dict[str, Any]]]:
        """Main and interaction effects of the conditions on ``outcome``, per world.

        ``se`` is the standard error of the mean per-run contrast (runs paired across cells by common
        random numbers) when the cells hold their runs, else the independent-cells error from each cell's
        ``se_<outcome>``; a share at exactly 0 or 1 with a zero error adds its bound 1/(n + 1) instead
        (``bounded`` counts such cells).
        """
        from detente.analysis import mcse

        k = len(self.conditions)
        scale = 2 ** (k - 1) if k else 1
        out: dict[str, list[dict[str, Any]]] = {}
        for world in self.worlds:
            cells = {frozenset(c.conditions): c for c in self.cells if c.world == world}
            summaries = {key: c.result.summary() for key, c in cells.items()}
            paired = self._paired(cells, outcome)
            rows = []
            for order in range(1, k + 1):
                for combo in itertools.combinations(self.conditions, order):
                    signs = {key: math.prod(1 if n in key else -1 for n in combo) for key in cells}
                    est = sum(signs[key] * s[outcome] for key, s in summaries.items())
                    bounds = [
                        b
                        for s in summaries.values()
                        if not s.get(f"se_{outcome}")
                        and (b := _share_bound(s[outcome], int(s.get("runs", self.runs)))) is not None
                    ]
                    if paired is not None:
                        contrast = sum(signs[key] * v for key, v in paired.items()) / scale
                        var = mcse.mean_se(contrast) ** 2
                    else:
                        var = sum(s.get(f"se_{outcome}", 0.0) ** 2 for s in summaries.values()) / scale**2
                    var += sum(b**2 for b in bounds) / scale**2
                    rows.append(
                        {
                            "effect": " x ".join(combo),
                            "label": " × ".join(self.condition_label(n) for n in combo),
                            "order": order,
                            "estimate": est / scale,
                            "se": math.sqrt(var),
                            "paired": paired is not None,
                            "bounded": len(bounds),
                        }
                    )
            out[world or ""] = rows
        return out

    def _status_quo(self, sq: dict[str, Any]) -> str:
        """What the status quo does: 'tactical', 'frozen', 'short' (mixed, rarely durable) or 'durable'."""
        if sq["p_durable"] >= TACTICAL_CEILING:
            return "durable"
        if sq.get("p_tactical_end", 0.0) >= 0.5:
            return "tactical"
        return "frozen" if sq.get("p_frozen_end", 0.0) >= 0.5 else "short"

    def verdict(self) -> dict[str, Any]:
        """The argument's claims answered from the cells, per world, with a headline sentence each."""
        every = tuple(self.conditions)
        per_world: dict[str, Any] = {}
        for world in self.worlds:
            key = world or ""
            sq = self.cell(world, ()).result.summary()
            cells = [c for c in self.cells if c.world == world]
            p = {frozenset(c.conditions): c.result.summary()["p_durable"] for c in cells}
            durable = [c for c in cells if p[frozenset(c.conditions)] > DURABLE_THRESHOLD]
            fewer = [c for c in durable if set(c.conditions) != set(every)]
            minimal = [c for c in durable if not any(set(d.conditions) < set(c.conditions) for d in durable)]
            best = max(cells, key=lambda c: p[frozenset(c.conditions)])
            full = p[frozenset(every)]
            per_world[key] = {
                "status_quo_stays_tactical": sq["p_durable"] < TACTICAL_CEILING
                and sq.get("p_tactical_end", 0.0) >= 0.5,
                "status_quo_outcome": self._status_quo(sq),
                "status_quo": {
                    k: sq[k] for k in ("p_strategic_end", "p_durable", "p_tactical_end", "mean_ci") if k in sq
                },
                "durable_cells": [c.label for c in durable],
                "minimal_sufficient": [list(c.conditions) for c in minimal],
                "minimal_sufficient_p_durable": [p[frozenset(c.conditions)] for c in minimal],
                "best_conditions": list(best.conditions),
                "best_p_durable": p[frozenset(best.conditions)],
                "all_conditions_durable": full > DURABLE_THRESHOLD,
                "all_conditions_p_durable": full,
                "all_conditions_necessary": full > DURABLE_THRESHOLD and not fewer,
                "durable_without_all": [c.label for c in fewer],
            }
            per_world[key]["headline"] = self._headline(world, per_world[key])
        worlds = list(per_world.values())
        return {
            "thresholds": {"durable_cell": DURABLE_THRESHOLD, "status_quo_ceiling": TACTICAL_CEILING},
            "worlds": per_world,
            "claims": {
                "status_quo_stays_tactical": all(w["status_quo_stays_tactical"] for w in worlds),
                "all_conditions_durable": {k: v["all_conditions_durable"] for k, v in per_world.items()},
                "all_conditions_necessary": {k: v["all_conditions_necessary"] for k, v in per_world.items()},
            },
            "effects_on_p_durable": self.effects("p_durable"),
            "effects_note": EFFECTS_NOTE,
        }

    def _status_quo_name(self) -> str:
        """'the status quo', or 'the reset alone (the status quo)' where the scenario has a reset lever."""
        levers = getattr(self.scenario, "levers", None)
        return "the reset alone (the status quo)" if getattr(levers, "resets", None) else "the status quo"

    def _all_words(self) -> str:
        """All the conditions in words: 'both', 'all three', 'all 6'."""
        k = len(self.conditions)
        return NUMBER_WORDS.get(k, f"all {k}")

    def _headline(self, world: str | None, d: dict[str, Any]) -> str:
        """One sentence per world: does the status quo stay put, what suffices, is the conjunction needed."""
        name = self.world_label(world)
        sq, p_sq = self._status_quo_name(), self._p_words(d["status_quo"]["p_durable"])
        opening = {
            "tactical": f"{sq} stays tactical (P(durable) {p_sq})",
            "frozen": f"{sq} stays frozen (P(durable) {p_sq})",
            "short": f"{sq} rarely turns durable (P(durable) {p_sq})",
            "durable": f"{sq} does not stay tactical: P(durable) {p_sq}",
        }[d["status_quo_outcome"]]
        parts = [opening]
        k, full, every = len(self.conditions), d["all_conditions_p_durable"], self._all_words()
        if k and not d["minimal_sufficient"]:
            parts.append(
                f"no combination of the conditions makes a durable partnership likely "
                f"(P > {DURABLE_THRESHOLD}); "
                + (
                    f"the most is {d['best_p_durable']:.3f}, with {self.cell_label(d['best_conditions'])}"
                    if d["best_p_durable"] > 0
                    else f"not one run of {self.runs:,} in any cell forms one"
                )
            )
        elif k and d["all_conditions_necessary"]:
            what = f"{every} conditions together" if k > 1 else self.condition_label(self.conditions[0])
            parts.append(
                f"only with {what} is a durable partnership likely (P(durable) {full:.3f})"
                + (": the conjunction is needed" if k > 1 else "")
            )
        elif k:
            sets = [
                f"{self._set_words(names)} ({pd:.3f})"
                for names, pd in zip(d["minimal_sufficient"], d["minimal_sufficient_p_durable"], strict=True)
            ]
            part = f"enough for a durable partnership (P > {DURABLE_THRESHOLD}): " + "; or ".join(sets)
            if k > 1:
                part += f"; so the conjunction of {every} is not needed"
                if not d["all_conditions_durable"]:
                    part += f", and {every} together fall short ({full:.3f})"
            parts.append(part)
        text = "; ".join(parts) + "."
        return f"{name}: {text}" if name else text[0].upper() + text[1:]

    def _p_words(self, p: float) -> str:
        """A share for a sentence: '0.616', or '0.000: no run of 500' / '1.000: every run of 500'."""
        if p in (0.0, 1.0):
            return f"{p:.3f}: {'no' if p == 0 else 'every'} run of {self.runs:,}"
        return f"{p:.3f}"

    def _set_words(self, names: Sequence[str]) -> str:
        """A set of conditions in words: 'X alone', 'X with Y', 'X, Y and Z together'."""
        labels = [self.condition_label(n) for n in names]
        if len(labels) == 1:
            return f"{labels[0]} alone"
        if len(labels) == 2:
            return f"{labels[0]} with {labels[1]}"
        return _spoken_list(labels) + " together"

    def headlines(self) -> list[str]:
        """One headline sentence per world (the first lines of ``sentences``)."""
        return [d["headline"] for d in self.verdict()["worlds"].values()]

    def sentences(self) -> list[str]:
        """The verdict in plain words: a headline per world, what the effects mean, the largest per world."""
        v = self.verdict()
        lines = [d["headline"] for d in v["worlds"].values()] + self.counterfactuals()
        if not self.conditions:
            return lines
        lines.append(EFFECTS_NOTE)
        for w in v["worlds"]:
            name = self.world_label(w or None)
            top = sorted(v["effects_on_p_durable"][w], key=lambda e: -abs(e["estimate"]))[:3]
            lines.append(
                (f"{name}: " if name else "")
                + "largest effects on P(durable): "
                + "; ".join(
                    f"{e['label']} {e['estimate']:+.3f} (se {'≤ ' if e['bounded'] else ''}{e['se']:.3f})"
                    for e in top
                )
                + "."
            )
        return lines

    def counterfactuals(self) -> list[str]:
        """A warning per counterfactual lever some cell uses (a type set by fiat is not the model's choice)."""
        cells: dict[tuple[str, str], list[str]] = {}
        for c in self.cells:
            sc = getattr(c.result, "scenario", None)  # stand-in results in tests carry none
            for j in sc.levers.counterfactual_joins if sc is not None else ():
                cells.setdefault((j.side, j.date), []).append(c.label)
        return [
            f"Counterfactual lever in use: {self.scenario.sides[side].name}'s type is set to benign by fiat from "
            f"{date}, not chosen from its incentives (levers.counterfactual_joins; in {len(labels)} of "
            f"{len(self.cells)} cells: {'; '.join(dict.fromkeys(labels))})."
            for (side, date), labels in cells.items()
        ]

    def __repr__(self) -> str:
        worlds = ", ".join(w or "base" for w in self.worlds)
        return (
            f"<ExperimentResult {self.scenario.name}: {len(self.conditions)} conditions "
            f"({', '.join(self.conditions) or 'none'}) in {len(self.worlds)} world(s) ({worlds}); "
            f"{len(self.cells)} cells × {self.runs:,} runs, seed {self.seed}>"
        )

    def _repr_html_(self) -> str:
        """The headlines and a table of P(durable) ± s.e. per cell (for notebooks)."""
        from html import escape

        from detente.engine.results import share_se

        heads = "".join(f"<li>{escape(h)}</li>" for h in self.headlines())
        rows = "".join(
            f"<tr><td>{escape(self.world_label(c.world) or 'base')}</td><td>{escape(self.cell_label(c.conditions))}</td>"
            f"<td>{s['p_durable']:.3f} ± {share_se(s['p_durable'], s['runs']):.3f}</td>"
            f"<td>{s['p_strategic_end']:.3f}</td><td>{s['mean_ci']:.3f}</td></tr>"
            for c in self.cells
            for s in (c.result.summary(),)
        )
        return (
            f"<p><b>{escape(self.scenario.name)}</b>: {self.runs:,} runs per cell, seed {self.seed}</p>"
            f"<ul>{heads}</ul><table><tr><th>world</th><th>cell</th><th>P(durable) ± s.e.</th>"
            f"<th>P(strategic at horizon)</th><th>mean cooperation index</th></tr>{rows}</table>"
        )


FactorialResult = ExperimentResult
"""The factorial experiment's result (another name for ``ExperimentResult``)."""


def _check_size(sc: Scenario, k: int, n_worlds: int, runs: int) -> None:
    """Refuse a factorial too large to run (2^k cells, runs, cost) before any cell is planned."""
    problem = over_limit("conditions", "conditions", k, "conditions (2^k cells)") or over_limit(
        "runs", "runs", runs, "runs per cell"
    )
    problem = problem or cost_problem("runs", runs, sc.horizon, len(sc.issues), n_worlds * 2**k)
    if problem:
        raise DetenteError(problem)


def experiment(
    scenario: Scenario | str | Any,
    conditions: Sequence[str] | None = None,
    worlds: Sequence[str] | None = None,
    runs: int | None = None,
    seed: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    backend: str | None = None,
) -> ExperimentResult:
    """Run the 2^k factorial of ``conditions`` (default: all of the scenario's) in each world.

    Cells are evaluated by the experiments runner (``evaluate_cells``): concurrently, all with ``seed``.
    """
    from detente.experiments.runner import evaluate_cells
    from detente.scenario.overrides import variant_problems

    sc = load_scenario(scenario)
    conds = tuple(sc.conditions) if conditions is None else tuple(conditions)
    wlds: tuple[str | None, ...] = (tuple(sc.worlds) or (None,)) if worlds is None else tuple(worlds)
    problems = [f"conditions: {p}" for p in variant_problems(sc, conditions=conds)]
    problems += [f"worlds: {p}" for p in variant_problems(sc, worlds=wlds)]
    if problems:
        raise DetenteError(problems)
    n = sc.runs if runs is None else int(runs)
    s = sc.seed if seed is None else check_seed("seed", seed)
    _check_size(sc, len(conds), len(wlds), n)
    subsets = [c for r in range(len(conds) + 1) for c in itertools.combinations(conds, r)]
    plan = [(world, subset) for world in wlds for subset in subsets]
    results = evaluate_cells(sc, plan, n, s, progress=progress, backend=backend)
    cells = [Cell(world, subset, result) for (world, subset), result in zip(plan, results, strict=True)]
    return ExperimentResult(sc, conds, wlds, cells, n, s)
