"""Play mode over HTTP: /api/play/new, /step, /load (stateless: the session travels with each request)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from detente.play import Session
from detente.scenario.load import bundled_path

pytestmark = pytest.mark.web


def _new(client, **body):
    r = client.post("/api/play/new", json={"horizon": 6, "seed": 3, **body})
    assert r.status_code == 200, r.text
    return r.json()


def test_a_short_game_over_http_matches_the_python_session(client):
    start = _new(client, side="R", opponent="tft")
    view = start["view"]
    assert view["months"] == [] and view["next"]["month"] == 0
    assert view["setup"]["you"] == "R" and view["setup"]["opponent"] == "TitForTat"
    assert set(view["next"]["advice"].values()) <= {"C", "D"}
    session = start["session"]
    r = client.post(
        "/api/play/step", json={"session": session, "moves": {"arms_control": "D"}, "reset": True}
    )
    assert r.status_code == 200, r.text
    r = client.post("/api/play/step", json={"session": r.json()["session"], "months": 12})
    out = r.json()
    assert "Infinity" not in r.text and "NaN" not in r.text  # strict JSON: an infinite t* is null
    assert len(out["view"]["months"]) == 6 and out["view"]["next"] is None
    assert out["view"]["summary"]["done"] and set(out["view"]["summary"]["types"]) == {"W", "R"}
    assert "6 of 6 months played" in out["view"]["summary"]["text"]
    assert len(out["view"]["explanations"]) == 6
    same = Session.from_json(out["session"])
    assert same.replay_problems == []
    by_hand = Session("reset-2009", "R", "tft", 3, horizon=6)
    by_hand.step(moves={"arms_control": "D"}, reset=True)
    by_hand.step(months=12)
    assert np.array_equal([m.L_end for m in same.months], [m.L_end for m in by_hand.months])
    assert [m["trust"] for m in out["view"]["months"]] == [
        [float(x) for x in m.p_end] for m in by_hand.months
    ]
    loaded = client.post("/api/play/load", json={"session": out["session"]}).json()
    assert loaded["view"]["months"] == out["view"]["months"]
    over = client.post("/api/play/step", json={"session": out["session"]})
    assert over.status_code == 422 and "the game is over" in over.json()["problems"][0]["text"]


def test_seeds_beyond_javascript_integers_travel_as_text(client):
    big = 2**64 - 1
    out = _new(client, seed=str(big))
    assert out["view"]["setup"]["seed"] == str(big) and json.loads(out["session"])["seed"] == big


def test_an_uploaded_scenario_is_played_and_replayed(client):
    text = bundled_path("reset-2009").read_text(encoding="utf-8").replace("name: reset-2009", "name: my-game")
    out = client.post("/api/play/new", json={"yaml": text, "filename": "my.yaml", "horizon": 3}).json()
    assert out["view"]["setup"]["scenario"] == "my-game"
    out = client.post("/api/play/step", json={"session": out["session"], "months": 3}).json()
    assert json.loads(out["session"])["scenario"] == {"yaml": text}
    assert out["view"]["summary"]["months_played"] == 3


def test_an_uploaded_session_may_not_read_server_files(client):
    data = json.loads(_new(client)["session"])
    text = (
        bundled_path("reset-2009")
        .read_text(encoding="utf-8")
        .replace("events: bundled", "events: /etc/passwd")
    )
    data["scenario"] = {"yaml": text}
    r = client.post("/api/play/load", json={"session": json.dumps(data)})
    assert r.status_code == 422
    assert "Traceback" not in r.text and "root:" not in r.text


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/api/play/new", {"side": "X"}, None),
        ("/api/play/new", {"opponent": "nobody"}, None),
        ("/api/play/new", {"horizon": 0}, "horizon"),
        ("/api/play/new", {"world": "atlantis"}, None),
        ("/api/play/load", {"session": "{nope"}, "session"),
        ("/api/play/load", {"session": json.dumps({"format": "detente-play"})}, "session.seed"),
        ("/api/play/step", {"session": "{}", "months": 13}, "months"),
        ("/api/play/step", {"session": "{}", "moves": {"arms_control": "maybe"}}, "moves.arms_control"),
    ],
)
def test_bad_requests_are_422_with_their_field(client, path, body, field):
    r = client.post(path, json=body)
    assert r.status_code == 422, r.text
    problems = r.json()["problems"]
    assert problems and "Traceback" not in r.text
    if field:
        assert any(p["field"] == field for p in problems), problems


def test_the_page_and_its_options(client):
    page = client.get("/play")
    assert page.status_code == 200 and "detente play" in page.text
    opts = client.get("/api/play/options").json()
    names = [o["name"] for o in opts["opponents"]]
    assert names[0] == "model" and "TitForTat" in names and "GTFT" in names
    assert 'href="/play"' in client.get("/").text


def test_a_preview_with_levers_plays_nothing(client):
    start = _new(client, side="W")
    r = client.post("/api/play/preview", json={"session": start["session"], "offer": True, "reset": True})
    assert r.status_code == 200, r.text
    nxt = r.json()["next"]
    assert nxt["month"] == 0 and set(nxt["advice"]) == {i["id"] for i in start["view"]["setup"]["issues"]}
    stepped = client.post(
        "/api/play/step", json={"session": start["session"], "offer": True, "reset": True}
    ).json()
    assert stepped["view"]["months"][0]["choice"]["moves"] == nxt["advice"]
    bad = client.post("/api/play/preview", json={"session": _new(client, side="R")["session"], "offer": True})
    assert bad.status_code == 422 and "offer" in bad.json()["problems"][0]["text"]
