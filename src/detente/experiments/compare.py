"""Compare stored experiments like with like: what differs between them, and outcome means over shared cells.

Outcome means of two experiments answer the same question only if the same model ran the same scenario
over the same horizon, in the same cells (world and conditions), with outcomes defined alike. Where
they do not, the comparison is refused and says what differs. Milder differences (runs per point, the
sampled ranges, the design, the seed, the package version) come with a warning. Cells only one side has
are left out, and the means are taken over the shared cells.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from detente.errors import DetenteError, ExperimentError
from detente.experiments.store import Store

REFUSE = {
    "model": "different models compute different things",
    "scenario": "different scenarios: the outcomes answer different questions",
    "horizon": "different horizons: P(durable), P(strategic at the end) and means depend on the months simulated",
    "cells": "no world and conditions in common: every cell differs",
    "outcomes": "no outcome defined alike in both",
}
WARN = {
    "runs": "different runs per point: Monte Carlo noise differs (fewer runs, noisier means)",
    "cells": "some cells are in one experiment only: they are left out, the means are over the shared cells",
    "parameters": "different sampled ranges or parameters: the means average over different inputs",
    "design": "different designs: the means weigh the input space differently",
    "seed": "different seeds: differences include Monte Carlo noise (no common random numbers)",
    "version": "different detente versions: the model itself may have changed between them",
    "outcome definitions": "an outcome of the same name is defined differently; it is left out",
}


def _horizon(rec: dict[str, Any]) -> str | None:
    """The months simulated, as text ('varied' if a parameter sets it; None if there is no scenario)."""
    spec = rec["spec"]
    if any("horizon" in _paths(p) for p in spec.get("parameters", [])):
        return "varied by a parameter"
    name = spec.get("scenario")
    if not name:
        return None
    from detente.scenario.load import bundled_scenarios, load_scenario

    source = Path(str(rec.get("source") or "."))
    target: Any = name if name in bundled_scenarios() else source.parent / name
    try:
        return str(load_scenario(target).horizon)
    except (DetenteError, OSError):
        return "unknown (the scenario file cannot be read now)"


def _paths(param: dict[str, Any]) -> list[str]:
    path = param.get("path")
    return [path] if isinstance(path, str) else list(path or [])


def _cell_key(world: Any, conditions: Any) -> str:
    """A cell as text, independent of the order conditions were listed in."""
    conds = sorted(c for c in str(conditions or "").split("+") if c)
    world = "" if world is None or (isinstance(world, float) and math.isnan(world)) else str(world)
    label = " + ".join(conds) or "status quo"
    return f"{world} | {label}" if world else label


def facts(rec: dict[str, Any], frame: Any) -> dict[str, Any]:
    """What must match for two experiments' outcomes to be compared, as comparable values."""
    spec = rec["spec"]
    params = {
        str(p.get("name") or "/".join(_paths(p))): {k: v for k, v in p.items() if k != "name"}
        for p in spec.get("parameters", [])
    }
    outcomes = {}
    for o in spec.get("outcomes", []):
        if isinstance(o, str):
            outcomes[o] = {"summary": o}
        else:
            outcomes[o["name"]] = {k: v for k, v in o.items() if k != "name" and v is not None}
    cells = sorted({_cell_key(w, c) for w, c in zip(frame["world"], frame["conditions"], strict=True)})
    design = {k: v for k, v in (spec.get("design") or {}).items() if v is not None and k != "kind"}
    design_text = f"{(spec.get('design') or {}).get('kind')} ({', '.join(f'{k}={v}' for k, v in sorted(design.items()))})"
    return {
        "model": rec["model"],
        "scenario": spec.get("scenario"),
        "horizon": _horizon(rec),
        "runs": None if rec.get("runs") is None else int(rec["runs"]),
        "seed": f"{spec.get('seed', 0)} ({spec.get('seeds', 'common')})",
        "design": design_text,
        "parameters": params,
        "outcomes": outcomes,
        "cells": cells,
        "version": rec.get("package_version"),
    }


