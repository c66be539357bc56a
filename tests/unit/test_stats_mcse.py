"""Monte Carlo standard errors (analysis.mcse) against analytic values, and their use in summary()."""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import pytest
from scipy.stats import binom, norm

from detente.analysis import mcse
from detente.engine.results import SimulationResult, hist_quantiles


def test_z95_is_the_normal_quantile():
    assert norm.ppf(0.975) == pytest.approx(mcse.Z95, abs=1e-12)


@pytest.mark.parametrize(
    ("p", "n", "want"), [(0.5, 100, 0.05), (0.1, 900, 0.01), (0.0, 50, 0.0), (1.0, 7, 0.0)]
)
def test_proportion_se(p, n, want):
    assert mcse.proportion_se(p, n) == pytest.approx(want, abs=1e-15)


def test_proportion_se_without_runs_is_nan():
    assert math.isnan(mcse.proportion_se(0.5, 0))


def test_mean_se_analytic():
    # 1..5: mean 3, sample variance 2.5, se = sqrt(2.5/5) = sqrt(0.5)
    assert mcse.mean_se([1, 2, 3, 4, 5]) == pytest.approx(math.sqrt(0.5), abs=1e-15)
    assert mcse.mean_se([2.0, 2.0, 2.0]) == 0.0
    assert math.isnan(mcse.mean_se([1.0]))
    assert mcse.mean_se([0.0, 1.0]) == pytest.approx(0.5, abs=1e-15)  # s = 1/sqrt(2), se = s/sqrt(2)


def test_median_ranks_textbook():
    # the classic table: n = 100 -> 40th and 61st order statistics; n = 20 -> 6th and 15th
    assert mcse.median_ranks(100) == (40, 61)
    assert mcse.median_ranks(20) == (5, 16)
    assert mcse.median_ranks(3) == (1, 3)  # clipped to the sample
    assert mcse.median_rank_probs(100) == (0.40, 0.61)


@pytest.mark.parametrize("n", [10, 25, 100, 401, 1000, 10_000])
def test_median_interval_has_95pc_binomial_coverage(n):
    # [x_(j), x_(k)] covers the median iff j <= #(x < median) < k, a Binomial(n, 1/2) count
    j, k = mcse.median_ranks(n)
    coverage = binom.cdf(k - 1, n, 0.5) - binom.cdf(j - 1, n, 0.5)
    assert coverage >= 0.95
    if n >= 100:
        assert coverage < 0.97  # not needlessly wide
    assert j + k == n + 1  # symmetric in rank


@pytest.mark.parametrize("n", [400, 10_000])
def test_median_se_of_a_uniform_sample_is_asymptotic(n):
    # x_(i) = (i - 1/2)/n is an ideal U(0,1) sample: se(median) = 1/(2 f(m) sqrt(n)) = 1/(2 sqrt(n))
    x = (np.arange(1, n + 1) - 0.5) / n
    j, k = mcse.median_ranks(n)
    assert mcse.median_se(x[::-1]) == pytest.approx((k - j) / n / (2 * mcse.Z95), abs=1e-15)
    assert mcse.median_se(x) == pytest.approx(1 / (2 * math.sqrt(n)), rel=1 / math.sqrt(n))


def test_median_se_of_a_normal_sample_matches_sqrt_pi_over_2():
    n, sigma = 40_000, 3.0
    x = sigma * norm.ppf((np.arange(1, n + 1) - 0.5) / n)
    assert mcse.median_se(x) == pytest.approx(sigma * math.sqrt(math.pi / (2 * n)), rel=0.01)


def test_median_se_scales_and_ignores_shift():
    x = np.sin(np.arange(301.0))
    assert mcse.median_se(5 * x + 2) == pytest.approx(5 * mcse.median_se(x), rel=1e-12)
    assert mcse.median_se(np.full(50, 0.7)) == 0.0
    assert math.isnan(mcse.median_se([1.0, 2.0]))


