"""Forecast from a date: the forecast scenario, pooling of parameter draws, the posterior and its reporting."""

from __future__ import annotations

import numpy as np
import pytest
from history_forecast_synthetic import GAMMAS, PS, small, synthetic_record

from detente.history.assimilate import replay
from detente.history.calibrate import calibrate, label_log_likelihood, posterior
from detente.history.forecast import _window, first_month, forecast, forecast_base, year_ends
from detente.scenario.load import load_scenario


@pytest.fixture(scope="module")
def record():
    return synthetic_record()


def test_dates_and_years():
    assert first_month(np.datetime64("2008-12-31")) == "2009-01"
    assert first_month(np.datetime64("2009-07-06")) == "2009-07"
    assert year_ends("2009-07", 3) == ([2009, 2010, 2011], [5, 17, 29])
    assert year_ends("2009-01", 1) == ([2009], [11])


def test_schedules_are_cut_to_the_window():
    steps = [
        {"start": "1991-12", "value": 1.0},
        {"start": "1995-03", "value": 0.5},
        {"start": "2020-01", "value": 0},
    ]
    assert _window(steps, "1994-01", 24) == [
        {"start": "1994-01", "value": 1.0},
        {"start": "1995-03", "value": 0.5},
    ]
    assert _window(steps, "1996-01", 12) == [{"start": "1996-01", "value": 0.5}]
    assert _window({"W": steps[:1]}, "2000-01", 5) == {"W": [{"start": "2000-01", "value": 1.0}]}


def test_forecast_scenario_knows_nothing_after_the_date(record):
    sc, _, _, _ = record
    base = forecast_base(sc, "1995-01", 36, np.array([0.4, 0.6]), "from_trust")
    assert (base.start, base.horizon) == ("1995-01", 36)
    assert base.events == [] and base.history is None and not base.conditions and not base.worlds
    for s, sid in enumerate(base.side_ids):
        side = base.sides[sid]
        assert side.type == "from_trust"
        assert side.elite.h0 == [0.4, 0.6][s] and side.elite.eta == 0.0


def test_forecast_starts_from_the_replayed_trust_and_is_reproducible(record):
    sc, _, _, _ = record
    a = forecast(sc, "1994-12-31", years=3, runs=120, seed=4)
    b = forecast(sc, "1994-12-31", years=3, runs=120, seed=4)
    assert a.years == [1995, 1996, 1997] and a.start == "1995-01"
    assert a.prob.shape == (3, 3)
    np.testing.assert_allclose(a.prob.sum(1), 1.0)
    np.testing.assert_array_equal(a.prob, b.prob)
    assert a.draws[0]["starting_trust"] == pytest.approx(replay(sc, until="1994-12-31").final())
    frame = a.to_pandas()
    assert list(frame.year) == a.years and set(a.to_dict()) >= {"origin", "years", "draws"}


def test_draws_are_pooled_with_equal_weight(record):
    sc, _, _, _ = record
    d1 = {"gamma": 0.1, "p_start.W": 0.3, "p_start.R": 0.8}
    d2 = {"gamma": 0.3, "p_start.W": 0.9, "p_start.R": 0.2}
    both = forecast(sc, "1990-06", years=2, runs=100, seed=9, params=[d1, d2])
    one = forecast(sc, "1990-06", years=2, runs=50, seed=9, params=[d1])
    two = forecast(sc, "1990-06", years=2, runs=50, seed=10, params=[d2])
    np.testing.assert_allclose(both.prob, (one.prob + two.prob) / 2)
    assert both.runs == 100


def test_label_likelihood_rises_with_agreement():
    ll = label_log_likelihood(np.arange(0, 11), 10)
    assert np.all(np.diff(ll) > 0)
    assert label_log_likelihood(0.0, 0) == 0.0  # no labelled years: the prior


def test_posterior_flags_a_flat_axis_as_not_identified():
    g, p = np.linspace(0, 0.5, 11), np.linspace(0.1, 0.9, 9)
    years = 8
    scores = np.zeros((11, 9, 9, years))
    scores[4:7] = 1.0  # gamma 0.2..0.3 fit every year, whatever the beliefs
    post = posterior(scores, [g, p, p], ["gamma", "p_start.W", "p_start.R"])
    assert post.identified("gamma")
    assert not post.identified("p_start.W") and not post.identified("p_start.R")
    lo, hi = post.interval("gamma")
    assert 0.15 <= lo <= 0.2 and 0.3 <= hi <= 0.35
    summary = post.summary()["parameters"]
    assert summary["p_start.R"] == {
        "identified": False,
        "admissible_range": [0.1, 0.9],
        "note": summary["p_start.R"]["note"],
    }
    assert "sd" not in summary["p_start.R"] and summary["gamma"]["sd"] > 0
    draws = post.draws(6)
    assert draws == post.draws(6) and all(0.2 - 1e-9 <= d["gamma"] <= 0.3 + 1e-9 for d in draws)
    # the years used can be restricted (out-of-sample fits): none used gives the prior
    flat = posterior(scores, [g, p, p], ["gamma", "p_start.W", "p_start.R"], use=np.zeros(years, bool))
    assert not flat.identified("gamma") and flat.weight.max() == pytest.approx(flat.weight.min())


