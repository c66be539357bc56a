"""Play mode explanations and replays: what each side believes and why, and bit-for-bit saved games."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import detente
from detente.play import Session
from detente.play.explain import summary, summary_text

HORIZON = 8


@pytest.fixture(scope="module")
def short():
    return detente.load_scenario("reset-2009").apply({"horizon": HORIZON})


@pytest.fixture(scope="module")
def eventful(short):
    """One alarming event observed by W in the second month (lr > 1: more likely from a malign R)."""
    event = {"date": "2009-08", "actor": "R", "observer": "W", "label": "Test provocation", "lr": 4.0}
    return short.apply({"events": [event]})


def test_the_explanation_adds_up(short):
    game = detente.play(short, side="R", seed=8, opponent="gtft", world="uncertain")
    game.step(moves={"afghanistan_transit": "D"}, reset=True)
    game.step(months=HORIZON)
    last_after = None
    for t, rec in enumerate(game.months):
        d = game.explain_data(t)
        assert d["month"] == t and d["regime"] == rec.regime
        for j, b in enumerate(d["beliefs"]):
            assert math.isclose(b["change"], b["change_events"] + b["change_moves"], abs_tol=1e-12)
            assert math.isclose(b["p_after"], float(rec.p_end[j]))
            if last_after is not None:
                assert math.isclose(b["p_before"], last_after[j])
            assert len(b["moves"]) == game.K
            informative = [m["informative"] for m in b["moves"]]
            assert informative == [
                bool(rec.G[k] and rec.e[1 - j, k] and not rec.J[1 - j, k]) for k in range(game.K)
            ]
        last_after = [b["p_after"] for b in d["beliefs"]]
        for k, issue in enumerate(d["issues"]):
            assert issue["open"] == bool(rec.G[k]) == all(v["enough"] for v in issue["sides"].values())
            assert issue["text"].startswith(issue["label"])
        assert "Tit For Tat" not in " ".join(d["notes"]) and "GTFT" in " ".join(d["notes"])
    text = game.explain(0)
    assert "R trusts W" in text and "W trusts R" in text and "a reset cleared" in text
    for iid in game.issues:
        assert short.issues[iid].label in text


def test_an_event_is_named_as_a_source_of_distrust(eventful):
    game = detente.play(eventful, side="W", seed=1)
    game.step(months=2)
    w = game.explain_data(1)["beliefs"][0]
    assert any(s["kind"] == "event" and "Test provocation" in s["text"] for s in w["sources"])
    assert w["change_events"] < 0 or game.months[1].L_start[0] <= -game.P.L_max[0]
    r = game.explain_data(1)["beliefs"][1]
    assert not any(s["kind"] == "event" for s in r["sources"])  # R did not observe it


def test_a_signal_is_explained_to_its_receiver(short):
    game = detente.play(short, side="W", seed=3)
    x_star = game.preview()["separating_cost"]
    game.step(signal=x_star + 1)
    game.step(signal=x_star / 4)
    costly, cheap = (game.explain_data(t)["beliefs"][1]["sources"] for t in (0, 1))
    assert any(s["kind"] == "signal" and "separates" in s["text"] for s in costly)
    assert any(s["kind"] == "signal" and "cheap talk" in s["text"] for s in cheap)
    assert not any(s["kind"] == "signal" for s in game.explain_data(0)["beliefs"][0]["sources"])


def test_the_summary_reveals_types_only_at_the_end(short):
    game = detente.play(short, side="W", seed=4, world="deterrence")
    game.step(months=3)
    assert "types" not in summary(game) and "True types" not in summary_text(game)
    game.step(months=HORIZON)
    s = summary(game)
    assert s["types"]["W"] == "B" and s["months_played"] == HORIZON
    assert sum(s["regime_months"].values()) == HORIZON
    assert "malign" in summary_text(game) or s["types"]["R"] == "B"  # R may have become benign by joining


choices = st.lists(
    st.fixed_dictionaries(
        {
            "moves": st.dictionaries(
                st.sampled_from(
                    ["arms_control", "afghanistan_transit", "nonproliferation", "security_architecture"]
                ),
                st.sampled_from(["C", "D"]),
            ),
            "reset": st.booleans(),
            "signal": st.none() | st.floats(0, 20),
            "offer": st.none() | st.booleans(),
            "months": st.integers(1, 3),
        }
    ),
    min_size=1,
    max_size=4,
)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(plan=choices, opponent=st.sampled_from(["model", "tft", "gtft", "random"]), run=st.integers(0, 50))
def test_any_game_replays_bit_for_bit(short, plan, opponent, run):
    game = detente.play(short, side="W", seed=99, opponent=opponent, run=run)
    for step in plan:
        if game.done:
            break
        game.step(**step)
    again = Session.from_json(game.to_json())
    assert again.replay_problems == [] and again.t == game.t
    for a, b in zip(game.months, again.months, strict=True):
        assert a.choice == b.choice and a.regime == b.regime
        for f in ("L_end", "L_exo", "a", "o", "G", "t_star", "pi", "z", "intended"):
            assert np.array_equal(getattr(a, f), getattr(b, f)), f
