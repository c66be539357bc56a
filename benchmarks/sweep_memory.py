"""Benchmark (not a test): peak memory of a 200,000-run sweep (20 points x 10,000 runs of reset-2009).

Runs `detente sweep` in a subprocess and samples the RSS of it and all its children every 50 ms;
prints the peak of the whole process tree and of the largest single process. The target is < 1.5 GiB.

    python benchmarks/sweep_memory.py [--workers 2] [--points 20] [--runs 10000]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

EXPERIMENT = """\
name: memory
scenario: reset-2009
world: deterrence
conditions: [inclusion]
parameters:
  - {{name: h0_R, path: sides.R.elite.h0, range: [0.5, 0.95]}}
  - {{name: p0, path: [sides.W.belief.p0, sides.R.belief.p0], range: [0.1, 0.7]}}
design: {{kind: lhs, n: {points}}}
runs: {runs}
seed: 1
outcomes: [p_durable, mean_ci, median_trust_R]
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--points", type=int, default=20)
    parser.add_argument("--runs", type=int, default=10_000)
    args = parser.parse_args()
    detente = str(Path(sys.executable).with_name("detente"))
    with tempfile.TemporaryDirectory() as tmp:
        exp = Path(tmp) / "memory.yaml"
        exp.write_text(EXPERIMENT.format(points=args.points, runs=args.runs))
        start = time.perf_counter()
        proc = subprocess.Popen(
            [
                detente,
                "sweep",
                str(exp),
                "--store",
                str(Path(tmp) / "m.duckdb"),
                "--workers",
                str(args.workers),
                "--json",
            ],
            stdout=subprocess.PIPE,
            text=True,
        )
        parent = psutil.Process(proc.pid)
        peak_tree = peak_one = 0
        while proc.poll() is None:
            try:
                procs = [parent, *parent.children(recursive=True)]
                rss = [p.memory_info().rss for p in procs]
            except psutil.Error:
                continue
            peak_tree, peak_one = max(peak_tree, sum(rss)), max(peak_one, max(rss))
            time.sleep(0.05)
        out = proc.stdout.read()
        elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        sys.exit(f"sweep failed with exit code {proc.returncode}")
    report = json.loads(out)
    gib = 2**30
    print(
        f"sweep: {report['points']} points x {args.runs:,} runs = {report['runs']:,} runs, "
        f"{args.workers} worker(s), {elapsed:.1f} s wall ({report['runs'] / elapsed:,.0f} runs/s)"
    )
    print(f"peak RSS, whole process tree: {peak_tree / gib:.3f} GiB ({peak_tree / 2**20:,.0f} MiB)")
    print(f"peak RSS, largest process:    {peak_one / gib:.3f} GiB ({peak_one / 2**20:,.0f} MiB)")
    print(f"target < 1.5 GiB: {'met' if peak_tree < 1.5 * gib else 'NOT met'}")


if __name__ == "__main__":
    main()
