"""What a chunk of runs yields and how it is reduced: one reducer for every backend and thread.

Aggregates are integer counts (regimes, open issues, mutual cooperation, trust histograms), so adding
chunks or thread slices in any order gives bit-identical totals; summaries are per run. This module sits
below the kernel and the public entry point (``simulate``), which both import it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, NamedTuple

import numpy as np
from numba import njit

from detente.model.month import month_ci, trust
from detente.model.regime import STRATEGIC

TRUST_BINS = 1000
"""Trust histograms use this many equal bins of p in [0, 1] (quantiles resolve to 1/TRUST_BINS)."""


def trust_edges_log_odds(bins: int = TRUST_BINS) -> np.ndarray:
    """Inner bin edges of the trust histogram in log-odds (binning L equals binning p, exactly)."""
    p = np.linspace(0.0, 1.0, bins + 1)[1:-1]
    return np.log(p / (1 - p))


@dataclass
class ChunkOut:
    """What one chunk of runs contributes: count aggregates, per-run summaries, optional paths."""

    regime_counts: np.ndarray  # (3, T) int64
    open_counts: np.ndarray  # (K, T) int64
    mutual_counts: np.ndarray  # (K, T) int64
    trust_hist: np.ndarray  # (2, T, B) int64
    summaries: dict[str, np.ndarray]  # each (n, ...) per run
    paths: dict[str, np.ndarray] | None = None

    def add(self, other: ChunkOut | Sink) -> None:
        """Add another chunk's (or thread slice's) counts to these; summaries and paths are the caller's."""
        self.regime_counts += other.regime_counts
        self.open_counts += other.open_counts
        self.mutual_counts += other.mutual_counts
        self.trust_hist += other.trust_hist


def empty_totals(T: int, K: int) -> ChunkOut:
    """Zero aggregates to accumulate chunks into."""
    return ChunkOut(*slice_counts(T, K, np.int64), summaries={})


class Sink(NamedTuple):
    """Where the kernel writes: counts of one thread slice, per-run summaries and paths of the chunk."""

    regime_counts: np.ndarray  # (3, T)
    open_counts: np.ndarray  # (K, T)
    mutual_counts: np.ndarray  # (K, T)
    trust_hist: np.ndarray  # (2, T, B), uint16 or int32 per slice
    edges: np.ndarray  # (B-1,) log-odds bin edges
    durable_months: int
    months: np.ndarray  # (n, 3) int32 months per regime
    first: np.ndarray  # (n,) int32 first strategic month, -1
    durable: np.ndarray  # (n,) int32 month a durable partnership is reached, -1
    longest: np.ndarray  # (n,) int32
    streak: np.ndarray  # (n,) int32 current strategic streak
    ci_sum: np.ndarray  # (n,) float
    final_L: np.ndarray  # (n, 2)
    final_regime: np.ndarray  # (n,) int8
    joined: np.ndarray  # (n, 2) int32 first month the side joined an offered architecture, -1
    theta_end: np.ndarray  # (n, 2) bool type at the horizon (True = B)
    want_paths: bool
    path_L: np.ndarray  # (n, T, 2) or empty
    path_h: np.ndarray
    path_a: np.ndarray  # (n, T, 2, K) bool
    path_G: np.ndarray  # (n, T, K) bool
    path_regime: np.ndarray  # (n, T) int8
    path_in: np.ndarray  # (n, T, 2) bool: the side is in an offered architecture


def new_sink(n: int, T: int, K: int, durable_months: int, want_paths: bool) -> Sink:
    """Per-run outputs for a chunk of n runs, with the counts of one slice (see ``slice_counts``)."""
    shape = (n, T) if want_paths else (0, 0)
    return Sink(
        *slice_counts(T, K, np.int64), trust_edges_log_odds(), int(durable_months),
        np.zeros((n, 3), np.int32), np.full(n, -1, np.int32), np.full(n, -1, np.int32), np.zeros(n, np.int32),
        np.zeros(n, np.int32), np.zeros(n), np.zeros((n, 2)), np.zeros(n, np.int8),
        np.full((n, 2), -1, np.int32), np.zeros((n, 2), np.bool_), bool(want_paths),
        np.zeros((*shape, 2)), np.zeros((*shape, 2)), np.zeros((*shape, 2, K), np.bool_),
        np.zeros((*shape, K), np.bool_), np.zeros(shape, np.int8), np.zeros((*shape, 2), np.bool_),
    )  # fmt: skip


