"""Engine benchmarks: ensemble throughput, the machine's arithmetic limit, main-job wall, peak RSS.

Throughput is counted in side-issue-months (runs × months × 2 sides × issues) per second of wall time.

    .venv/bin/python benchmarks/engine.py
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

FLOPS_PER_SIDE_ISSUE_MONTH = 40
"""Float operations the monthly step spends per side and issue, counted from engine/step.py: payoff
transform and threshold (~15), expected cooperation and the regime test (~6), three uniforms from their
bits (~6), evidence with both biases and the gain (~7), and a quarter of each side's two exp() (~6)."""
SCENARIO = "reset-2009"
CELL = {"world": "uncertain", "conditions": ()}


def side_issue_months(runs: int, months: int = 240, issues: int = 4) -> int:
    """The unit of work: one side's move and update on one issue in one month of one run."""
    return runs * months * 2 * issues


def ensemble(runs: int, backend: str = "auto", repeat: int = 1, **cell: Any) -> dict[str, Any]:
    """Best wall time of ``detente.simulate`` on the founding scenario (after a warm-up that compiles)."""
    import detente

    cell = cell or CELL
    sc = detente.load_scenario(SCENARIO)
    detente.simulate(sc, runs=64, backend=backend, **cell)
    best, res = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        res = detente.simulate(sc, runs=runs, backend=backend, **cell)
        best = min(best, time.perf_counter() - start)
    work = side_issue_months(runs, sc.horizon, len(sc.issues))
    return {"runs": runs, "seconds": best, "rate": work / best, "backend": res.provenance.backend,
            "summary": res.summary()}  # fmt: skip


def arithmetic_limit(n: int = 2000, repeat: int = 3) -> dict[str, Any]:
    """Measured float64 FLOP/s of a dense matrix product (BLAS dgemm, all cores) and the implied ceiling
    in side-issue-months/s at FLOPS_PER_SIDE_ISSUE_MONTH."""
    rng = np.random.default_rng(0)
    a, b = rng.random((n, n)), rng.random((n, n))
    a @ b
    best = min(_timed(lambda: a @ b) for _ in range(repeat))
    flops = 2 * n**3 / best
    return {"flops": flops, "limit": flops / FLOPS_PER_SIDE_ISSUE_MONTH, "cores": os.cpu_count()}


def _timed(fn: Any) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def detente_exe() -> str:
    """The ``detente`` console script next to this interpreter."""
    return str(Path(sys.executable).with_name("detente"))


def main_job(runs: int = 10_000) -> dict[str, Any]:
    """Wall time of ``detente run --runs N`` (the 24-cell factorial) as a subprocess, report to a temp dir."""
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        proc = subprocess.run(
            [detente_exe(), "run", "--runs", str(runs), "--out", str(Path(tmp) / "report")],
            capture_output=True, text=True, env={**os.environ, "COLUMNS": "120"},
        )  # fmt: skip
        seconds = time.perf_counter() - start
    return {"runs": runs, "seconds": seconds, "ok": proc.returncode == 0, "stderr": proc.stderr[-2000:]}


_RSS_CHILD = """
import resource, sys, time, detente
start = time.perf_counter()
res = detente.simulate("reset-2009", runs=int(sys.argv[1]), world="uncertain")
print(time.perf_counter() - start, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024, res.summary()["runs"])
"""


def peak_rss(runs: int = 1_000_000) -> dict[str, Any]:
    """Peak resident memory of a process simulating ``runs`` runs with streamed aggregates (no paths)."""
    proc = subprocess.run(
        [sys.executable, "-c", _RSS_CHILD, str(runs)], capture_output=True, text=True, check=True
    )
    seconds, rss, done = proc.stdout.split()
    return {"runs": int(done), "seconds": float(seconds), "rss": int(rss),
            "rate": side_issue_months(int(done)) / float(seconds)}  # fmt: skip


if __name__ == "__main__":
    e = ensemble(10_000, repeat=3)
    lim = arithmetic_limit()
    print(
        f"ensemble: {e['runs']} runs in {e['seconds']:.3f} s = {e['rate']:.3g} side-issue-months/s ({e['backend']})"
    )
    print(f"dgemm: {lim['flops']:.3g} FLOP/s -> ceiling {lim['limit']:.3g} side-issue-months/s")