def _text(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(map(str, value)) or "none"
    if isinstance(value, dict):
        return json.dumps(value, sort_keys=True)
    return "none" if value is None else str(value)


def differences(found: dict[str, dict[str, Any]]) -> tuple[list[dict[str, Any]], list[str], list[str]]:
    """What differs among experiments (one item per field), the shared cells and the outcomes defined alike."""
    names = list(found)
    out: list[dict[str, Any]] = []

    def add(field: str, severity: str, why: str, values: dict[str, Any]) -> None:
        out.append(
            {
                "field": field,
                "severity": severity,
                "why": why,
                "values": {n: _text(v) for n, v in values.items()},
            }
        )

    for field in ("model", "scenario", "horizon"):
        values = {n: found[n][field] for n in names}
        if len({_text(v) for v in values.values()}) > 1:
            add(field, "refuse", REFUSE[field], values)
    for field in ("runs", "design", "seed", "version"):
        values = {n: found[n][field] for n in names}
        if len({_text(v) for v in values.values()}) > 1:
            add(field, "warn", WARN[field], values)
    params = {n: found[n]["parameters"] for n in names}
    if len({json.dumps(v, sort_keys=True) for v in params.values()}) > 1:
        add("parameters", "warn", WARN["parameters"], {n: _param_text(v) for n, v in params.items()})
    cell_sets = [set(found[n]["cells"]) for n in names]
    shared = sorted(set.intersection(*cell_sets))
    if not shared:
        add("cells", "refuse", REFUSE["cells"], {n: found[n]["cells"] for n in names})
    elif any(s != set(shared) for s in cell_sets):
        add(
            "cells",
            "warn",
            WARN["cells"],
            {n: [c for c in found[n]["cells"] if c not in shared] or ["(none left out)"] for n in names},
        )
    common = [o for o in found[names[0]]["outcomes"] if all(o in found[n]["outcomes"] for n in names)]
    alike = [
        o for o in common if len({json.dumps(found[n]["outcomes"][o], sort_keys=True) for n in names}) == 1
    ]
    if len(alike) < len(common):
        odd = [o for o in common if o not in alike]
        add(
            "outcome definitions",
            "warn",
            WARN["outcome definitions"],
            {n: {o: found[n]["outcomes"][o] for o in odd} for n in names},
        )
    if not alike:
        add("outcomes", "refuse", REFUSE["outcomes"], {n: list(found[n]["outcomes"]) for n in names})
    return out, shared, alike


def _param_text(params: dict[str, Any]) -> str:
    parts = []
    for name, p in params.items():
        if "range" in p:
            parts.append(f"{name} in [{p['range'][0]:g}, {p['range'][1]:g}]")
        elif "levels" in p:
            parts.append(f"{name} in {p['levels']}")
        else:
            parts.append(f"{name} ~ {json.dumps(p.get('distribution'), sort_keys=True)}")
    return "; ".join(parts) or "none"


def compare(names: list[str], store: str | Path) -> dict[str, Any]:
    """Compare stored experiments of one store: status (ok, warn, refuse), what differs, and (unless refused)
    each outcome's mean, sd and points over the cells they share."""
    names = list(dict.fromkeys(names))
    if len(names) < 2:
        raise ExperimentError("names: give at least two different experiments to compare")
    records, frames = {}, {}
    with Store(store, read_only=True) as st:
        for n in names:
            records[n] = st.experiment_record(n)
            frames[n] = st.results(n, complete=True)
    found = {n: facts(records[n], frames[n]) for n in names}
    diffs, shared, outcomes = differences(found)
    severities = {d["severity"] for d in diffs}
    status = "refuse" if "refuse" in severities else "warn" if diffs else "ok"
    means: dict[str, dict[str, Any]] = {}
    if status != "refuse":
        for n in names:
            frame = frames[n]
            keys = [_cell_key(w, c) for w, c in zip(frame["world"], frame["conditions"], strict=True)]
            sub = frame[[k in shared for k in keys]]
            means[n] = {o: _stats(sub[o]) for o in outcomes}
    return {
        "status": status,
        "experiments": names,
        "differences": diffs,
        "cells": shared,
        "outcomes": outcomes,
        "means": means,
        "facts": {
            n: {k: _text(v) for k, v in f.items() if k not in ("parameters", "outcomes")}
            for n, f in found.items()
        },
    }


def _stats(column: Any) -> dict[str, Any]:
    values = column.dropna().astype(float)
    n = len(values)

    def clean(x: float) -> float | None:
        return float(x) if math.isfinite(x) else None

    return {
        "mean": clean(values.mean()) if n else None,
        "sd": clean(values.std()) if n > 1 else None,
        "points": n,
    }
