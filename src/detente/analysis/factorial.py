"""The main job: a 2^k factorial over a scenario's conditions in each world, its effects and verdict.

Every cell uses the same seed (common random numbers), so differences between cells come from the
conditions, not from different draws. Effects are the classical 2^k contrasts (Box, Hunter & Hunter),
with standard errors that treat cells as independent (conservative under common random numbers).
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

    def effects(self, outcome: str = "p_durable") -> dict[str, list[dict[str, Any]]]:
        """Main and interaction effects of the conditions on ``outcome``, per world."""
        k = len(self.conditions)
        out: dict[str, list[dict[str, Any]]] = {}
        for world in self.worlds:
            cells = [c for c in self.cells if c.world == world]
            summaries = {frozenset(c.conditions): c.result.summary() for c in cells}
            rows = []
            for order in range(1, k + 1):
                for combo in itertools.combinations(self.conditions, order):
                    est, var = 0.0, 0.0
                    for present, s in summaries.items():
                        sign = math.prod(1 if name in present else -1 for name in combo)
                        est += sign * s[outcome]
                        var += s.get(f"se_{outcome}", 0.0) ** 2
                    scale = 2 ** (k - 1)
                    rows.append(
                        {
                            "effect": " x ".join(combo),
                            "order": order,
                            "estimate": est / scale,
                            "se": math.sqrt(var) / scale,
                        }
                    )
            out[world or ""] = rows
        return out

    def verdict(self) -> dict[str, Any]:
        """The founding argument's claims, answered from the cells (model.md §5)."""
        every = tuple(self.conditions)
        per_world: dict[str, Any] = {}
        for world in self.worlds:
            key = world or ""
            sq = self.cell(world, ()).result.summary()
            cells = [c for c in self.cells if c.world == world]
            durable = [c for c in cells if c.result.summary()["p_durable"] > DURABLE_THRESHOLD]
            fewer = [c for c in durable if set(c.conditions) != set(every)]
            full = self.cell(world, every).result.summary() if every else sq
            per_world[key] = {
                "status_quo_stays_tactical": sq["p_durable"] < TACTICAL_CEILING
                and sq["p_tactical_end"] >= 0.5,
                "status_quo": {
                    k: sq[k] for k in ("p_strategic_end", "p_durable", "p_tactical_end", "mean_ci")
                },
                "durable_cells": [c.label for c in durable],
                "all_conditions_durable": full["p_durable"] > DURABLE_THRESHOLD,
                "all_conditions_p_durable": full["p_durable"],
                "all_conditions_necessary": not fewer,
                "durable_without_all": [c.label for c in fewer],
            }
        worlds = list(per_world.values())
        return {
            "thresholds": {"durable_cell": DURABLE_THRESHOLD, "status_quo_ceiling": TACTICAL_CEILING},
            "worlds": per_world,
            "claims": {
                "reset_alone_stays_tactical": all(w["status_quo_stays_tactical"] for w in worlds),
                "all_three_reach_durable_partnership": {
                    k: v["all_conditions_durable"] for k, v in per_world.items()
                },
                "all_three_necessary": {k: v["all_conditions_necessary"] for k, v in per_world.items()},
            },
            "effects_on_p_durable": self.effects("p_durable"),
        }

    def sentences(self) -> list[str]:
        """The verdict in plain words, one sentence per claim and world."""
        v = self.verdict()
        lines = []
        names = {w: (self.scenario.worlds[w].label if w in self.scenario.worlds else w) for w in v["worlds"]}
        stays = v["claims"]["reset_alone_stays_tactical"]
        lines.append(
            "The reset alone (status quo) "
            + (
                "stays limited and tactical in every world"
                if stays
                else "does NOT stay tactical in every world"
            )
            + ": P(durable) "
            + ", ".join(
                f"{names[w] or 'base'} {d['status_quo']['p_durable']:.3f}" for w, d in v["worlds"].items()
            )
            + "."
        )
        for w, d in v["worlds"].items():
            label = names[w] or "base"
            if d["durable_cells"]:
                lines.append(
                    f"{label}: durable partnership (P > {DURABLE_THRESHOLD}) in: {'; '.join(d['durable_cells'])}."
                )
            else:
                lines.append(f"{label}: no cell reaches a durable partnership (P > {DURABLE_THRESHOLD}).")
            p_all = d["all_conditions_p_durable"]
            if not d["all_conditions_durable"]:
                lines.append(
                    f"{label}: even with all conditions P(durable) = {p_all:.3f} (not above {DURABLE_THRESHOLD})."
                )
            elif d["all_conditions_necessary"]:
                lines.append(
                    f"{label}: only all conditions together give a durable partnership (P = {p_all:.3f})."
                )
            else:
                lines.append(
                    f"{label}: all conditions give P(durable) = {p_all:.3f}, but fewer also suffice: "
                    + "; ".join(d["durable_without_all"])
                    + "."
                )
            top = sorted(v["effects_on_p_durable"][w], key=lambda e: -abs(e["estimate"]))[:3]
            lines.append(
                f"{label}: largest effects on P(durable): "
                + "; ".join(f"{e['effect']} {e['estimate']:+.3f} (se {e['se']:.3f})" for e in top)
                + "."
            )
        return lines


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
