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


def _run(spec: dict[str, Any], runs: int | None = None, **kw: Any) -> Any:
    sc = detente.load_scenario(spec["scenario"])
    if spec["overrides"]:
        sc = sc.apply(spec["overrides"])
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
        _same(v, g[f"{name}/summary/{k}"][:runs], f"{name} summary {k}")
    for k, v in (res.paths or {}).items():
        _same(v, g[f"{name}/paths/{k}"][:runs], f"{name} paths {k}")


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
