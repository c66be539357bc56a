"""`detente --help` start-up time: median wall time of several fresh subprocesses.

.venv/bin/python benchmarks/cli_startup.py
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path


def startup(repeat: int = 7) -> dict[str, float]:
    """Median and best wall seconds of ``detente --help`` (one untimed warm-up for the OS file cache)."""
    exe = str(Path(sys.executable).with_name("detente"))
    subprocess.run([exe, "--help"], capture_output=True, check=True)
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run([exe, "--help"], capture_output=True, check=True)
        times.append(time.perf_counter() - start)
    return {"median": statistics.median(times), "best": min(times), "repeat": repeat}


if __name__ == "__main__":
    r = startup()
    print(f"detente --help: median {r['median']:.3f} s, best {r['best']:.3f} s over {r['repeat']} runs")
