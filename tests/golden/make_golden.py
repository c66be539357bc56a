"""Write tests/golden/reset2009_v010.npz from a frozen detente 0.1.0 (run with PYTHONPATH=<0.1.0>/src).

Cells: reset-2009 status quo and all three conditions in each world (2,000 runs; paths for 200 runs
in two of them), the rich feature scenario of the engine tests, and twelve random tweaks of reset-2009
(logit moves, events, signals, leadership, joins, resets, drawn types), so every branch is pinned.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

import detente

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))
from golden_cells import cells  # noqa: E402

COUNTS = ("regime_counts", "open_counts", "mutual_counts", "trust_hist")


def main() -> None:
    out: dict[str, np.ndarray] = {}
    specs = cells()
    for name, spec in specs.items():
        sc = (
            detente.load_scenario(spec["scenario"]).apply(spec["overrides"])
            if spec["overrides"]
            else detente.load_scenario(spec["scenario"])
        )
        res = detente.simulate(
            sc, runs=spec["runs"], seed=spec["seed"], world=spec["world"],
            conditions=tuple(spec["conditions"]), paths=spec["paths"],
        )  # fmt: skip
        for k in COUNTS:
            a = getattr(res.totals, k)
            out[f"{name}/{k}"] = a.astype(np.uint16) if k == "trust_hist" else a
        for k, v in res.summaries.items():
            out[f"{name}/summary/{k}"] = v
        for k, v in (res.paths or {}).items():
            out[f"{name}/paths/{k}"] = v
        out[f"{name}/initial_trust"] = np.array(
            sorted(res.provenance.initial_trust.items()), dtype=object
        ).astype(str)
        print(name, res.summary()["p_strategic_end"], flush=True)
    out["__cells__"] = np.array(json.dumps(specs, sort_keys=True))
    np.savez_compressed(HERE / "reset2009_v010.npz", **out)


if __name__ == "__main__":
    main()