def test_fit_reports_unidentified_values_without_a_standard_error():
    """Issue 12.3: a parameter the labels cannot pin down gets its admissible range, never 's.e. 0'."""
    data = small({"W": 0.5, "R": 0.5}, 1990, 5)
    for issue in data["issues"].values():
        issue["S"] = 3.0  # sucker payoff above mutual defection: every issue open at any trust
    data["sides"]["W"]["belief"] = {"p0": "from_history"}
    data["history"] = {
        "events": [
            {
                "date": "1991-03-01",
                "actor": "USA",
                "target": "RUS",
                "kind": "agree",
                "goldstein": 5,
                "dyad_valence": 1,
            }
        ],
        "actors": {"USA": "W", "RUS": "R"},
        "start": "1990-01",
        "until": "1994-12-31",
        "regime_at": "year-end",
    }
    sc = load_scenario(data)
    from detente.history.events import Periods

    ys = np.arange(1990, 1995)
    lab = np.array(["strategic_partnership_attempt"] * 5, dtype=object)
    empty = np.array([""] * 5, dtype=object)
    fit = calibrate(sc, Periods("p", ys, lab, empty, empty, empty), gammas=GAMMAS, ps=PS, n_boot=20)
    fitted = fit.summary()["fitted"]
    for name, v in fitted.items():
        assert v["identified"] is False, name
        assert v["bootstrap_se"] is None and v["bootstrap_95"] is None
        assert v["admissible_range"][0] < v["admissible_range"][1]


def test_extra_parameters_join_the_grid(record):
    from detente.history.calibrate import Labels, grid_predictions

    sc, periods, _, _ = record
    labels = Labels.from_periods(periods)
    pred, axes, names = grid_predictions(
        sc, labels, gammas=GAMMAS[:5], ps=PS[:3], extra={"channel_floor": [0.0, 0.3]}
    )
    assert names == ["channel_floor", "gamma", "p_start.W", "p_start.R"]
    assert pred.shape == (2, 5, 3, 3, len(periods.year))
    post = posterior(labels.score(pred), axes, names)
    assert set(post.summary()["parameters"]) == set(names)
    assert len(post.draws(3)[0]) == 4


def test_parse_grid():
    from detente.errors import DetenteError
    from detente.history.workflow import parse_grid

    assert parse_grid(["channel_floor=0,0.1", "sides.R.behaviour.delta=0.9"]) == {
        "channel_floor": [0.0, 0.1],
        "sides.R.behaviour.delta": [0.9],
    }
    assert parse_grid(None) == {}
    with pytest.raises(DetenteError) as err:
        parse_grid(["channel_floor", "x=a,b", "y=1,nan"])
    assert len(err.value.problems) == 3 and all("PATH=V1,V2" in p for p in err.value.problems)


@pytest.mark.parametrize("floor", [0.0, 0.4])
def test_grid_predictions_match_the_replay(record, floor):
    """The calibration's packed two-sided test gives the replay's own December regimes at every grid point."""
    from detente.history.calibrate import Labels, grid_predictions, year_months, yearly_regime

    sc, periods, _, _ = record
    sc = sc.apply({"channel_floor": floor, "issues.trade.v": 0.8})  # verification matters
    labels = Labels.from_periods(periods)
    gammas, ps = np.array([0.1, 0.35]), np.array([0.2, 0.5, 0.9])
    pred, _, _ = grid_predictions(sc, labels, gammas=gammas, ps=ps)
    for g, gamma in enumerate(gammas):
        for i, pa in enumerate(ps):
            for j, pb in enumerate(ps):
                rep = replay(sc, gamma=gamma, p_start={"W": pa, "R": pb})
                want = yearly_regime(rep.regime, year_months(rep.setup.months, labels.years, "year-end"))
                assert pred[g, i, j].tolist() == want.tolist()
