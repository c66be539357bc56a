"""Model v2 (docs/model.md): breakdown reaches 'frozen', joining is a choice, types move both ways,
events seen by both sides, per-side terms. Facts F26–F28 are computed by hand from the founding payoffs."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

import detente
from detente.model.elites import relative_gains_weight
from detente.model.equation import pure
from detente.model.games import payoffs
from detente.model.joining import join_separating, joins, sustainment_threshold
from detente.model.regime import FROZEN

TOL = 1e-6
QUIET = {"sides.W.belief.p0": 0.6, "sides.R.belief.p0": 0.6}


@pytest.fixture(scope="module")
def reset():
    return detente.load_scenario("reset-2009").apply(QUIET)


def _architecture_thresholds(h: float, tau: float, iota: float) -> tuple[float, float]:
    """Russia's (delta*_B, delta*_M) on the architecture (R0 4, T_B 3, P0 2, T_M 10, S -4, w 0.5, dv 0.5, S_incl 3)."""
    r = pure(relative_gains_weight)(h, 0.40, 0.05, 0.0, tau)
    R, TB, TM, _, P = pure(payoffs)(4.0, 3.0, 2.0, 10.0, -4.0, 0.0, 0.5, r, tau, iota, 0.5, 3.0, True, True)
    return pure(sustainment_threshold)(TB, R, P), pure(sustainment_threshold)(TM, R, P)


class TestF26SustainmentThresholds:
    """F26: delta* = (T'-R')/(T'-P') for Russia on the architecture, by hand (h_R = 0.8 -> r = 0.33).

    Status quo: R' = 0.67*4 = 2.68, P' = 1.34, T'_B = 3 + 0.33*4 = 4.32, T'_M = 10 + 0.33*4 = 11.32.
    Offer (iota = 1): v = 0.5, S = 3 -> S_v = 2.5, T_M,v = 6, T_B,v = 2.5: T'_M = 6 - 0.33*2.5 = 5.175,
    T'_B = 2.5 - 0.825 = 1.675 < R' (a B Russia always joins). Threat adds 0.5 to R (R' = 3.015);
    generational change (h = 0 -> r = 0.05): R' = 3.8 (4.275 with the threat), P' = 1.9, T'_M = 5.875.
    """

    @pytest.mark.parametrize(
        ("h", "tau", "iota", "want_B", "want_M"),
        [
            (0.8, 0.0, 0.0, 1.64 / 2.98, 8.64 / 9.98),  # status quo: 0.550336, 0.865731
            (0.8, 0.0, 1.0, 0.0, 2.495 / 3.835),  # the offer alone: 0.650587
            (0.8, 1.0, 1.0, 0.0, 2.16 / 3.835),  # offer + threat: 0.563233
            (0.0, 0.0, 1.0, 0.0, 2.075 / 3.975),  # offer + generational change: 0.522013
            (0.0, 1.0, 1.0, 0.0, 1.6 / 3.975),  # all three: 0.402516
        ],
    )
    def test_thresholds(self, h, tau, iota, want_B, want_M):
        d_B, d_M = _architecture_thresholds(h, tau, iota)
        assert d_B == pytest.approx(want_B, abs=TOL)
        assert d_M == pytest.approx(want_M, abs=TOL)

    def test_thresholds_fall_as_conditions_are_added(self):
        chain = [(0.8, 0, 1), (0.8, 1, 1), (0.0, 1, 1)]
        d_M = [_architecture_thresholds(*c)[1] for c in chain]
        assert d_M == sorted(d_M, reverse=True) and d_M[0] > d_M[-1]

    def test_threshold_edges(self):
        st = pure(sustainment_threshold)
        assert st(3.0, 4.0, 2.0) == 0.0  # no temptation: joins at any patience
        assert st(5.0, 2.0, 2.0) == math.inf  # cooperation no better than defection: never
        assert pure(join_separating)(0.6, 0.0, 0.65) and not pure(join_separating)(0.7, 0.0, 0.65)

    def test_boundaries_are_inclusive_where_the_theory_says_so(self):
        """delta = delta* sustains (weakly prefers to cooperate): joins; at delta = delta*_M both types join
        (pooling, no signal); at delta = delta*_B only B joins (separating)."""
        assert (
            pure(joins)(True, 0.5, 0.5) and pure(joins)(True, 0.0, 0.0) and not pure(joins)(False, 0.9, 0.1)
        )
        assert not pure(join_separating)(0.65, 0.0, 0.65)
        assert pure(join_separating)(0.3, 0.3, 0.65)


