"""The reducer (engine.chunk.record_month, trust_bin, finish_run) on hand-made months, compiled and in Python."""

from __future__ import annotations

import math

import numpy as np
import pytest
from test_facts_base import FactBase

from detente.engine.chunk import (
    TRUST_BINS,
    finish_run,
    new_sink,
    record_month,
    run_summaries,
    trust_bin,
    trust_edges_log_odds,
)
from detente.model.behaviour import INTENT, LOGIT, NOISE, intention, site
from detente.model.games import logit_cooperate
from detente.model.month import new_state
from detente.model.regime import FROZEN, STRATEGIC, TACTICAL, issue_open
from detente.rng import month_key, run_keys, site_key, u53

EDGES = trust_edges_log_odds()
pytestmark = pytest.mark.filterwarnings(
    "ignore:overflow encountered in scalar:RuntimeWarning"
)  # uint64 hashing wraps


def _state(L=(0.0, 0.0), a=((True, True), (True, False)), G=(True, False), omega=(1.0, 3.0)):
    s = new_state(len(G))
    s.L[:] = L
    s.h[:] = (0.25, 0.5)
    s.a[:] = a
    s.G[:] = G
    s.omega[:] = omega
    return s


class TestReducer(FactBase):
    def test_trust_bin_is_searchsorted(self, f):
        tb = f(trust_bin)
        xs = [
            -np.inf,
            -800.0,
            -7.0,
            EDGES[0],
            0.0,
            EDGES[499],
            1e-12,
            EDGES[998],
            math.log(999),
            7.0,
            np.inf,
            np.nan,
        ]
        for x in xs:
            with np.errstate(over="ignore"):
                p = 1 / (1 + np.exp(-x)) if x == x else np.nan
            assert tb(EDGES, np.float64(x), np.float64(p)) == np.searchsorted(EDGES, x, side="right"), x
        # p is only the starting guess: any guess in [0, 1] must end in the same bin (both search loops)
        for x in (-9.0, -7.0, EDGES[0], -0.3, 0.0, 0.4, EDGES[998], 9.0):
            for hint in (0.0, 0.25, 0.5, 1.0):
                assert tb(EDGES, np.float64(x), hint) == np.searchsorted(EDGES, x, side="right"), (x, hint)
        rng = np.random.default_rng(5)
        for x in rng.normal(0, 4, 300):
            assert tb(EDGES, x, 1 / (1 + math.exp(-x))) == np.searchsorted(EDGES, x, side="right")

    def test_counts_streaks_and_durable(self, f):
        T = 7
        out = new_sink(1, T, 2, 2, True)
        regimes = [STRATEGIC, STRATEGIC, TACTICAL, STRATEGIC, STRATEGIC, STRATEGIC, FROZEN]
        for t, regime in enumerate(regimes):
            s = _state(L=(0.1 * t, -0.2 * t), a=((True, t % 2 == 0), (True, True)), G=(True, t < 3))
            f(record_month)(out, 0, t, s, regime)
        f(finish_run)(out, 0, s, regimes[-1])
        assert out.months[0].tolist() == [5, 1, 1]
        assert out.first[0] == 0
        assert out.longest[0] == 3 and out.streak[0] == 0
        assert out.durable[0] == 1  # two consecutive strategic months reached at month 1, not again at 4
        assert out.regime_counts[:, 0].tolist() == [1, 0, 0] and out.regime_counts.sum() == T
        assert out.open_counts.tolist() == [[1] * T, [1, 1, 1, 0, 0, 0, 0]]
        assert out.mutual_counts.tolist() == [[1] * T, [1, 0, 1, 0, 1, 0, 1]]
        # CI per month: issue 0 (weight 1) always mutual, issue 1 (weight 3) in even months -> 1 or 1/4
        assert out.ci_sum[0] == pytest.approx(4 * 1.0 + 3 * 0.25, abs=1e-12)
        assert out.final_regime[0] == FROZEN
        assert out.final_L[0].tolist() == pytest.approx([0.6, -1.2], abs=1e-12)
        assert out.trust_hist.sum() == 2 * T
        for t in range(T):
            for side, L in enumerate((0.1 * t, -0.2 * t)):
                assert out.trust_hist[side, t, np.searchsorted(EDGES, L, side="right")] == 1
        assert out.path_regime[0].tolist() == regimes
        assert out.path_L[0, :, 1] == pytest.approx([-0.2 * t for t in range(T)], abs=1e-12)
        assert out.path_h[0, 3].tolist() == [0.25, 0.5]
        assert out.path_G[0, :, 1].tolist() == [True, True, True, False, False, False, False]
        assert out.path_a[0, 1, 0].tolist() == [True, False]

    def test_first_and_durable_are_kept_from_month_zero(self, f):
        out = new_sink(2, 3, 2, 1, False)  # durable after a single strategic month
        for t, regime in enumerate([STRATEGIC, TACTICAL, STRATEGIC]):
            f(record_month)(out, 1, t, _state(), regime)
        assert out.first.tolist() == [-1, 0] and out.durable.tolist() == [-1, 0]
        assert out.months.tolist() == [[0, 0, 0], [2, 1, 0]]
        assert out.path_regime.size == 0  # no paths asked for
        summaries = run_summaries(np.array([7, 8]), np.array([[True, False], [False, True]]), out)
        assert summaries["run"].tolist() == [7, 8]
        assert summaries["months_strategic"].tolist() == [0, 2]
        assert summaries["months_tactical"].tolist() == [0, 1]
        assert summaries["months_frozen"].tolist() == [0, 0]
        assert summaries["first_strategic"].tolist() == [-1, 0]
        assert summaries["durable_month"].tolist() == [-1, 0]
        assert summaries["type_benign"].tolist() == [[True, False], [False, True]]
        assert set(summaries) >= {"longest_strategic", "ci_sum", "final_L", "final_regime"}

    def test_histogram_bins_cover_p(self):
        assert EDGES.shape == (TRUST_BINS - 1,)
        assert 1 / (1 + np.exp(-EDGES)) == pytest.approx(np.arange(1, TRUST_BINS) / TRUST_BINS, abs=1e-12)


