"""Play mode (detente.play): a played month is the model's month; choices, levers, doctrines, replay."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

import detente
from detente.errors import DetenteError
from detente.model.doctrines import doctrine
from detente.play import Session
from detente.rng import run_keys, site_bits, step_keys, uniform_hi

HORIZON = 24


@pytest.fixture(scope="module")
def short():
    """The bundled scenario cut to two years (results are not pinned: the model changes on purpose)."""
    return detente.load_scenario("reset-2009").apply({"horizon": HORIZON})


@pytest.fixture(scope="module")
def quiet(short):
    """No implementation or perception noise on either side: chosen moves are realised and seen as made."""
    return short.apply({f"sides.{s}.behaviour.{f}": 0.0 for s in ("W", "R") for f in ("eps", "mu")})


def _same(a, b) -> bool:
    fields = (
        "L_start",
        "L_exo",
        "L_end",
        "intended",
        "a",
        "o",
        "G",
        "t_star",
        "pi",
        "e",
        "pay",
        "z",
        "theta",
    )
    return (
        a.regime == b.regime
        and a.choice == b.choice
        and all(np.array_equal(getattr(a, f), getattr(b, f)) for f in fields)
    )


def test_following_the_advice_is_the_engines_own_run(short):
    """With every move left to the model, the played game is the engine's run, bit for bit (python backend)."""
    res = detente.simulate(short, runs=3, seed=11, paths=True, backend="python")
    for side in ("W", "R"):
        game = detente.play(short, side=side, seed=11, run=2)
        game.step(months=HORIZON)
        assert game.done and len(game.months) == HORIZON
        assert np.array_equal(np.array([r.L_end for r in game.months]), res.paths["L"][2])
        assert np.array_equal(np.array([r.a for r in game.months]), res.paths["a"][2])
        assert np.array_equal(np.array([r.G for r in game.months]), res.paths["G"][2])


def test_a_choice_is_realised_through_the_sides_own_noise_draw(short):
    """Realised = choice flipped iff the side's noise uniform (its NOISE site this month) is below eps."""
    from detente.model.behaviour import NOISE, site

    game = detente.play(short, side="W", seed=5, run=1, horizon=HORIZON)
    K, eps = game.K, float(game.P.side[0, 0]["eps"])
    keys = run_keys(5, np.array([1]))
    for t in range(HORIZON):
        choice = {k: "D" if (t + j) % 3 else "C" for j, k in enumerate(game.issues)}
        (rec,) = game.step(moves=choice)
        for k, iid in enumerate(game.issues):
            u = uniform_hi(site_bits(step_keys(keys, t), site.py_func(0, k, NOISE, K)))[0]
            assert rec.intended[0, k] == (choice[iid] == "C")
            assert rec.a[0, k] == ((choice[iid] == "C") != (u < eps))


def test_without_noise_the_choice_is_the_move_and_is_seen(quiet):
    game = detente.play(quiet, side="R", seed=3, horizon=6)
    for t in range(6):
        moves = {k: "C" if (t + j) % 2 else "D" for j, k in enumerate(game.issues)}
        (rec,) = game.step(moves=moves)
        want = np.array([moves[k] == "C" for k in game.issues])
        assert np.array_equal(rec.a[1], want) and np.array_equal(rec.o[0], want)


@pytest.mark.parametrize("name", ["tft", "grim", "alld", "allc", "wsls"])
def test_a_doctrine_opponent_follows_its_table_on_every_issue(quiet, name):
    """Noise-free, the opponent's moves are exactly its doctrine's answer to the moves it saw."""
    doc = doctrine(name)
    game = detente.play(quiet, side="W", seed=9, opponent=name, horizon=12)
    state = [doc.initial] * game.K
    for t in range(12):
        mine = {k: "D" if (t * 7 + j) % 5 < 2 else "C" for j, k in enumerate(game.issues)}
        (rec,) = game.step(moves=mine)
        for k, iid in enumerate(game.issues):
            assert rec.a[1, k] == (doc.p_coop[state[k]] == 1.0)
            own, opp = 0 if rec.a[1, k] else 1, 0 if mine[iid] == "C" else 1
            state[k] = doc.next_state[state[k]][own][opp]
    assert game.opponent == doc.name


