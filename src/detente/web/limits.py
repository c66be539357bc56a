"""Size budgets of the web API: request bytes, uploaded YAML, runs and the compute cost of one job."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Limits:
    """What one request may ask for; the defaults suit a laptop serving one user."""

    max_upload_bytes: int = 256 * 1024
    """Largest uploaded scenario file (YAML text, UTF-8 bytes)."""
    max_body_bytes: int = 320 * 1024
    """Largest request body of any kind (the upload plus the rest of the form)."""
    max_runs: int = 100_000
    """Most runs per cell."""
    max_cost: int = 200_000_000
    """Most runs x months x issues x cells in one job (about half a minute with the numba engine)."""
    max_jobs: int = 1
    """Jobs running at once (each in its own worker process)."""
    max_queue: int = 4
    """Jobs waiting for a worker; beyond this a new job gets 429."""
    keep_jobs: int = 50
    """Finished jobs kept in memory (oldest forgotten first)."""
    max_rows: int = 2_000
    """Most rows of a stored experiment returned by one request."""


def job_cost(runs: int, months: int, issues: int, cells: int = 1) -> int:
    """The compute budget a job uses: runs x months x issues x cells."""
    return runs * months * issues * cells


def cost_problem(runs: int, months: int, issues: int, cells: int, limits: Limits) -> str | None:
    """A sentence saying why a job is too large, or None if it fits the budget."""
    cost = job_cost(runs, months, issues, cells)
    if cost <= limits.max_cost:
        return None
    fit = max(1, limits.max_cost // max(1, months * issues * cells))
    what = f"{cells} cells x " if cells > 1 else ""
    return (
        f"runs: this job is too large: {what}{runs:,} runs x {months} months x {issues} issues = {cost:,}, "
        f"over the budget of {limits.max_cost:,}; ask for at most {fit:,} runs"
    )
