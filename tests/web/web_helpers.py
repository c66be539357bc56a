"""Helpers shared by the web tests (imported by name: tests/web is on sys.path under pytest)."""

from __future__ import annotations

import time
from pathlib import Path

BACKEND = "compiled"
"""Engine backend of test servers (numba: the first job in a fresh cache compiles for about a minute)."""
LOCAL = "http://127.0.0.1"
"""Base URL of TestClients: the app refuses requests naming a non-loopback host (testserver)."""


def make_store(folder: Path) -> Path:
    """A results store with two tiny Ishigami experiments (runs in about a second)."""
    from detente.experiments.runner import sweep
    from detente.experiments.spec import load_experiment

    store = folder / "detente-results.duckdb"
    for name, n in (("ishi-a", 8), ("ishi-b", 6)):
        exp = load_experiment(
            {
                "name": name,
                "model": "ishigami",
                "parameters": [
                    {"name": "x1", "path": "x1", "range": [-3.14, 3.14]},
                    {"name": "x2", "path": "x2", "range": [-3.14, 3.14]},
                ],
                "design": {"kind": "lhs", "n": n},
                "runs": 4,
                "outcomes": ["y", "p_positive"],
            },
            base_dir=folder,
        )
        sweep(exp, store=store)
    return store


def wait_job(client: object, job_id: str, timeout: float = 240.0) -> dict:
    """Poll a job until it is done or failed."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = client.get(f"/api/jobs/{job_id}").json()
        if status["status"] in ("done", "failed"):
            return status
        time.sleep(0.1)
    raise AssertionError(f"job {job_id} did not finish in {timeout} s")
