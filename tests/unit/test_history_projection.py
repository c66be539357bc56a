"""Event-data projection (theory §10.6) and the record aggregated the same way."""

from __future__ import annotations

import numpy as np

from detente.history.assimilate import prepare
from detente.history.projection import project_moves, project_record, trailing_tone
from detente.scenario.load import load_scenario


def test_project_moves_codes():
    strategic = np.array([False, True])
    # one run, one month; side 0: C on tactical, D on strategic; side 1: C, C; both issues open
    a = np.array([[[[True, False], [True, True]]]])
    G = np.array([[[True, True]]])
    count, gsum, coop = project_moves(a, G, strategic)
    assert count.tolist() == [[[2, 2]]]
    assert gsum.tolist() == [[[3.5 - 4.0, 3.5 + 6.0]]]
    assert coop.tolist() == [[[1, 2]]]
    # closed issues emit nothing
    count, gsum, _ = project_moves(a, np.zeros_like(G), strategic)
    assert count.sum() == 0 and gsum.sum() == 0


def test_trailing_tone():
    g = np.array([4.0, 0.0, -2.0, 0.0])
    n = np.array([1.0, 0.0, 1.0, 0.0])
    tone = trailing_tone(g, n, window=2)
    assert tone[0] == 4.0 and tone[1] == 4.0 and tone[2] == -2.0 and tone[3] == -2.0
    assert np.isnan(trailing_tone(np.zeros(2), np.zeros(2), 2)).all()


def test_record_projection_uses_dyad_goldstein():
    setup = prepare(load_scenario("reset-2009"))
    rec = project_record(setup)
    assert rec.count.sum() == (setup.observer >= 0).sum()
    # March 1999, acted by W: NATO enlargement (-4) and the strikes on Serbia (-10), both seen by R;
    # acted by R: Primakov's turn-back and the suspension of NATO ties (-4 each)
    m = setup.months.index("1999-03")
    assert rec.goldstein[m].tolist() == [-14.0, -8.0]
    assert rec.count[m].tolist() == [2, 2]
