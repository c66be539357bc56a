"""The API behind the teaching page: one run told (kind 'story'), every parameter editable by dotted
path (validated, field-named errors), the schema's field descriptions, knobs moving v2 schedules."""

from __future__ import annotations

import numpy as np
import pytest
from web_helpers import wait_job

import detente
from detente.scenario.knobs import schedule_start, with_knobs
from detente.web.scenarios import doc_of, field_docs, generic, param_problems, parameters


def _result(client, body: dict) -> dict:
    res = client.post("/api/jobs", json=body)
    assert res.status_code == 202, res.json()
    assert wait_job(client, res.json()["id"])["status"] == "done"
    return client.get(f"/api/jobs/{res.json()['id']}/result").json()["result"]


def _fields(res) -> list[str]:
    return [p["field"] for p in res.json()["problems"]]


def test_fields_describe_every_scenario_field(client):
    res = client.get("/api/fields")
    assert res.status_code == 200
    docs = {f["path"]: f for f in res.json()}
    assert docs["sides.*.belief.p0"]["description"].startswith("Starting trust")
    assert docs["issues.*.T_M"]["default"] == 6.0
    assert docs["sides.*.elite.eta"]["description"] == "Annual exit hazard of the Cold-War cohort."
    assert "events.*.probability" in docs and "levers.resets.*.date" in docs
    assert not any(".dist" in p for p in docs)  # distributions are one value, not fields of their own


def test_the_form_lists_every_value_by_path_with_its_meaning(client):
    desc = client.get("/api/scenarios/reset-2009").json()
    params = {p["path"]: p for p in desc["parameters"]}
    assert params["sides.R.elite.h0"]["value"] == 0.8
    assert params["sides.R.elite.h0"]["doc"].startswith("Cold-War cohort share")
    assert params["issues.security_architecture.T_M"]["value"] == 10.0
    assert params["levers.resets.0.date"]["doc"]  # undocumented in the schema: the page's own words
    assert not any(p.startswith(("conditions", "worlds", "history.events")) for p in params)
    assert "seed" not in params and "runs" not in params  # the page's own fields
    assert {"path": "levers.resets", "items": desc["lists"][0]["items"]} in desc["lists"]
    assert desc["parameters_truncated"] is False


def test_generic_paths_and_docs():
    assert generic("sides.W.belief.p0") == "sides.*.belief.p0"
    assert generic("levers.resets.0.date") == "levers.resets.*.date"
    assert generic("history.p_start.W") == "history.p_start.*"
    docs = field_docs()
    assert doc_of("issues.x.T_M.W", docs) == doc_of(
        "issues.x.T_M", docs
    )  # a per-side value: its field's words


def test_a_story_job_tells_one_run_equal_to_the_python_api(client):
    body = {"kind": "story", "world": "spiral", "conditions": ["inclusion"], "seed": 11, "runs": 500}
    res = _result(client, body)
    assert res["kind"] == "story" and res["provenance"]["runs"] == 1
    sc = detente.load_scenario("reset-2009")
    T = sc.horizon
    direct = detente.simulate(sc, runs=1, seed=11, world="spiral", conditions=("inclusion",), paths=True)
    p = 1 / (1 + np.exp(-direct.paths["L"][0]))
    assert len(res["months"]) == T and res["months"][0] == sc.start[:7]
    np.testing.assert_allclose(res["trust"]["W"], p[:, 0], atol=1e-4)
    np.testing.assert_allclose(res["cohort"]["R"], direct.paths["h"][0][:, 1], atol=1e-4)
    assert res["regime"] == direct.paths["regime"][0].tolist()
    assert set(res["open"]) == set(sc.issues) and all(len(v) == T for v in res["open"].values())
    assert set(res["coop"]) == {"W", "R"}
    assert res["story"][0]["kind"] == "start" and res["story"][-1]["kind"] == "end"
    assert [e["t"] for e in res["story"]] == sorted(e["t"] for e in res["story"])
    assert res["run"]["months_strategic"] == int((direct.paths["regime"][0] == 0).sum())


def test_params_reach_any_value_and_change_the_run(client):
    params = {"issues.arms_control.T_M": 7, "levers.resets": [], "sides.W.belief.p0": 0.3}
    res = _result(client, {"kind": "story", "world": "deterrence", "params": params, "seed": 2})
    expected = detente.load_scenario("reset-2009").apply(params).cell("deterrence")
    assert res["provenance"]["scenario_hash"] == expected.content_hash()
    assert not any("Reset" in e["text"] for e in res["story"])


