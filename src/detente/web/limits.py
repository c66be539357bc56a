"""Size budgets of the web API: request bytes, uploaded YAML, jobs, and the runs and compute cost of one job.

Runs per cell and the compute cost of one job are tighter than the command line's (a page answers one
click at a time): by default at most 100,000 runs and 2e8 runs x months x issues x cells, raised with
``detente serve --max-runs/--max-cost`` up to the library's limits (``DETENTE_MAX_RUNS`` / ``DETENTE_MAX_COST``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from detente import limits as shared

WEB_RUNS = 100_000
WEB_COST = 200_000_000


@dataclass(frozen=True)
class Limits:
    """What one request may ask for; the byte and job bounds suit a laptop serving one user."""

    max_upload_bytes: int = 256 * 1024
    """Largest uploaded scenario file (YAML text, UTF-8 bytes)."""
    max_body_bytes: int = 320 * 1024
    """Largest request body of any kind (the upload plus the rest of the form)."""
    max_runs: int = field(default_factory=lambda: min(WEB_RUNS, shared.limits().runs))
    """Most runs per cell (100,000, or ``DETENTE_MAX_RUNS`` if lower)."""
    max_cost: int = field(default_factory=lambda: min(WEB_COST, shared.limits().cost))
    """Most runs x months x issues x cells in one job (2e8, about half a minute, or ``DETENTE_MAX_COST`` if lower)."""
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


def runs_problem(runs: int, limits: Limits) -> str | None:
    """A sentence naming ``runs`` if it is over the per-cell limit, else None."""
    if runs <= limits.max_runs:
        return None
    return (
        f"runs: {runs:,} runs per cell is over the limit of {limits.max_runs:,}; "
        "start the server with --max-runs to raise it"
    )


def cost_problem(runs: int, months: int, issues: int, cells: int, limits: Limits) -> str | None:
    """A sentence saying why a job is too large, or None if it fits the budget."""
    cost = job_cost(runs, months, issues, cells)
    if cost <= limits.max_cost:
        return None
    fit = max(1, limits.max_cost // max(1, months * issues * cells))
    what = f"{cells} cells x " if cells > 1 else ""
    return (
        f"runs: this job is too large: {what}{runs:,} runs x {months} months x {issues} issues = {cost:,}, "
        f"over the budget of {limits.max_cost:,}; ask for at most {fit:,} runs "
        "(or start the server with --max-cost to raise the budget)"
    )
