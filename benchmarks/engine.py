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
"""Float operations the monthly step spends per side and issue, counted from 0.1.0's engine/step.py: payoff
transform and threshold (~15), expected cooperation and the regime test (~6), three uniforms from their
bits (~6), evidence with both biases and the gain (~7), and a quarter of each side's two exp() (~6)."""
SCENARIO = "reset-2009"
CELL = {"world": "uncertain", "conditions": ()}
V1_SCENARIO = str(Path(__file__).resolve().parents[1] / "tests" / "golden" / "reset2009_v010.yaml")
"""reset-2009 as 0.1.0 shipped it: what 0.1.0's kernel can read (model v2's features off, bit-identical)."""


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


def kernels(runs: int = 20_000, repeat: int = 3, threads: int | None = None) -> dict[str, Any]:
    """Today's single-source kernel against 0.1.0's fused kernel (benchmarks/v010_kernel) on the same cell.

    Both run the same chunk loop (8192 runs per chunk, ``threads`` per chunk: the old kernel reads
    DETENTE_THREADS) after a compiling warm-up; best of ``repeat`` interleaved rounds; their regime counts
    must agree exactly (the new kernel is bit-identical).
    """
    import detente
    from detente.engine.compile import Compiled
    from detente.engine.kernel import run_chunk
    from detente.engine.simulate import resolve_initial_trust

    sys.path.insert(0, str(Path(__file__).parent))
    import v010_kernel

    cell = detente.load_scenario(V1_SCENARIO).cell(CELL["world"], CELL["conditions"])
    trust0, seed = resolve_initial_trust(cell), cell.seed

    def new(n: int) -> np.ndarray:
        compiled, counts = Compiled(cell, seed, trust0), np.zeros((3, cell.horizon), np.int64)
        for lo in range(0, n, 8192):
            counts += run_chunk(compiled, compiled.draw(np.arange(lo, min(lo + 8192, n))), False, "compiled",
                                threads).regime_counts  # fmt: skip
        return counts

    def old(n: int) -> np.ndarray:
        saved = os.environ.get("DETENTE_THREADS")
        if threads is not None:
            os.environ["DETENTE_THREADS"] = str(threads)
        try:
            return v010_kernel.run_ensemble(cell, n, seed, trust0)
        finally:
            if threads is not None:
                os.environ.pop("DETENTE_THREADS") if saved is None else os.environ.update(
                    DETENTE_THREADS=saved
                )

    out: dict[str, Any] = {"runs": runs, "threads": threads}
    counts: dict[str, np.ndarray] = {}
    best = {"old": float("inf"), "new": float("inf")}
    cpu = dict(best)
    old(256), new(256)
    for _ in range(repeat):  # interleaved, so both see the same machine load
        for name, fn in (("old", old), ("new", new)):
            c0 = time.process_time()
            best[name] = min(best[name], _timed(lambda fn=fn, name=name: counts.__setitem__(name, fn(runs))))
            cpu[name] = min(cpu[name], time.process_time() - c0)
    work = side_issue_months(runs, cell.horizon, len(cell.issues))
    for name, seconds in best.items():
        out[name] = {
            "seconds": seconds,
            "rate": work / seconds,
            "cpu_seconds": cpu[name],
            "cpu_rate": work / cpu[name],
        }
    out["ratio"] = out["new"]["rate"] / out["old"]["rate"]
    out["cpu_ratio"] = out["new"]["cpu_rate"] / out["old"]["cpu_rate"]
    out["identical"] = bool(np.array_equal(counts["old"], counts["new"]))
    return out


def line_counts() -> dict[str, int]:
    """Lines of the model and engine packages (``wc -l`` of their .py files)."""
    src = Path(__file__).parents[1] / "src" / "detente"
    return {
        d: sum(len(p.read_text().splitlines()) for p in (src / d).glob("*.py")) for d in ("model", "engine")
    }


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
    k = kernels()
    print(
        f"kernel, {k['runs']} runs: 0.1.0 fused {k['old']['rate']:.3g} side-issue-months/s "
        f"({k['old']['seconds']:.3f} s), single-source {k['new']['rate']:.3g} ({k['new']['seconds']:.3f} s), "
        f"ratio {k['ratio']:.2f} (per CPU-second {k['cpu_ratio']:.2f}), identical counts: {k['identical']}"
    )
    print(f"lines: {line_counts()}")
    e = ensemble(10_000, repeat=3)
    lim = arithmetic_limit()
    print(
        f"ensemble: {e['runs']} runs in {e['seconds']:.3f} s = {e['rate']:.3g} side-issue-months/s ({e['backend']})"
    )
    print(f"dgemm: {lim['flops']:.3g} FLOP/s -> ceiling {lim['limit']:.3g} side-issue-months/s")