def test_params_are_applied_before_the_sliders(client):
    params = {"sides.R.elite.h0": 0.2}
    body = {"kind": "story", "params": params, "overrides": {"sides.R.elite.h0": 0.6}, "seed": 1}
    res = _result(client, body)
    expected = detente.load_scenario("reset-2009").apply({"sides.R.elite.h0": 0.6})
    assert res["provenance"]["scenario_hash"] == expected.content_hash()


@pytest.mark.parametrize(
    ("params", "fields"),
    [
        (
            {"sides.W.belief.p0": 1.5, "issues.arms_control.T_M": "x", "sides.W.belief.nope": 1},
            ["sides.W.belief.p0", "sides.W.belief.nope", "issues.arms_control.T_M"],
        ),
        ({"levers.resets.0.date": "2001-01"}, ["levers.resets.0.date"]),
        ({"events.3.date": "2010-01"}, ["events.3"]),
        ({"history.events": "/etc/passwd"}, ["history.events"]),
        ({"history": {"periods": "/etc/passwd"}}, ["history.periods"]),
        ({"conditions.inclusion.set": {}}, ["conditions.inclusion.set"]),
    ],
)
def test_bad_params_answer_422_naming_each_field(client, params, fields):
    res = client.post("/api/jobs", json={"params": params, "runs": 10})
    assert res.status_code == 422
    assert sorted(_fields(res)) == sorted(fields)
    assert "passwd" not in str([p["message"] for p in res.json()["problems"] if "no such" in p["message"]])


def test_param_paths_are_checked_by_the_request_schema(client):
    res = client.post("/api/jobs", json={"params": {"sides..W": 1}, "runs": 10})
    assert res.status_code == 422 and _fields(res) == ["params.sides..W.[key]"]
    too_many = {f"events.{i}.probability": 0.5 for i in range(513)}
    assert client.post("/api/jobs", json={"params": too_many}).status_code == 422


def test_param_problems_leave_inline_history_rows_alone():
    assert (
        param_problems({"history.events": "bundled", "history.gamma": 0.2, "history.events.0.date": "x"})
        == []
    )
    assert param_problems({"history": {"events": [{"date": "2000-01"}]}}) == []


V2 = {
    "name": "v2",
    "start": "2010-01",
    "horizon": 36,
    "sides": {"W": {"name": "West"}, "R": {"name": "East"}},
    "issues": {"arch": {"kind": "strategic", "inclusion": {"invited": "R"}}},
    "schedules": {
        "threat": {"W": [{"start": "2011-01", "value": 1.0}], "R": [{"start": "2011-06", "value": 1.0}]},
        "inclusion": [{"start": "2011-01", "value": 1.0}],
    },
    "levers": {"counterfactual_joins": [{"side": "R", "date": "2011-03"}]},
}


def test_knobs_move_per_side_schedules_and_counterfactual_joins():
    sc = detente.load_scenario(V2)
    assert schedule_start(sc, "threat") == "2011-01"
    moved = with_knobs(sc, threat_start="2011-04", inclusion_start="2012-01").model_dump(mode="json")
    assert [s["start"][:7] for s in moved["schedules"]["threat"]["W"]] == ["2011-04"]
    assert [s["start"][:7] for s in moved["schedules"]["threat"]["R"]] == ["2011-09"]
    assert moved["schedules"]["inclusion"][0]["start"][:7] == "2012-01"
    assert moved["levers"]["counterfactual_joins"][0]["date"][:7] == "2012-03"


def test_parameters_flatten_per_side_values_and_keep_distributions_whole():
    data = dict(V2, issues={"arch": {"kind": "strategic", "T_M": {"W": 6, "R": 8}}})
    data["sides"] = {
        "W": {"name": "West", "elite": {"h0": {"dist": "uniform", "low": 0.1, "high": 0.5}}},
        "R": {"name": "East"},
    }
    out = {p["path"]: p["value"] for p in parameters(detente.load_scenario(data))["parameters"]}
    assert out["issues.arch.T_M.W"] == 6 and out["issues.arch.T_M.R"] == 8
    assert out["sides.W.elite.h0"]["dist"] == "uniform"
    assert "schedules.threat.R.0.start" in out
