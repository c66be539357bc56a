"""What a web job computes, in a worker process: a simulation or the factorial main job, as plain JSON.

Jobs arrive as picklable mappings (the scenario as JSON, already validated by the server) and return
JSON-ready results, so nothing but small dicts crosses the process boundary.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

Progress = Callable[[int, int], None]


def _num(value: Any, digits: int = 6) -> Any:
    """JSON-safe numbers: NaN and infinities become None, floats are rounded."""
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        value = float(value)
        return round(value, digits) if math.isfinite(value) else None
    if isinstance(value, dict):
        return {str(k): _num(v, digits) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_num(v, digits) for v in value]
    if isinstance(value, np.ndarray):
        return _num(value.tolist(), digits)
    return value


def _chunk(runs: int) -> int:
    """A chunk size giving up to 20 progress steps (chunking never changes a result)."""
    return max(256, math.ceil(runs / 20))


def simulation_payload(result: Any) -> dict[str, Any]:
    """Per-month regime probabilities and trust quantiles (for the plots), with the result's own
    summary and provenance (``SimulationResult.to_dict()``)."""
    from detente.engine.results import QUANTILES
    from detente.model.regime import REGIMES

    ag, st = result.aggregates, result.structure
    series = {
        "months": list(ag.months),
        "regime_prob": {name: ag.regime_prob[i] for i, name in enumerate(REGIMES)},
        "trust": {
            side: {f"q{int(q * 100):02d}": ag.trust_quantiles[i, j] for j, q in enumerate(QUANTILES)}
            for i, side in enumerate(st.sides)
        },
        "ci": ag.ci,
        "issue_open": {issue: ag.issue_open[k] for k, issue in enumerate(st.issues)},
    }
    return _num({**series, **result.to_dict()}, 5)


def run_simulation(spec: dict[str, Any], progress: Progress) -> dict[str, Any]:
    """Simulate one cell of the scenario in ``spec``."""
    from detente.engine.simulate import simulate
    from detente.scenario.load import load_scenario

    scenario = load_scenario(spec["scenario"])
    result = simulate(
        scenario,
        runs=spec["runs"],
        seed=spec["seed"],
        world=spec["world"],
        conditions=tuple(spec["conditions"]),
        chunk_size=_chunk(spec["runs"]),
        progress=progress,
        backend=spec["backend"],
    )
    return {"kind": "simulate", **simulation_payload(result)}


def run_factorial(spec: dict[str, Any], progress: Progress) -> dict[str, Any]:
    """The main job on the scenario in ``spec``: cells table, verdict in words and per-world durability."""
    from detente.analysis.factorial import experiment
    from detente.scenario.load import load_scenario

    scenario = load_scenario(spec["scenario"])
    exp = experiment(
        scenario,
        conditions=spec["conditions"],
        worlds=spec["worlds"],
        runs=spec["runs"],
        seed=spec["seed"],
        progress=progress,
        backend=spec["backend"],
    )
    return _num(
        {
            "kind": "factorial",
            "scenario": scenario.name,
            "runs": exp.runs,
            "seed": exp.seed,
            "seed_text": str(exp.seed),
            "conditions": list(exp.conditions),
            "worlds": [w or "" for w in exp.worlds],
            "sides": list(scenario.side_ids),
            "rows": exp.records(),
            "verdict": exp.verdict(),
            "sentences": exp.sentences(),
        },
        5,
    )


def story_payload(result: Any) -> dict[str, Any]:
    """One run month by month (trust, cohort share, regime, open issues, moves) and its story in words."""
    from detente.model.regime import REGIMES
    from detente.report.story import story_of

    st, paths, sc = result.structure, result.paths, result.scenario
    p = 1.0 / (1.0 + np.exp(-paths["L"][0]))
    sides = list(st.sides)
    summaries = {k: v[0] for k, v in result.summaries.items()}
    return _num(
        {
            "months": list(result.aggregates.months),
            "sides": [{"id": s, "name": sc.sides[s].name} for s in sides],
            "issues": [
                {"id": k, "label": sc.issues[k].label or k, "kind": sc.issues[k].kind} for k in st.issues
            ],
            "regimes": list(REGIMES),
            "trust": {s: p[:, i] for i, s in enumerate(sides)},
            "cohort": {s: paths["h"][0][:, i] for i, s in enumerate(sides)},
            "regime": paths["regime"][0],
            "open": {k: paths["G"][0][:, j].astype(int) for j, k in enumerate(st.issues)},
            "coop": {
                s: {k: paths["a"][0][:, i, j].astype(int) for j, k in enumerate(st.issues)}
                for i, s in enumerate(sides)
            },
            "story": story_of(result),
            "run": summaries,
            **result.to_dict(),
        },
        4,
    )


def run_story(spec: dict[str, Any], progress: Progress) -> dict[str, Any]:
    """One run of the scenario in ``spec`` with its full path, told month by month."""
    from detente.engine.simulate import simulate
    from detente.scenario.load import load_scenario

    result = simulate(
        load_scenario(spec["scenario"]),
        runs=1,
        seed=spec["seed"],
        world=spec["world"],
        conditions=tuple(spec["conditions"]),
        paths=True,
        progress=progress,
        backend=spec["backend"],
    )
    return {"kind": "story", "seed_text": str(spec["seed"]), **story_payload(result)}


def run_lab(spec: dict[str, Any], progress: Progress) -> dict[str, Any]:
    """A lab job (sweep, sensitivity or discovery of a bundled experiment): ``detente.web.lab_work``."""
    from detente.web.lab_work import run

    return run(spec, progress)


RUNNERS: dict[str, Callable[[dict[str, Any], Progress], dict[str, Any]]] = {
    "simulate": run_simulation,
    "lab": run_lab,
    "factorial": run_factorial,
    "story": run_story,
}
