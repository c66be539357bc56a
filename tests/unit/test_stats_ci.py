"""The weighted cooperation index (theory §10.6): per run, per month and in the summary."""

from __future__ import annotations

import math

import numpy as np
import pytest

import detente
from detente.analysis import mcse
from detente.engine.chunk import TRUST_BINS, trust_edges_log_odds

OMEGA = np.array([1.0, 1.0, 1.0, 3.0])  # bundled reset-2009: three tactical issues, the architecture weighs 3


def _ci(a: np.ndarray, omega: np.ndarray) -> np.ndarray:
    """CI = sum_k omega_k [a_Wk = C and a_Rk = C] / sum_k omega_k over the last axis of a (..., 2, K)."""
    mutual = a[..., 0, :] & a[..., 1, :]
    return (mutual * omega).sum(-1) / omega.sum()


RUNS, HORIZON = 40, 36


@pytest.fixture(scope="module")
def scenario():
    sc = detente.load_scenario("reset-2009")
    return sc.cell("uncertain", tuple(sc.conditions)).apply({"horizon": HORIZON, "sides.R.type": 0.5})


@pytest.fixture
def result(scenario):
    """Three chunks of runs (16 + 16 + 8), with paths, so the reducer's sums over chunks are exercised.

    Not cached across tests: under mutation testing each test must run the engine code it checks."""
    return detente.simulate(scenario, runs=RUNS, seed=9, paths=True, chunk_size=16)


def test_bundled_weights(result):
    st = result.structure
    assert [result.scenario.issues[i].omega for i in st.issues] == list(OMEGA)


def test_monthly_ci_is_the_weighted_mutual_cooperation(result):
    want = _ci(result.paths["a"], OMEGA).mean(axis=0)  # (T,)
    assert result.aggregates.ci == pytest.approx(want, abs=1e-12)
    # all four values {0, 1/6, ..., 1} occur: tactical issues count 1/6 each, the architecture 1/2
    per_run = _ci(result.paths["a"], OMEGA)
    assert set(np.round(per_run.ravel() * 6).astype(int)) >= {3, 6}


def test_run_mean_ci_and_summary(result):
    per_run = _ci(result.paths["a"], OMEGA).mean(axis=1)
    assert result.runs["mean_ci"].to_numpy() == pytest.approx(per_run, abs=1e-12)
    assert result.summary()["mean_ci"] == pytest.approx(per_run.mean(), abs=1e-12)


@pytest.mark.parametrize(
    ("coop_W", "coop_R", "want"),
    [
        ([1, 1, 1, 1], [1, 1, 1, 1], 1.0),
        ([1, 1, 0, 0], [1, 1, 1, 1], 2 / 6),
        ([0, 0, 0, 1], [1, 1, 1, 1], 3 / 6),
        ([1, 1, 1, 0], [0, 1, 1, 1], 2 / 6),
        ([1, 0, 1, 0], [0, 1, 0, 1], 0.0),
    ],
)
def test_cooperation_index_analytic(coop_W, coop_R, want):
    a = np.array([coop_W, coop_R], bool)
    assert _ci(a, OMEGA) == pytest.approx(want, abs=1e-15)


def test_summary_errors_on_a_real_ensemble(result):
    s, runs, n = result.summary(), result.runs, RUNS
    for name in ("p_strategic_end", "p_durable", "p_ever_strategic"):
        assert s[f"se_{name}"] == pytest.approx(math.sqrt(s[name] * (1 - s[name]) / n), abs=1e-15)
    assert s["p_ever_strategic"] > 0 and 0 < s["p_durable"] < 1  # all three conditions, uncertain world
    assert s["se_mean_ci"] == pytest.approx(runs["mean_ci"].std(ddof=1) / math.sqrt(n), abs=1e-15)
    for side in ("W", "R"):
        trust = np.sort(runs[f"final_trust_{side}"].to_numpy())
        j, k = mcse.median_ranks(n)
        assert s[f"median_trust_{side}"] == pytest.approx(np.median(trust), abs=1e-15)
        assert s[f"se_median_trust_{side}"] == pytest.approx((trust[k - 1] - trust[j - 1]) / (2 * mcse.Z95))


