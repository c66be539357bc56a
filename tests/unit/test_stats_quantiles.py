"""Histogram quantiles with in-bin interpolation (engine.results.hist_quantiles) against analytic values."""

from __future__ import annotations

import numpy as np
import pytest

from detente.engine.results import QUANTILES, hist_quantiles


def test_uniform_histogram_gives_the_quantile_itself():
    hist = np.full(10, 7)
    assert hist_quantiles(hist) == pytest.approx(np.array(QUANTILES), abs=1e-12)
    assert hist_quantiles(hist, (0.0, 0.31, 1.0)) == pytest.approx([0.0, 0.31, 1.0], abs=1e-12)


def test_single_bin_interpolates_inside_it():
    hist = np.zeros(20, np.int64)
    hist[13] = 40
    # all mass in [0.65, 0.70): quantile q sits at 0.65 + q*0.05
    assert hist_quantiles(hist, (0.25, 0.5, 0.9)) == pytest.approx([0.6625, 0.675, 0.695], abs=1e-12)


def test_piecewise_uniform_distribution():
    # 4 bins on [0,1] with masses (1, 0, 3, 4)/8: CDF 1/8 at 0.25, 1/8 at 0.5, 1/2 at 0.75, 1 at 1
    hist = np.array([1, 0, 3, 4])
    got = hist_quantiles(hist, (1 / 16, 0.125, 0.25, 0.5, 0.75))
    want = [0.125, 0.25, 0.5 + 0.25 / 3, 0.75, 0.875]
    assert got == pytest.approx(want, abs=1e-12)


def test_empty_bins_are_skipped_between_occupied_ones():
    hist = np.array([0, 2, 0, 0, 0, 2, 0, 0, 0, 0])
    # half the mass in bin 1, half in bin 5: the median is the top of bin 1, q=0.75 the middle of bin 5
    assert hist_quantiles(hist, (0.5, 0.75)) == pytest.approx([0.2, 0.55], abs=1e-12)


def test_leading_axes_are_kept_and_each_histogram_read_separately():
    hist = np.zeros((2, 3, 10), np.int64)
    for a in range(2):
        for b in range(3):
            hist[a, b, 3 * b + a] = 5 + a + b
    out = hist_quantiles(hist)
    assert out.shape == (len(QUANTILES), 2, 3)
    for i, q in enumerate(QUANTILES):
        for a in range(2):
            for b in range(3):
                assert out[i, a, b] == pytest.approx((3 * b + a + q) / 10, abs=1e-12)


def test_matches_sample_quantiles_of_binned_data_within_a_bin():
    rng = np.random.default_rng(0)
    x = rng.beta(2.0, 5.0, 20_000)
    bins = 200
    hist = np.bincount(np.minimum((x * bins).astype(int), bins - 1), minlength=bins)
    got = hist_quantiles(hist)
    assert np.abs(got - np.quantile(x, QUANTILES)).max() < 1 / bins
    assert np.all(np.diff(got) > 0)