def _joined_share(reset, world: str, conditions: tuple[str, ...], runs: int = 3000) -> float:
    """Share of runs in which Russia is in the architecture in the first month of the offer (2010-01)."""
    cell = reset.cell(world, conditions).apply({"horizon": 7, "channel_floor": 0.0})
    res = detente.simulate(cell, runs=runs, seed=5, paths=True)
    return float(res.paths["inside"][:, 6, 1].mean())


def test_F27_joining_probability_rises_as_conditions_are_added(reset):
    """A malign Russia with delta ~ U(0.4, 0.7) joins w.p. (0.7 - delta*_M)/0.3: 0 without the offer, then
    rising with threat and generational change (h_R at month 6 under each condition, not 0 yet)."""
    chain = [
        (),
        ("inclusion",),
        ("shared_threat", "inclusion"),
        ("generational_change", "shared_threat", "inclusion"),
    ]
    shares = [_joined_share(reset, "deterrence", c) for c in chain]
    assert shares[0] == 0.0
    assert all(a < b for a, b in itertools.pairwise(shares)), shares
    eta_m = 1 - (1 - 0.05) ** (1 / 12)
    h6 = 0.8 * (1 - eta_m) ** 6
    _, d_M = _architecture_thresholds(h6, 0.0, 1.0)
    want = (0.7 - d_M) / 0.3
    assert shares[1] == pytest.approx(want, abs=4 * math.sqrt(want * (1 - want) / 3000))
    assert _joined_share(reset, "spiral", ("inclusion",)) == 1.0  # delta*_B = 0 under the offer


def test_a_separating_join_reassures_the_other_side(reset):
    """Only a B Russia joins when delta*_B <= delta < delta*_M: the West's trust jumps to the bound."""
    cell = reset.cell("spiral", ("inclusion",)).apply(
        {"horizon": 7, "channel_floor": 0.0, "sides.R.behaviour.delta": 0.5, "sides.W.learning.kappa": 0.0}
    )
    res = detente.simulate(cell, runs=50, seed=2, paths=True)
    assert (res.summaries["joined_month"][:, 1] == 6).all()
    assert np.all(res.paths["L"][:, 6, 0] == cell.L_max)


def test_hostile_events_reach_frozen_even_between_benign_sides(reset):
    """Hostile acts seen by both sides collapse trust below the channel floor: verification goes, every
    issue closes (the spiral model's breakdown)."""
    hostile = [
        {"date": f"2010-0{m}", "actor": "R", "observer": "both", "lr": 20.0, "label": "crisis"}
        for m in range(1, 4)
    ]
    cell = reset.cell("spiral").apply({"events": hostile, "horizon": 36})
    res = detente.simulate(cell, runs=400, seed=3)
    assert res.totals.regime_counts[FROZEN, 9:].min() == 400  # from 2010-04 on, every run is frozen
    assert res.summary()["p_frozen_end"] == 1.0
    calm = detente.simulate(reset.cell("spiral").apply({"horizon": 36}), runs=400, seed=3)
    assert calm.summary()["p_frozen_end"] < 0.5  # noise-driven spirals alone freeze some runs, not all


def test_a_relapse_is_expressible_and_runs(reset):
    """A benign Russia relapses: a faction of the old cadre takes over in 2012 (h = 0.9, type M)."""
    relapse = {"levers.leadership": [{"side": "R", "date": "2012-01", "h": 0.9, "type": "M"}]}
    cell = reset.cell("spiral").apply({**relapse, "horizon": 120})
    res = detente.simulate(cell, runs=400, seed=4, paths=True)
    assert res.summaries["type_benign"][:, 1].all() and not res.summaries["type_benign_end"][:, 1].any()
    assert np.allclose(res.paths["h"][:, 30, 1], 0.9)
    base = detente.simulate(reset.cell("spiral").apply({"horizon": 120}), runs=400, seed=4)
    assert res.summary()["mean_ci"] < base.summary()["mean_ci"]


def test_a_leadership_drawn_from_the_elite_is_malign_with_the_elite_share(reset):
    shares = {"sides.R.elite.m_old": 0.9, "sides.R.elite.m_new": 0.1}
    draw = {"levers.leadership": [{"side": "R", "date": "2010-01", "h": 0.5, "type": "draw"}]}
    cell = reset.cell("spiral").apply({**shares, **draw, "horizon": 12})
    res = detente.simulate(cell, runs=4000, seed=6)
    malign = 1 - res.summaries["type_benign_end"][:, 1].mean()
    assert malign == pytest.approx(0.5, abs=4 * math.sqrt(0.25 / 4000))  # m(0.5) = 0.1 + 0.8*0.5


