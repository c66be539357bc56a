"""Monte Carlo standard errors of ensemble statistics: proportions, means and medians.

A median's error comes from the distribution-free order-statistic interval (the binomial count of runs
below the median): the 95% interval runs from rank ``n/2 − z√n/2`` to ``1 + n/2 + z√n/2`` (Conover,
*Practical Nonparametric Statistics*, §3.2), and s.e. ≈ interval width / (2z).
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike

Z95 = 1.959963984540054
"""Two-sided 95% normal quantile."""


def proportion_se(p: float, n: int) -> float:
    """Binomial standard error sqrt(p(1−p)/n) of a share p of n runs (nan without runs)."""
    if n < 1:
        return float("nan")
    return math.sqrt(max(p * (1.0 - p), 0.0) / n)


def mean_se(x: ArrayLike) -> float:
    """Standard error of a sample mean: sample s.d. (ddof 1) / sqrt(n) (nan below two values)."""
    x = np.asarray(x, dtype=float)
    n = x.size
    if n < 2:
        return float("nan")
    return float(x.std(ddof=1) / math.sqrt(n))


def median_ranks(n: int, z: float = Z95) -> tuple[int, int]:
    """1-based ranks (j, k) of the order statistics bounding the median's confidence interval."""
    half = z * math.sqrt(n) / 2
    j = max(1, math.floor(n / 2 - half))
    k = min(n, math.ceil(1 + n / 2 + half))
    return j, k


def median_se(x: ArrayLike, z: float = Z95) -> float:
    """Standard error of a sample median from its order-statistic interval: (x_(k) − x_(j)) / (2z)."""
    xs = np.sort(np.asarray(x, dtype=float).ravel())
    n = xs.size
    if n < 3:
        return float("nan")
    j, k = median_ranks(n, z)
    return float(interval_se(xs[j - 1], xs[k - 1], z))


def median_rank_probs(n: int, z: float = Z95) -> tuple[float, float]:
    """The median interval's ranks as shares (j/n, k/n), to read off a histogram's interpolated quantiles."""
    j, k = median_ranks(n, z)
    return j / n, k / n


def interval_se(lo: ArrayLike, hi: ArrayLike, z: float = Z95) -> np.ndarray:
    """Standard error implied by a symmetric-coverage interval [lo, hi]: (hi − lo) / (2z)."""
    return (np.asarray(hi, dtype=float) - np.asarray(lo, dtype=float)) / (2 * z)


def share_se(p: float, n: int) -> float:
    """Monte Carlo s.e. of a share p of n runs that is never zero-width at 0 or 1.

    Inside (0, 1) it is the binomial sqrt(p(1−p)/n). At 0 or 1, where that is 0, it is the distance to the
    far end of the one-sigma (z = 1) Wilson score interval, 1/(n + 1): a conservative bound, not an estimate.
    """
    if n < 1:
        return float("nan")
    if 0.0 < p < 1.0:
        return proportion_se(p, n)
    return 1.0 / (n + 1)
