"""Backtest: a synthetic record with a known generating model is recovered and forecast better than persistence;
origins use nothing after themselves."""

from __future__ import annotations

import numpy as np
import pytest
from history_forecast_synthetic import GAMMA_TRUE, GAMMAS, P_TRUE, PS, synthetic_record

from detente.history.backtest import backtest
from detente.history.calibrate import Labels, grid_predictions, posterior
from detente.history.events import Periods


@pytest.fixture(scope="module")
def record():
    return synthetic_record()


def test_the_record_replays_the_run_exactly(record):
    _, periods, truth, err = record
    assert err < 1e-9
    assert len(set(periods.regime)) >= 2  # the labels carry information
    assert (np.diff(truth) != 0).sum() >= 4


def test_calibration_recovers_gamma_and_starting_beliefs(record):
    sc, periods, _, _ = record
    labels = Labels.from_periods(periods)
    pred, axes, names = grid_predictions(sc, labels, gammas=GAMMAS, ps=PS)
    post = posterior(labels.score(pred), axes, names)
    lo, hi = post.interval("gamma")
    assert lo <= GAMMA_TRUE <= hi
    assert hi - lo <= 0.2  # the labels do constrain gamma
    assert abs(post.mode()["gamma"] - GAMMA_TRUE) <= 0.06
    assert post.identified("gamma")
    for side, p in P_TRUE.items():
        a, b = post.interval(f"p_start.{side}")
        assert a <= p <= b


def test_backtest_beats_persistence_on_the_synthetic_record(record, capsys):
    sc, periods, _, _ = record
    bt = backtest(sc, periods, horizon=3, runs=200, draws=8, seed=3, gammas=GAMMAS, ps=PS)
    pooled = bt.pooled()
    with capsys.disabled():
        print(
            "\nsynthetic backtest pooled (model / persistence / climatology): "
            + "; ".join(
                f"{r} {pooled[r]['model']:.3f} / {pooled[r]['persistence']:.3f} / {pooled[r]['climatology']:.3f}"
                for r in ("brier", "rps", "log")
            )
        )
    years = len(periods.year)
    assert pooled["n"] == 3 * (years - 1) - 3  # origins 2..Y, horizons cut at the last labelled year
    assert pooled["brier"]["model"] < pooled["brier"]["persistence"]
    assert pooled["rps"]["model"] < pooled["rps"]["persistence"]
    for row in bt.rows:
        p = [row[f"model_p_{n}"] for n in ("strategic", "tactical", "frozen")]
        assert sum(p) == pytest.approx(1.0)
        assert row["year"] == row["origin"] + row["h"] - 1
    # every origin's posterior uses only the years before it
    assert all(bt.posteriors[y]["years"] == y - int(periods.year[0]) for y in bt.posteriors)


def _changed_after(sc, periods, origin: int):
    """The same record with every label from ``origin`` on and every event from ``origin`` on changed."""
    rows = [dict(r) for r in sc.history.events]
    for r in rows:
        if r["date"] >= f"{origin}-01":
            r["dyad_valence"] = -r["dyad_valence"]
    sc2 = sc.apply({"history.events": rows})
    regime = np.array(
        [("adversarial" if y >= origin else r) for y, r in zip(periods.year, periods.regime, strict=True)],
        dtype=object,
    )
    return sc2, Periods("changed", periods.year, regime, periods.alt_regime, periods.confidence, periods.note)


def test_an_origin_sees_nothing_after_itself(record):
    sc, periods, _, _ = record
    origin = int(periods.year[0]) + 10
    kw = dict(horizon=2, runs=50, draws=4, seed=1, gammas=GAMMAS, ps=PS, origins=[origin])
    a = backtest(sc, periods, **kw)
    b = backtest(*_changed_after(sc, periods, origin), **kw)
    cols = [
        f"{f}_p_{n}"
        for f in ("model", "persistence", "climatology")
        for n in ("strategic", "tactical", "frozen")
    ]
    assert [[r[c] for c in cols] for r in a.rows] == [[r[c] for c in cols] for r in b.rows]
    assert a.posteriors == b.posteriors