def test_median_se_from_histogram_matches_samples():
    # a histogram of an ideal U(0,1) sample read with in-bin interpolation gives the same interval
    n, bins = 1000, 100
    hist = np.full(bins, n // bins)
    lo_p, hi_p = mcse.median_rank_probs(n)
    lo, hi = hist_quantiles(hist, (lo_p, hi_p))
    x = (np.arange(1, n + 1) - 0.5) / n
    assert float(mcse.interval_se(lo, hi)) == pytest.approx(mcse.median_se(x), abs=0.5 / n)
    assert float(mcse.interval_se(lo, hi)) == pytest.approx((0.531 - 0.468) / (2 * mcse.Z95), abs=1e-12)


def _result(summaries: dict, horizon: int) -> SimulationResult:
    """A SimulationResult around hand-made per-run summaries (summary() reads nothing else)."""
    res = SimulationResult.__new__(SimulationResult)
    res.summaries = summaries
    res.structure = SimpleNamespace(horizon=horizon, sides=("W", "R"))
    res.provenance = SimpleNamespace(runs=len(summaries["final_regime"]))
    return res


def test_summary_standard_errors_on_constructed_runs():
    n, T = 10, 4
    final_regime = np.array([0, 0, 1, 1, 1, 1, 1, 2, 2, 2])
    ci = np.array([0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9])
    trust_W = np.linspace(0.05, 0.95, n)[::-1]  # 0.05, 0.15, ..., 0.95
    trust_R = np.full(n, 0.25)
    summaries = {
        "final_regime": final_regime,
        "durable_month": np.array([3, -1, -1, -1, -1, -1, -1, -1, -1, -1]),
        "first_strategic": np.array([0, 1, 2, -1, -1, -1, -1, -1, -1, -1]),
        "ci_sum": ci * T,
        "final_L": np.log(np.stack([trust_W, trust_R], 1) / (1 - np.stack([trust_W, trust_R], 1))),
        "months_strategic": np.array([4, 2, 1, 0, 0, 0, 0, 0, 0, 0]),
    }
    s = _result(summaries, T).summary()
    assert s["runs"] == n
    for name, p in (
        ("p_strategic_end", 0.2),
        ("p_tactical_end", 0.5),
        ("p_frozen_end", 0.3),
        ("p_durable", 0.1),
        ("p_ever_strategic", 0.3),
    ):
        assert s[name] == pytest.approx(p, abs=1e-15)
        assert s[f"se_{name}"] == pytest.approx(math.sqrt(p * (1 - p) / n), abs=1e-15)
    assert s["mean_ci"] == pytest.approx(0.45, abs=1e-15)
    # sample variance of 0, 0.1, ..., 0.9 is 0.0916..., so se = sqrt(0.091667/10)
    assert s["se_mean_ci"] == pytest.approx(math.sqrt(0.55 / 6 / 10), abs=1e-15)
    assert s["median_trust_W"] == pytest.approx(0.5, abs=1e-12)
    # n = 10: ranks (1, 10), interval [0.05, 0.95]
    assert s["se_median_trust_W"] == pytest.approx(0.9 / (2 * mcse.Z95), abs=1e-12)
    assert s["median_trust_R"] == pytest.approx(0.25, abs=1e-12)
    assert s["se_median_trust_R"] == pytest.approx(0.0, abs=1e-12)
    assert s["mean_months_strategic"] == pytest.approx(0.7, abs=1e-15)


def test_other_coverage_levels():
    # z = 1 (68%): ranks 50 -+ 5 -> (45, 56); the se divides the width by 2z = 2
    assert mcse.median_ranks(100, z=1.0) == (45, 56)
    assert mcse.median_rank_probs(100, z=1.0) == (0.45, 0.56)
    x = np.arange(1.0, 101.0)
    assert mcse.median_se(x, z=1.0) == pytest.approx((56 - 45) / 2, abs=1e-12)
    assert float(mcse.interval_se(0.2, 0.6, z=2.0)) == pytest.approx(0.1, abs=1e-15)


def test_smallest_samples():
    assert mcse.proportion_se(0.5, 1) == 0.5  # one run: sqrt(1/4)
    # three values: the interval is the whole sample, ranks (1, 3)
    assert mcse.median_se([1.0, 2.0, 3.0]) == pytest.approx(2 / (2 * mcse.Z95), abs=1e-15)
    assert mcse.median_se(np.array([[4.0, 1.0], [3.0, 2.0]])) == pytest.approx(3 / (2 * mcse.Z95), abs=1e-15)
