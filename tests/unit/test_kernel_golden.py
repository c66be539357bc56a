"""Same results as 0.1.0, bit for bit: reset-2009 cells, a rich feature scenario and random tweaks.

tests/golden/reset2009_v010.npz was written by tests/golden/make_golden.py from a frozen detente 0.1.0
(fused kernel); every count, summary and path must be np.array_equal (dtype included), across chunk
sizes, thread counts and the compiled and python backends.
"""

from __future__ import annotations

import hashlib
import json
import sys
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import detente

GOLDEN = Path(__file__).parents[1] / "golden" / "reset2009_v010.npz"
SHA256 = "44ca942bd2fe1579cd0067d1dace38fb8c4d7f2644d4c1f6bf338e1192c9e31e"
COUNTS = ("regime_counts", "open_counts", "mutual_counts", "trust_hist")
sys.path.insert(0, str(GOLDEN.parent))
from golden_cells import cells  # noqa: E402


@cache
def golden() -> dict[str, np.ndarray]:
    assert hashlib.sha256(GOLDEN.read_bytes()).hexdigest() == SHA256, "golden file changed"
    with np.load(GOLDEN, allow_pickle=False) as z:
        return {k: z[k] for k in z.files}


V010_RESET = GOLDEN.parent / "reset2009_v010.yaml"
"""reset-2009 as 0.1.0 shipped it (``levers.joins`` renamed ``counterfactual_joins``): the v1 model is
what runs when no v2 feature (channel floor, delta, per-side terms, two observers, types that move) is on."""
V2_ONLY = {"summary/type_benign_end", "summary/joined_month", "paths/inside"}
"""Outputs 0.1.0 did not have."""


def _v2_names(x: Any) -> Any:
    """0.1.0 spellings in the pinned cells, renamed (the fiat join became a counterfactual lever)."""
    if isinstance(x, dict):
        rename = {"joins": "counterfactual_joins", "levers.joins": "levers.counterfactual_joins"}
        return {rename.get(k, k): _v2_names(v) for k, v in x.items()}
    return [_v2_names(v) for v in x] if isinstance(x, list) else x


def _run(spec: dict[str, Any], runs: int | None = None, **kw: Any) -> Any:
    source = spec["scenario"]
    if source == "reset-2009":
        sc = detente.load_scenario(V010_RESET)
    else:
        sc = detente.load_scenario(_v2_names(source))
    if spec["overrides"]:
        sc = sc.apply(_v2_names(spec["overrides"]))
    return detente.simulate(
        sc, runs=runs or spec["runs"], seed=spec["seed"], world=spec["world"],
        conditions=tuple(spec["conditions"]), paths=spec["paths"], **kw,
    )  # fmt: skip


def _same(got: np.ndarray, want: np.ndarray, what: str) -> None:
    got = np.asarray(got)
    assert got.dtype == want.dtype and np.array_equal(got, want, equal_nan=got.dtype.kind == "f"), what


def _check(name: str, res: Any, runs: int) -> None:
    g = golden()
    for k in COUNTS:
        want = g[f"{name}/{k}"]
        got = getattr(res.totals, k)
        if runs == len(g[f"{name}/summary/run"]):
            _same(got.astype(want.dtype) if k == "trust_hist" else got, want, f"{name} {k}")
    for k, v in res.summaries.items():
        if f"summary/{k}" not in V2_ONLY:
            _same(v, g[f"{name}/summary/{k}"][:runs], f"{name} summary {k}")
    for k, v in (res.paths or {}).items():
        if f"paths/{k}" not in V2_ONLY:
            _same(v, g[f"{name}/paths/{k}"][:runs], f"{name} paths {k}")
    assert "summary/joined_month" in V2_ONLY and (res.summaries["joined_month"] == -1).all(), "v1 never joins"


def test_cells_are_the_golden_cells():
    assert json.loads(str(golden()["__cells__"])) == json.loads(json.dumps(cells(), sort_keys=True))


@pytest.mark.parametrize("name", list(cells()))
def test_bit_identical_to_v010(name: str) -> None:
    spec = cells()[name]
    _check(name, _run(spec), spec["runs"])


@pytest.mark.parametrize(("chunk", "threads"), [(1, 1), (7, 2), (333, 3), (None, 1)])
def test_chunks_and_threads_do_not_matter(chunk: int | None, threads: int) -> None:
    for name in ("rich", "reset-uncertain-all", "tweak-3"):
        spec = cells()[name]
        runs = min(spec["runs"], 700 if (chunk or 8192) > 50 else 40)
        res = _run(spec, runs=runs, chunk_size=chunk, threads=threads)
        _check(name, res, runs)


@pytest.mark.parametrize("name", ["rich-paths", "reset-deterrence-sq-paths", "tweak-0", "tweak-1", "tweak-2"])
def test_python_backend_is_the_same_code(name: str) -> None:
    spec = cells()[name]
    res = _run(spec, runs=12, backend="python")
    assert res.provenance.backend == "python"
    _check(name, res, 12)