def test_an_event_both_sides_observe_moves_both_beliefs_by_its_meaning_to_each(reset):
    """lr W: 0.5 (good news about R: +ln 2), lr R: 4 (bad news about W: -ln 4, amplified by 1 + beta*h_R)."""
    event = {"date": "2009-07", "actor": "W", "observer": "both", "lr": {"W": 0.5, "R": 4.0}}
    no_learning = {"sides.W.learning.kappa": 0.0, "sides.R.learning.kappa": 0.0, "horizon": 2}
    cell = reset.cell("spiral").apply({"events": [event], **no_learning})
    res = detente.simulate(cell, runs=5, seed=1, paths=True)
    L0 = np.log(0.6 / 0.4)
    assert res.paths["L"][:, 0, 0] == pytest.approx(L0 + math.log(2.0), abs=1e-12)
    assert res.paths["L"][:, 0, 1] == pytest.approx(L0 - (1 + 1.0 * 0.8) * math.log(4.0), abs=1e-12)


def test_per_side_terms_and_a_threat_felt_by_one_side(reset):
    """T_M per side and a threat only Russia feels: each side's game is built from its own terms."""
    from detente.engine.compile import Compiled

    cell = reset.apply(
        {
            "issues.arms_control.T_M": {"W": 6.0, "R": 9.0},
            "schedules.threat": {"W": [], "R": [{"start": "2010-01", "value": 1.0}]},
        }
    )
    P = Compiled(cell, seed=1).draw(np.arange(3))
    assert P.issue["T_M"][0, 0].tolist() == [6.0, 9.0]
    assert P.tau[0, 5].tolist() == [0.0, 0.0] and P.tau[0, 6].tolist() == [0.0, 1.0]
    with pytest.raises(detente.errors.ScenarioError, match="names each side once"):
        reset.apply({"issues.arms_control.T_M": {"W": 6.0}})


def test_a_type_from_the_elite_is_benign_with_one_minus_the_expansionist_share(reset):
    from detente.engine.compile import Compiled

    cell = reset.apply({"sides.R.type": "from_elite", "sides.R.elite.m_old": 0.5, "sides.R.elite.m_new": 0.1})
    P = Compiled(cell, seed=8).draw(np.arange(4000))
    want = 1 - (0.1 + 0.4 * 0.8)  # h0_R = 0.8
    assert P.theta0[:, 1].mean() == pytest.approx(want, abs=4 * math.sqrt(want * (1 - want) / 4000))
    with pytest.raises(detente.errors.ScenarioError, match=r"'from_elite' needs sides\.R\.elite\.m_old"):
        reset.apply({"sides.R.type": "from_elite"})


def test_channel_and_drawn_type_boundaries():
    """Trust exactly at the floor keeps the channel; a uniform exactly at m(h) draws a benign leadership."""
    from detente.model.elites import drawn_benign
    from detente.model.regime import channel_works

    assert pure(channel_works)(0.25, 0.3, 0.25) and pure(channel_works)(0.3, 0.25, 0.25)
    assert not pure(channel_works)(0.2499, 0.3, 0.25) and not pure(channel_works)(0.3, 0.2499, 0.25)
    assert pure(channel_works)(0.0, 0.0, 0.0)  # floor 0: the channel never breaks (v1)
    assert pure(drawn_benign)(0.5, 0.5, 0.9, 0.1) and not pure(drawn_benign)(0.4999, 0.5, 0.9, 0.1)


def test_the_fiat_switch_is_named_a_counterfactual_in_the_verdict(reset):
    fiat = {"conditions.inclusion.set.levers.counterfactual_joins": [{"side": "R", "date": "2010-01"}]}
    exp = detente.experiment(reset.apply(fiat), runs=20, worlds=["deterrence"], conditions=["inclusion"])
    lines = [x for x in exp.sentences() if x.startswith("Counterfactual lever in use")]
    assert lines == [
        "Counterfactual lever in use: Russia's type is set to benign by fiat from 2010-01, not chosen from its "
        "incentives (levers.counterfactual_joins; in 1 of 2 cells: inclusion)."
    ]
    plain = detente.experiment(reset, runs=20, worlds=["deterrence"], conditions=["inclusion"])
    assert not any("Counterfactual" in x for x in plain.sentences())


def test_joined_month_is_the_first_join_even_after_leaving_and_rejoining(reset):
    offers = [
        {"start": "2009-07", "value": 1.0},
        {"start": "2009-09", "value": 0.0},
        {"start": "2009-11", "value": 1.0},
    ]
    cell = reset.cell("spiral").apply({"schedules.inclusion": offers, "horizon": 8, "channel_floor": 0.0})
    res = detente.simulate(cell, runs=20, seed=1, paths=True)
    inside = res.paths["inside"][:, :, 1]
    assert inside[:, :2].all() and not inside[:, 2:4].any() and inside[:, 4:].all()
    assert (res.summaries["joined_month"][:, 1] == 0).all()
