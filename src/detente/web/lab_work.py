"""What a lab job computes, in a worker process: a scaled-down sweep of a bundled experiment, its
sensitivity indices, or PRIM scenario discovery, as plain JSON.

The server has already checked the request (sizes against the web limits, names against the experiment)
and chosen the store path; nothing here reads a path from the request.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

Progress = Callable[[int, int], None]


def _json(value: Any) -> Any:
    """Strict-JSON values: NaN and infinities become None, numpy scalars plain numbers."""
    from detente.web.work import _num

    return _num(value, 6)


def run_sweep(spec: dict[str, Any], progress: Progress) -> dict[str, Any]:
    """Sweep the bundled experiment with the request's settings into the lab store (finished points are cached)."""
    from detente.experiments.runner import sweep
    from detente.experiments.spec import load_experiment

    exp = load_experiment(spec["experiment"], sets=spec["sets"])
    runs = exp.spec.runs

    def tick(done: int, total: int, _runs: int) -> None:
        progress(done * runs, total * runs)

    report = sweep(exp, Path(spec["store"]), progress=tick, command=f"detente serve (lab): {exp.name}")
    return _json(
        {
            "kind": "lab",
            "action": "sweep",
            "experiment": exp.name,
            "design": exp.spec.design.kind,
            "store": Path(spec["store"]).name,
            **{k: v for k, v in report.as_dict().items() if k not in ("store", "experiment")},
        }
    )


def run_sensitivity(spec: dict[str, Any], progress: Progress) -> dict[str, Any]:
    """Sobol' or Morris indices of a stored experiment, with bootstrap intervals and warnings."""
    from detente.experiments import sensitivity
    from detente.experiments.discovery import records

    indices = sensitivity.analyze(
        spec["name"], spec["method"], spec["store"], outcomes=spec["outcomes"], conf_level=spec["conf_level"]
    )
    progress(1, 1)
    return _json(
        {
            "kind": "lab",
            "action": "sensitivity",
            "experiment": spec["name"],
            "method": spec["method"],
            "conf_level": spec["conf_level"],
            "warnings": sensitivity.warning_lines(indices),
            "indices": records(indices),
        }
    )


def run_discover(spec: dict[str, Any], progress: Progress) -> dict[str, Any]:
    """PRIM on a stored experiment: the trajectory, every box's restrictions and the chosen (pasted) box."""
    from detente.experiments import discovery

    found = discovery.discover(
        spec["name"],
        spec["outcome"],
        spec["threshold"],
        spec["below"],
        spec["store"],
        spec["inputs"],
        spec["peel_alpha"],
        spec["paste_alpha"],
        spec["mass_min"],
        spec["min_coverage"],
    )
    progress(1, 1)
    return _json({"kind": "lab", "action": "discover", **found.as_dict()})


ACTIONS: dict[str, Callable[[dict[str, Any], Progress], dict[str, Any]]] = {
    "sweep": run_sweep,
    "sensitivity": run_sensitivity,
    "discover": run_discover,
}


def run(spec: dict[str, Any], progress: Progress) -> dict[str, Any]:
    """A lab job: ``spec["action"]`` is sweep, sensitivity or discover."""
    return ACTIONS[spec["action"]](spec, progress)
