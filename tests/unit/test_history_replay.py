"""Replay of the coded record: hand calculations, attribution, order invariance, starting trust."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from detente.errors import EventDataError, ScenarioError
from detente.history.assimilate import attribute, prepare, replay, starting_trust
from detente.history.events import load_events
from detente.scenario.load import load_scenario
from detente.scenario.schema import History

ACTORS = {"USA": "W", "NATO": "W", "RUS": "R"}


BASE = load_scenario("reset-2009")


def scenario(events, gamma=0.1, **kw):
    base = BASE
    hist = History(
        events=events,
        actors=ACTORS,
        start="1992-01",
        until="1992-03-31",
        gamma=gamma,
        p_start={"W": 0.5, "R": 0.5},
        **kw,
    )
    return base.model_copy(update={"history": hist})


THREE = [
    {
        "date": "1992-01-10",
        "actor": "USA",
        "target": "RUS",
        "kind": "agree",
        "goldstein": 8,
        "dyad_valence": 1,
    },
    {
        "date": "1992-01-20",
        "actor": "RUS",
        "target": "GEO",
        "kind": "fight",
        "goldstein": -10,
        "dyad_valence": -1,
    },
    {"date": "1992-02-05", "actor": "RUS", "target": "USA", "kind": "threaten", "lr": 2.0},
]


def test_three_events_by_hand():
    rep = replay(scenario(THREE))
    bias_w = 1 + 1.0 * 0.3  # beta_W = 1, h_W = h0 = 0.3 (cohort: scenario)
    # R observes the US agreement: L_R = 0 + 0.1*8*1
    # W observes Russia's war on a third party: L_W = -(0.1*10*1)*bias; then an explicit lr = 2: -ln 2 * bias
    assert rep.setup.months == ["1992-01", "1992-02", "1992-03"]
    np.testing.assert_allclose(rep.L[1], [0.8, 0.8, 0.8], rtol=0, atol=1e-12)
    np.testing.assert_allclose(
        rep.L[0],
        [-1.0 * bias_w, -(1.0 + math.log(2)) * bias_w, -(1.0 + math.log(2)) * bias_w],
        rtol=0,
        atol=1e-12,
    )
    assert rep.final()["W"] == pytest.approx(1 / (1 + math.exp((1.0 + math.log(2)) * bias_w)), abs=1e-12)


def test_clipping_only_at_month_ends():
    big = [
        {
            "date": "1992-01-02",
            "actor": "USA",
            "target": "RUS",
            "kind": "agree",
            "goldstein": 10,
            "dyad_valence": 1,
        },
        {
            "date": "1992-01-03",
            "actor": "USA",
            "target": "RUS",
            "kind": "reject",
            "goldstein": -10,
            "dyad_valence": -1,
        },
    ]
    rep = replay(scenario(big, gamma=1.0))
    # +10 then -10*(1 + 0.8): summed within the month, then clipped: no early saturation at +L_max
    assert rep.L[1, 0] == pytest.approx(max(10 - 18.0, -rep.setup.L_max))


def test_attribution_rules():
    rows = [
        {
            "date": "1992-01-01",
            "actor": "USA",
            "target": "RUS",
            "kind": "agree",
            "goldstein": 1,
            "dyad_valence": 1,
        },
        {
            "date": "1992-01-01",
            "actor": "NATO",
            "target": "SRB",
            "kind": "fight",
            "goldstein": -10,
            "dyad_valence": -1,
        },
        {
            "date": "1992-01-01",
            "actor": "SCO",
            "target": "USA",
            "kind": "demand",
            "goldstein": -5,
            "dyad_valence": -1,
        },
        {
            "date": "1992-01-01",
            "actor": "GEO_OPP",
            "target": "GEO",
            "kind": "protest",
            "goldstein": -6.5,
            "dyad_valence": -1,
        },
        {
            "date": "1992-01-01",
            "actor": "USA",
            "target": "NATO",
            "kind": "agree",
            "goldstein": 1,
            "dyad_valence": 1,
        },
        {
            "date": "1992-01-01",
            "actor": "GEO_OPP",
            "target": "GEO",
            "kind": "protest",
            "goldstein": -6.5,
            "dyad_valence": -1,
            "observer": "R",
        },
    ]
    table = load_events(rows, ACTORS, ("W", "R"))
    assert attribute(table, ACTORS, ("W", "R")).tolist() == [1, 1, 0, -1, 1, 1]


def random_rows(draw_values):
    rows = []
    for day, actor, target, g, v in draw_values:
        rows.append(
            {
                "date": f"1992-01-{day:02d}",
                "actor": actor,
                "target": target,
                "kind": "agree",
                "goldstein": g,
                "dyad_valence": v,
            }
        )
    return rows


event = st.tuples(
    st.integers(1, 3),
    st.sampled_from(["USA", "RUS", "NATO", "GEO"]),
    st.sampled_from(["USA", "RUS", "UKR"]),
    st.floats(-10, 10, allow_nan=False).map(lambda x: round(x, 2)),
    st.sampled_from([-1, 0, 1]),
)


@settings(max_examples=60, deadline=None)
@given(st.lists(event, min_size=1, max_size=12), st.randoms(use_true_random=False))
def test_order_within_a_day_does_not_matter(values, rnd):
    rows = random_rows(values)
    shuffled = rows[:]
    rnd.shuffle(shuffled)
    a = replay(scenario(rows, gamma=0.3))
    b = replay(scenario(shuffled, gamma=0.3))
    assert np.array_equal(a.L, b.L)  # bit-identical, not just close


def test_starting_trust_of_the_founding_scenario_is_the_replay():
    sc = load_scenario("reset-2009")
    assert sc.sides["W"].belief.p0 == "from_history"
    trust = starting_trust(sc)
    rep = replay(sc)
    assert trust == rep.final()
    assert str(rep.setup.until) == "2009-07-06"
    # the record moved both sides away from the fitted 1991 beliefs, W to about even odds, R to trust
    for i, side in enumerate(("W", "R")):
        assert trust[side] == pytest.approx(1 / (1 + math.exp(-rep.L[i, -1])), abs=1e-15)
        assert abs(trust[side] - sc.history.p_start[side]) > 0.2


def test_explicit_p0_overrides_history():
    from detente.engine.compile import Compiled
    from detente.engine.simulate import resolve_initial_trust

    sc = load_scenario("reset-2009").apply({"sides.W.belief.p0": 0.3})
    trust = resolve_initial_trust(sc)
    assert set(trust) == {"R"}
    L0 = Compiled(sc, 1, trust).draw(np.arange(3)).side["L0"]
    np.testing.assert_allclose(L0[:, 0], math.log(0.3 / 0.7))
    np.testing.assert_allclose(L0[:, 1], math.log(trust["R"] / (1 - trust["R"])))


def test_unknown_p_start_side_is_reported():
    sc = scenario(THREE)
    bad = sc.model_copy(update={"history": sc.history.model_copy(update={"p_start": {"X": 0.5}})})
    with pytest.raises(ScenarioError, match="p_start"):
        replay(bad)


def test_inline_bad_row_names_path_and_line(tmp_path):
    text = (
        load_scenario("reset-2009")
        .to_yaml()
        .replace(
            "events: bundled",
            "events:\n  - {date: 1992-01-05, actor: USA, target: RUS, kind: agree, "
            "goldstein: 12, dyad_valence: 1}",
        )
    )
    path = tmp_path / "s.yaml"
    path.write_text(text)
    with pytest.raises(ScenarioError) as exc:
        load_scenario(path)
    assert "history.events.0.goldstein" in str(exc.value)


def test_window_excludes_events_outside():
    setup = prepare(scenario(THREE), until="1992-01-31")
    assert setup.months == ["1992-01"]
    assert (setup.observer >= 0).sum() == 2


def test_bad_table_raises_with_row_and_column(tmp_path):
    path = tmp_path / "e.csv"
    path.write_text(
        "date,actor,target,kind,goldstein,dyad_valence\n1992-01-01,USA,RUS,agree,8,1\n"
        "1992-01-02,USA,RUS,hug,8,1\n"
    )
    with pytest.raises(EventDataError) as exc:
        load_events(path, ACTORS, ("W", "R"))
    assert exc.value.problems == [
        f"{path}: row 2 (line 3): column 'kind': unknown kind 'hug'; expected one of "
        + ", ".join(sorted(__import__("detente.history.events", fromlist=["KINDS"]).KINDS))
    ]


def test_history_provenance_records_the_resolved_trust():
    from detente.history.assimilate import history_provenance

    sc = load_scenario("reset-2009")
    prov = history_provenance(sc)
    assert prov["starting_trust"] == replay(sc).final()
    assert prov["gamma"] == sc.history.gamma and prov["until"] == "2009-07-06"
    assert prov["events_unattributed"] == ["E063", "E066", "E069", "E103"]