def test_reset_signal_and_offer_write_the_models_dated_levers(short):
    game = detente.play(short, side="W", seed=2, horizon=HORIZON)
    fresh = detente.play(short, side="W", seed=2, horizon=HORIZON)
    game.step(months=2)
    game.step(reset=True, offer=True)
    assert game.P.reset[2] and not fresh.P.reset[2]
    assert np.all(game.P.iota[0, 2:] == 1.0) and np.array_equal(game.P.iota[0, :2], fresh.P.iota[0, :2])
    game.step(offer=False, months=2)
    assert np.all(game.P.iota[0, 3:] == 0.0)
    x_star = game.preview()["separating_cost"]
    (cheap,) = game.step(signal=x_star / 2)
    assert cheap.signal["separating"] is False and cheap.L_exo[1] == cheap.L_start[1]  # cheap talk (mimic 1)
    (costly,) = game.step(signal=x_star)
    assert costly.signal["separating"] is True
    assert costly.L_exo[1] == (
        game.P.L_max[0] if costly.theta[0] else costly.L_start[1]
    )  # benign sender: ceiling
    assert list(game.P.sig_month[-2:]) == [5, 6] and list(game.P.sig_sender[-2:]) == [0, 0]


def test_a_reset_clears_grievances_before_the_moves(quiet):
    """A D on an open issue leaves the other side a grievance; a reset the next month clears it before its
    moves, so the other (benign, no logit) side intends C again on every issue that is still open."""
    assert quiet.sides["R"].type == "B" and quiet.sides["R"].behaviour.logit_lambda is None
    game = detente.play(quiet, side="W", seed=4, horizon=6)
    open_now = [k for k, v in game.preview()["open"].items() if v]
    assert open_now, "some issue should be open at the start of the bundled scenario"
    (rec,) = game.step(moves=dict.fromkeys(open_now, "D"))
    hurt = [k for k in range(game.K) if rec.z[1, k]]
    assert hurt
    (after,) = game.step(reset=True)
    assert after.choice.reset and game.P.reset[1]
    assert all(after.intended[1, k] for k in hurt if after.G[k])


def test_only_the_offering_side_can_offer(short):
    game = detente.play(short, side="R", seed=1, horizon=4)
    assert game.preview()["can_offer"] is False
    with pytest.raises(DetenteError, match="offer: only the offering side"):
        game.step(offer=True)


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"moves": {"nope": "C"}}, "moves.nope: no such issue"),
        ({"moves": {"arms_control": "X"}}, "moves.arms_control: expected 'C' or 'D'"),
        ({"signal": -1.0}, "signal: expected a size >= 0"),
        ({"signal": math.nan}, "signal: expected a size >= 0"),
        ({"months": 0}, "months: expected a whole number"),
    ],
)
def test_bad_moves_are_refused_with_their_field(short, kwargs, words):
    game = detente.play(short, side="W", seed=1, horizon=4)
    with pytest.raises(DetenteError, match=words):
        game.step(**kwargs)
    assert game.t == 0


def test_bad_set_ups_are_refused(short):
    with pytest.raises(DetenteError, match="side: expected one of W, R"):
        detente.play(short, side="X")
    with pytest.raises(DetenteError, match="opponent: unknown strategy"):
        detente.play(short, opponent="nobody")
    with pytest.raises(DetenteError, match="horizon: expected 1 to 24"):
        detente.play(short, horizon=25)
    with pytest.raises(DetenteError, match="seed"):
        detente.play(short, seed=-1)
    with pytest.raises(DetenteError, match="unknown world"):
        detente.play(short, world="atlantis")


def test_the_game_ends_at_its_horizon(short):
    game = detente.play(short, side="W", seed=1, horizon=3)
    assert len(game.step(months=12)) == 3 and game.done
    with pytest.raises(DetenteError, match="the game is over"):
        game.step()
    with pytest.raises(DetenteError, match="the game is over"):
        game.preview()