def slice_counts(T: int, K: int, hist_dtype: Any) -> tuple[np.ndarray, ...]:
    """Zero counts for one thread slice (small histogram integers when the slice cannot overflow them)."""
    return (np.zeros((3, T), np.int64), np.zeros((K, T), np.int64), np.zeros((K, T), np.int64),
            np.zeros((2, T, TRUST_BINS), hist_dtype))  # fmt: skip


@njit(cache=True, inline="always")
def trust_bin(edges, x, p):
    """np.searchsorted(edges, x, side='right') for log-odds edges of equal p-bins, starting from p = sigma(x)."""
    m = edges.shape[0]
    if not (p >= 0.0 and p <= 1.0):
        return m if x != x or x > 0 else 0
    g = min(int(p * (m + 1)), m)
    while g < m and not (x < edges[g]):
        g += 1
    while g > 0 and x < edges[g - 1]:
        g -= 1
    return g


@njit(cache=True, inline="always")
def record_month(out, i, t, s, regime):
    """The reducer: add run i's month t (state after the month) to the counts, its summary and its path."""
    for k in range(s.G.shape[0]):
        out.mutual_counts[k, t] += s.a[0, k] and s.a[1, k]
        out.open_counts[k, t] += s.G[k]
    out.regime_counts[regime, t] += 1
    for side in range(2):
        out.trust_hist[side, t, trust_bin(out.edges, s.L[side], trust(s, side))] += 1
    out.months[i, regime] += 1
    if regime == STRATEGIC:
        if out.first[i] < 0:
            out.first[i] = t
        out.streak[i] += 1
    else:
        out.streak[i] = 0
    out.longest[i] = max(out.longest[i], out.streak[i])
    if out.streak[i] == out.durable_months and out.durable[i] < 0:
        out.durable[i] = t
    out.ci_sum[i] = out.ci_sum[i] + month_ci(s)
    if out.want_paths:
        out.path_regime[i, t] = regime
        for side in range(2):
            out.path_L[i, t, side], out.path_h[i, t, side] = s.L[side], s.h[side]
            inside = False
            for k in range(s.G.shape[0]):
                inside = inside or s.J[side, k]
                out.path_a[i, t, side, k] = s.a[side, k]
                out.path_G[i, t, k] = s.G[k]
            out.path_in[i, t, side] = inside


@njit(cache=True, inline="always")
def finish_run(out, i, s, regime):
    """The reducer at the end of run i: its final regime and trust."""
    out.final_regime[i] = regime
    out.final_L[i, 0], out.final_L[i, 1] = s.L[0], s.L[1]
    for side in range(2):
        out.joined[i, side] = s.joined[side]
        out.theta_end[i, side] = s.theta[side]


def run_summaries(runs: np.ndarray, theta0: np.ndarray, out: Sink) -> dict[str, np.ndarray]:
    """The per-run summary columns of a chunk."""
    return {
        "run": runs.copy(),
        "months_strategic": out.months[:, 0],
        "months_tactical": out.months[:, 1],
        "months_frozen": out.months[:, 2],
        "first_strategic": out.first,
        "durable_month": out.durable,
        "longest_strategic": out.longest,
        "ci_sum": out.ci_sum,
        "final_L": out.final_L,
        "final_regime": out.final_regime,
        "type_benign": theta0.copy(),
        "type_benign_end": out.theta_end,
        "joined_month": out.joined.astype(np.int64),
    }


def paths_of(out: Sink) -> dict[str, np.ndarray]:
    """Full paths of a chunk (when asked for)."""
    return {
        "L": out.path_L, "h": out.path_h, "G": out.path_G, "a": out.path_a, "regime": out.path_regime,
        "inside": out.path_in,
    }  # fmt: skip


@dataclass
class Provenance:
    """Where a result came from: enough to reproduce it."""

    scenario_hash: str
    seed: int
    runs: int
    world: str | None
    conditions: tuple[str, ...]
    backend: str
    chunk_size: int
    version: str
    initial_trust: dict[str, float]
    seconds: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)
