"""Limits on what one input may ask for, checked before any work or allocation.

Each limit has a default that suits a laptop and an environment variable that raises it
(``DETENTE_MAX_<NAME>``, e.g. ``DETENTE_MAX_RUNS=50000000``); docs/limits.md lists them all. A value
over its limit is refused with a message naming the field, the limit and how to raise it.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, fields

from detente.errors import DetenteError

MAX_SEED = 2**64 - 1
"""Seeds are unsigned 64-bit integers everywhere (CLI flags, scenario, experiment file, web)."""


@dataclass(frozen=True)
class Limits:
    """Upper bounds on sizes in one command or request; raise one with ``DETENTE_MAX_<NAME>``."""

    runs: int = 10_000_000
    """Runs per cell."""
    horizon: int = 1_200
    """Months simulated (100 years)."""
    issues: int = 64
    """Issues in one scenario."""
    events: int = 200_000
    """Dated events, levers and rows of an event table in one scenario."""
    cost: int = 50_000_000_000
    """Runs x months x issues x cells of one command (about ten minutes on two cores)."""
    design_points: int = 1_000_000
    """Points of an experiment design (full-factorial levels^k, Sobol N(2k+2), LHS or Morris samples)."""
    workers: int = 256
    """Worker processes or threads asked for."""
    turns: int = 1_000_000
    """Turns of one tournament match."""
    file_bytes: int = 64 * 1024 * 1024
    """Bytes of one scenario, experiment or event file read as text."""
    yaml_nodes: int = 1_000_000
    """Nodes of a YAML document after alias expansion (alias bombs are refused here)."""
    yaml_aliases: int = 1_000
    """Alias uses (``*name``) in one YAML document."""
    depth: int = 64
    """Nesting depth of a YAML/TOML/JSON document."""
    conditions: int = 16
    """Conditions (factors) of a factorial: 2^k cells."""

    @classmethod
    def from_env(cls) -> Limits:
        """Defaults, each replaced by ``DETENTE_MAX_<NAME>`` where that variable is set."""
        values: dict[str, int] = {}
        for f in fields(cls):
            raw = os.environ.get(env_name(f.name))
            if raw is None:
                continue
            try:
                value = int(raw.replace("_", ""))
            except ValueError:
                raise DetenteError(
                    f"{env_name(f.name)}: expected a positive whole number, got {raw!r}"
                ) from None
            if value < 1:
                raise DetenteError(f"{env_name(f.name)}: expected a positive whole number, got {raw!r}")
            values[f.name] = value
        return cls(**values)


def env_name(limit: str) -> str:
    """The environment variable that raises ``limit``."""
    return f"DETENTE_MAX_{limit.upper()}"


def limits() -> Limits:
    """The limits in force (defaults, raised by environment variables)."""
    return Limits.from_env()


def over_limit(field: str, limit: str, value: int | float, what: str = "") -> str | None:
    """A message if ``value`` exceeds limit ``limit`` (named by ``field`` in the message), else None.

    Integers too large for a float are compared exactly and shown by their number of digits."""
    bound = getattr(limits(), limit)
    finite = isinstance(value, int) or (isinstance(value, float) and math.isfinite(value))
    if finite and value <= bound:
        return None
    if isinstance(value, int) and value > 10**30:
        shown = f"a {len(str(value))}-digit number of {what}" if what else f"a {len(str(value))}-digit number"
    else:
        shown = (f"{value:,}" if isinstance(value, int) else str(value)) + (f" {what}" if what else "")
    return f"{field}: {shown} is over the limit of {bound:,}; set {env_name(limit)} to raise it"


def cost_problem(
    field: str, runs: int, months: int, issues: int, units: int, unit: str = "cells"
) -> str | None:
    """A message if runs x months x issues x ``units`` (cells or design points) is over the cost limit."""
    what = f"run-months-issues ({runs:,} runs x {months} months x {issues} issues x {units:,} {unit})"
    return over_limit(field, "cost", runs * months * issues * units, what)


def check_limit(field: str, limit: str, value: int | float, what: str = "") -> None:
    """Raise ``DetenteError`` naming ``field`` if ``value`` exceeds limit ``limit``."""
    problem = over_limit(field, limit, value, what)
    if problem:
        raise DetenteError(problem)


def check_seed(field: str, seed: object) -> int:
    """A seed as an int in 0..2^64-1, else ``DetenteError`` naming ``field`` (booleans are not seeds)."""
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed <= MAX_SEED:
        raise DetenteError(
            f"{field}: expected a whole number from 0 to 2^64-1 (18446744073709551615), got {seed!r}"
        )
    return int(seed)
