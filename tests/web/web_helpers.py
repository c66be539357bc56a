"""Helpers shared by the web tests (imported by name: tests/web is on sys.path under pytest)."""

from __future__ import annotations

import contextlib
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx

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


@contextlib.contextmanager
def served(results_dir: Path, log_path: Path, *extra: str) -> Iterator[str]:
    """`detente serve` on a free loopback port over ``results_dir`` (stderr to ``log_path``): yields its URL
    once /api/health answers, and stops the server (terminate, then kill) on the way out."""
    log = log_path.open("w")
    cmd = [sys.executable, "-c", "from detente.cli import main; main()", "serve", "--port", "0"]
    cmd += ["--backend", BACKEND, "--results-dir", str(results_dir), *extra]
    proc = subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=log, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"}
    )
    try:
        line = proc.stdout.readline()
        match = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
        if not match:
            proc.kill()
            raise AssertionError(f"detente serve did not print its URL: {line!r}; see {log.name}")
        url = match.group(0).rstrip("/")
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{url}/api/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


def ishigami_experiment(name: str, worlds: list[str], runs: int = 4, outcomes: list | None = None) -> dict:
    """A tiny Ishigami experiment crossed with named worlds (the lab and compare tests store these)."""
    return {
        "name": name,
        "model": "ishigami",
        "parameters": [{"name": "x1", "path": "x1", "range": [-3.0, 3.0]}],
        "cross": {"worlds": worlds},
        "design": {"kind": "lhs", "n": 6},
        "runs": runs,
        "outcomes": outcomes or ["y", "p_positive"],
    }
