"""Calibration: recovery of a known gamma on a synthetic record, baselines, the shipped record."""

from __future__ import annotations

import numpy as np
import pytest

from detente.history.assimilate import prepare, replay
from detente.history.calibrate import Labels, baselines, calibrate, year_months, yearly_regime
from detente.history.events import Periods, load_periods
from detente.model.regime import REGIMES
from detente.scenario.load import load_scenario
from detente.scenario.schema import History, Step

ACTORS = {"USA": "W", "RUS": "R"}
NAMES = {0: "strategic_partnership_attempt", 1: "limited_tactical", 2: "adversarial"}


def synthetic(gamma_true: float, seed: int = 3):
    """A random record 1991-12..2008-12 and labels made by the model itself at gamma_true."""
    rng = np.random.default_rng(seed)
    rows = []
    for _ in range(120):
        day = np.datetime64("1992-01-01") + rng.integers(0, 17 * 365)
        year = int(str(day)[:4])
        actor, target = ("RUS", "USA") if rng.random() < 0.7 else ("USA", "RUS")
        p_good = 0.85 if year < 1997 else (0.25 if year < 2000 else (0.95 if year < 2004 else 0.2))
        v = 1 if rng.random() < p_good else -1
        rows.append(
            {
                "date": str(day),
                "actor": actor,
                "target": target,
                "kind": "agree",
                "goldstein": float(rng.choice([2.0, 4.0, 8.0])),
                "dyad_valence": v,
            }
        )
    hist = History(
        events=rows,
        actors=ACTORS,
        start="1991-12",
        until="2008-12-31",
        gamma=gamma_true,
        p_start={"W": 0.7, "R": 0.5},
        inclusion=[Step(start="1991-12", value=1.0)],
        regime_at="year-end",
    )
    sc = load_scenario("reset-2009").model_copy(update={"history": hist})
    rep = replay(sc)
    years = np.arange(1992, 2009)
    pred = yearly_regime(rep.regime, year_months(rep.setup.months, years, "year-end"))
    periods = Periods(
        "synthetic",
        years,
        np.array([NAMES[int(p)] for p in pred], dtype=object),
        np.array([""] * len(years), dtype=object),
        np.array([""] * len(years), dtype=object),
        np.array([""] * len(years), dtype=object),
    )
    return sc, periods, pred


@pytest.mark.parametrize("gamma_true", [0.12, 0.3])
def test_synthetic_record_recovers_gamma_within_its_uncertainty(gamma_true):
    sc, periods, pred = synthetic(gamma_true)
    assert len(set(pred.tolist())) > 1  # the labels carry information
    fit = calibrate(
        sc,
        periods,
        gammas=np.round(np.arange(0, 0.5001, 0.02), 4),
        ps=np.round(np.arange(0.06, 0.95, 0.08), 4),
        n_boot=60,
    )
    lo, hi = fit.interval("gamma")
    assert fit.agreement == 1.0
    assert lo <= gamma_true <= hi
    assert hi - lo < 0.5  # the labels do constrain gamma


def test_baselines_by_hand():
    labels = Labels(np.arange(2000, 2005), np.array([0, 0, 1, 1, 2]), np.array([-1, 1, -1, 2, 1]))
    b = baselines(labels)
    assert b["majority_class"]["predicts"] == REGIMES[0]
    assert b["majority_class"]["agreement"] == pytest.approx((1 + 1 + 0 + 0 + 0) / 5)
    # persistence from 2001: 0→0 (1), 0→1 (0), 1→1 (1), 1→2 alt 1 (0.5)
    assert b["persistence"]["agreement"] == pytest.approx(2.5 / 4)


def test_modal_year_breaks_ties_toward_the_later_month():
    reg = np.array([0] * 6 + [1] * 6)
    assert yearly_regime(reg, [np.arange(12)]).tolist() == [1]
    assert yearly_regime(np.array([2] * 7 + [1] * 5), [np.arange(12)]).tolist() == [2]


def test_shipped_record_fit_against_the_baselines(capsys):
    """Model v2 beats the majority class in sample and ties persistence from 1993 (0.750 each); the
    out-of-sample comparison is `detente backtest`'s (docs/history.md)."""
    sc = load_scenario("reset-2009")
    fit = calibrate(sc, load_periods(), n_boot=40)
    maj = fit.baselines["majority_class"]["agreement"]
    pers = fit.baselines["persistence"]["agreement_from_second"]
    model_from_second = fit.extra["model_agreement_from_second"]
    with capsys.disabled():
        print(
            f"\nshipped record 1992-2008: agreement {fit.agreement:.3f} (from 1993: {model_from_second:.3f}, "
            f"leave-one-year-out {fit.loo_agreement:.3f}); majority class {maj:.3f}; persistence {pers:.3f}; "
            f"gamma {fit.gamma} maximal set {fit.maximal_set['gamma']} bootstrap {fit.bootstrap['gamma']}"
        )
    assert fit.agreement > maj
    assert model_from_second >= pers
    assert fit.confusion.sum() == 17
    # the scenario stores the fit (refit with `detente history`)
    assert fit.gamma == pytest.approx(sc.history.gamma)
    assert fit.p_start == pytest.approx(dict(sc.history.p_start))


def test_year_window_drops_unreplayed_years():
    sc = load_scenario("reset-2009")
    setup = prepare(sc, until="1999-12-31")
    fit = calibrate(
        sc, load_periods(), setup=setup, gammas=np.array([0.1, 0.45]), ps=np.array([0.5, 0.82]), n_boot=5
    )
    assert fit.years.tolist() == list(range(1992, 2000))