def test_trust_histogram_edges_are_equal_p_bins():
    edges = trust_edges_log_odds()
    assert edges.shape == (TRUST_BINS - 1,)
    assert 1 / (1 + np.exp(-edges)) == pytest.approx(np.arange(1, TRUST_BINS) / TRUST_BINS, abs=1e-12)
    assert edges[TRUST_BINS // 2 - 1] == 0.0 and np.all(np.diff(edges) > 0)
    assert trust_edges_log_odds(4) == pytest.approx([math.log(1 / 3), 0.0, math.log(3)], abs=1e-12)


def test_reducer_counts_match_the_paths(result):
    tot, P = result.totals, result.paths
    T, n = HORIZON, RUNS
    for r in range(3):
        assert tot.regime_counts[r].tolist() == (P["regime"] == r).sum(0).tolist()
    assert tot.open_counts.tolist() == P["G"].sum(0).T.tolist()
    mutual = P["a"][:, :, 0, :] & P["a"][:, :, 1, :]
    assert tot.mutual_counts.tolist() == mutual.sum(0).T.tolist()
    edges = trust_edges_log_odds()
    for side in range(2):
        for t in range(T):
            want = np.bincount(np.searchsorted(edges, P["L"][:, t, side], side="right"), minlength=TRUST_BINS)
            assert np.array_equal(tot.trust_hist[side, t], want), (side, t)
    assert (tot.trust_hist.sum(-1) == n).all()
    ag = result.aggregates
    assert ag.regime_prob == pytest.approx(tot.regime_counts / n, abs=0)
    # the interpolated histogram median lies between the bins of the two middle runs (n even)
    bins = np.searchsorted(edges, np.sort(P["L"], axis=0), side="right")  # (n, T, 2), as the reducer bins
    lo = bins[n // 2 - 1].T / TRUST_BINS - 1e-12
    hi = (bins[n // 2] + 1).T / TRUST_BINS + 1e-12
    median = ag.trust_quantiles[:, 2, :]
    assert ((lo <= median) & (median <= hi)).all()


def test_reducer_run_summaries_match_the_paths(result, scenario):
    s, P = result.summaries, result.paths
    strategic = P["regime"] == 0
    assert s["months_strategic"].tolist() == strategic.sum(1).tolist()
    assert s["months_tactical"].tolist() == (P["regime"] == 1).sum(1).tolist()
    assert s["months_frozen"].tolist() == (P["regime"] == 2).sum(1).tolist()
    assert s["first_strategic"].tolist() == [int(np.argmax(row)) if row.any() else -1 for row in strategic]
    longest, durable = [], []
    for row in strategic:
        streak, best, at = 0, 0, -1
        for t, x in enumerate(row):
            streak = streak + 1 if x else 0
            best = max(best, streak)
            if streak == scenario.durable_months and at < 0:
                at = t
        longest.append(best)
        durable.append(at)
    assert s["longest_strategic"].tolist() == longest
    assert s["durable_month"].tolist() == durable
    assert 0 < sum(d >= 0 for d in durable) < RUNS  # some runs, not all, reach a durable partnership
    assert s["final_regime"].tolist() == P["regime"][:, -1].tolist()
    assert np.array_equal(s["final_L"], P["L"][:, -1])
    assert s["run"].tolist() == list(range(RUNS))


def test_chunking_does_not_change_the_reduction(result, scenario):
    one = detente.simulate(scenario, runs=RUNS, seed=9)
    for name in ("regime_counts", "open_counts", "mutual_counts", "trust_hist"):
        assert np.array_equal(getattr(one.totals, name), getattr(result.totals, name)), name
    for key, value in one.summaries.items():
        assert np.array_equal(value, result.summaries[key]), key