def _played(short) -> Session:
    game = detente.play(short, side="W", seed=77, opponent="gtft", horizon=HORIZON, world="uncertain")
    game.step(moves={"arms_control": "D"}, reset=True)
    game.step(signal=1.0, offer=True, months=3)
    game.step(moves={k: "C" for k in game.issues}, months=12)
    game.step(offer=False, signal=100.0)
    return game


def test_a_saved_session_replays_bit_for_bit(short, tmp_path):
    game = _played(short)
    path = game.save(tmp_path / "game.json")
    again = Session.load(path)
    assert again.replay_problems == []
    assert again.t == game.t and all(_same(a, b) for a, b in zip(game.months, again.months, strict=True))
    assert again.to_dict() == game.to_dict()
    assert all(_same(a, b) for a, b in zip(game.months, game.replay().months, strict=True))
    again.step(months=30)
    assert again.done


def test_a_session_whose_trust_no_longer_matches_says_so(short):
    data = _played(short).to_dict()
    data["log_odds"][3][0] += 0.5
    again = Session.from_dict(data)
    assert any(p.startswith("log_odds.3:") for p in again.replay_problems)


def test_a_saved_file_is_validated_field_by_field(short, tmp_path):
    data = _played(short).to_dict()
    bad = dict(data, seed=-3, side=7, choices=[{"moves": {"arms_control": "maybe"}}], extra=1)
    with pytest.raises(DetenteError) as err:
        Session.from_dict(bad)
    text = "\n".join(err.value.problems)
    for field in ("session.seed", "session.side", "session.choices.0.moves.arms_control", "session.extra"):
        assert field in text
    partial = dict(data, choices=[{"moves": {"arms_control": "C"}}])
    with pytest.raises(DetenteError, match=r"choices\.0\.moves: no move for"):
        Session.from_dict(partial)
    (tmp_path / "bad.json").write_text("{not json")
    with pytest.raises(DetenteError, match="session: not valid JSON"):
        Session.load(tmp_path / "bad.json")


def test_a_scenario_given_as_a_mapping_is_saved_as_text(short):
    game = detente.play(json.loads(short.canonical_json()), side="R", seed=1, horizon=4)
    game.step(months=4)
    assert "yaml" in game.to_dict()["scenario"]
    again = Session.from_json(game.to_json())
    assert all(_same(a, b) for a, b in zip(game.months, again.months, strict=True))


def test_to_pandas_has_a_row_per_month(short):
    game = _played(short)
    df = game.to_pandas()
    assert len(df) == game.t and list(df["month"]) == list(range(game.t))
    assert {"trust_W", "trust_R", "regime", "ci", "W_arms_control", "open_security_architecture"} <= set(df)
    assert df["reset"].iloc[0] and df["signal"].iloc[1] == 1.0
    assert set(df["regime"]) <= {"strategic", "tactical", "frozen"}


def test_detente_play_is_callable_before_and_after_the_package_is_imported(short):
    import importlib

    import detente.play.session as session_module

    assert callable(detente.play)
    assert isinstance(detente.play(short, side="R", horizon=2), session_module.Session)
    assert isinstance(importlib.import_module("detente.play").play(short, horizon=2), Session)


def test_the_advice_is_what_the_model_would_do_in_that_very_month(short):
    """preview(levers)'s advice is the intention the model gives your side in the month those levers make."""
    game = detente.play(short, side="W", seed=21, run=3, horizon=8)
    plan = [{}, {"reset": True}, {"offer": True}, {"signal": 50.0}, {}, {"offer": False}, {}, {}]
    for levers in plan:
        advice = game.preview(**levers)["advice"]
        assert game.preview()["month"] == game.t  # previews play nothing
        (rec,) = game.step(**levers)
        assert rec.choice.to_json(game.issues)["moves"] == advice
    with pytest.raises(DetenteError):
        detente.play(short, side="R", horizon=2).preview(offer=True)


def test_detente_play_is_a_namespace_when_first_reached_as_one():
    import subprocess
    import sys

    code = "import detente; print(detente.play.Session.__name__, callable(detente.play))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["Session", "True"]