class TestBehaviour(FactBase):
    """Intentions (theory §10.5 step 4) with the logit choice of §5.4 (F16) and the draw-site layout."""

    ARGS = (0.5, 1 / 3)  # rho, q
    SH = (4.0, 3.0, 0.0, 2.0)  # R', T'_B, S', P' of the Stag Hunt (4, 3, 2, 0)

    def test_logit_choice_of_the_b_type(self, f):
        intend, logit = f(intention), f(logit_cooperate)
        rho, q = self.ARGS
        pi, lam = 0.195846, 1.0  # F16: the QRE of SH (4, 3, 2, 0) at lambda = 1 is a fixed point
        want = logit(lam, pi, *self.SH)
        assert want == pytest.approx(pi, abs=1e-6)
        keys = run_keys(3, np.arange(4000))
        got = []
        for key in keys:
            key_t = np.uint64(f(month_key)(key, 5))  # numba returns a Python int; keep it unsigned
            c = intend(True, True, False, False, rho, q, lam, pi, *self.SH, key_t, 4)
            assert c == (f(u53)(np.uint64(f(site_key)(key_t, 4 + LOGIT))) < want)  # the logit site decides
            got.append(c)
        share = float(np.mean(got))
        assert abs(share - want) < 4 * math.sqrt(want * (1 - want) / len(got))
        # an M type that would not exploit cooperates, logit mode or not; lambda = inf is the best response
        assert all(
            intend(True, False, False, False, rho, q, lam, pi, *self.SH, np.uint64(f(month_key)(k, 0)), 0)
            for k in keys[:50]
        )
        assert intend(
            True, True, False, False, rho, q, math.inf, 0.9, *self.SH, np.uint64(f(month_key)(keys[0], 0)), 0
        )
        assert not intend(
            False, True, False, False, rho, q, math.inf, 0.9, *self.SH, np.uint64(f(month_key)(keys[0], 0)), 0
        )

    def test_draw_sites_are_distinct(self, f):
        site_of = f(site)
        assert site_of(1, 2, 3, 4) == (1 * 4 + 2) * 4 + 3
        sites = {site_of(s, k, p, 4) for s in range(2) for k in range(4) for p in (INTENT, NOISE, LOGIT)}
        assert len(sites) == 2 * 4 * 3

    def test_issue_opens_at_equality(self, f):
        is_open = f(issue_open)
        assert is_open(0.6, 0.6, 1.0, 0.0) and is_open(1.0, 0.0, 0.6, 0.6)  # pi = t* is enough (F8)
        assert not is_open(0.6, 0.6000001, 1.0, 0.0) and not is_open(1.0, 0.0, 0.6, 0.6000001)


def test_sink_dtypes_and_shapes():
    out = new_sink(3, 5, 4, 24, True)
    assert (out.months.dtype, out.first.dtype, out.durable.dtype) == (np.int32, np.int32, np.int32)
    assert (out.longest.dtype, out.streak.dtype, out.final_regime.dtype) == (np.int32, np.int32, np.int8)
    assert out.path_a.shape == (3, 5, 2, 4) and out.path_a.dtype == np.bool_
    assert out.path_G.shape == (3, 5, 4) and out.path_G.dtype == np.bool_
    assert out.path_regime.shape == (3, 5) and out.path_regime.dtype == np.int8
    assert out.path_L.shape == out.path_h.shape == (3, 5, 2)
    assert out.trust_hist.shape == (2, 5, TRUST_BINS) and out.trust_hist.dtype == np.int64
    assert new_sink(3, 5, 4, 24, False).path_a.size == 0
