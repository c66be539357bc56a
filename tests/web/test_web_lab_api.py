"""The lab API: scaled-down sweeps of the bundled experiment, sensitivity and PRIM jobs, refusals."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from web_helpers import BACKEND, LOCAL, wait_job

from detente.limits import MAX_SEED

TINY = {"samples": 3, "runs": 5, "worlds": ["spiral", "uncertain"], "conditions": ["inclusion"]}
TINY["parameters"] = ["h0_R", "rho"]


@pytest.fixture(scope="module")
def lab_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("lab")


@pytest.fixture(scope="module")
def lab(lab_dir: Path) -> Iterator[object]:
    from fastapi.testclient import TestClient

    from detente.web.app import create_app

    app = create_app(results_dir=lab_dir, max_jobs=1, max_queue=4, backend=BACKEND)
    with TestClient(app, base_url=LOCAL) as c:
        yield c


def _result(client: object, resp: object) -> dict:
    assert resp.status_code == 202, resp.text
    status = wait_job(client, resp.json()["id"])
    assert status["status"] == "done", status
    body = client.get(f"/api/jobs/{status['id']}/result")
    json.loads(body.text, parse_constant=lambda c: pytest.fail(f"non-strict JSON constant {c}"))
    return body.json()["result"]


def _problems(resp: object) -> dict[str, str]:
    assert resp.status_code == 422, resp.text
    return {p["field"]: p["message"] for p in resp.json()["problems"]}


def test_page_and_form_description(lab):
    page = lab.get("/lab")
    assert page.status_code == 200 and "/static/lab.js" in page.text and "/vendor/plotly.min.js" in page.text
    assert lab.get("/static/lab.js").status_code == 200 and lab.get("/static/lab.css").status_code == 200
    info = lab.get("/api/lab/experiments").json()
    assert info["store"] == "lab-results.duckdb" and info["stored"] == []
    (exp,) = [b for b in info["bundled"] if b["name"] == "reset-2009-uncertainty"]
    assert exp["worlds"] == ["spiral", "deterrence", "uncertain"]
    assert exp["conditions"] == ["generational_change", "shared_threat", "inclusion"]
    assert len(exp["parameters"]) == 14 and "p_durable" in exp["outcomes"]
    assert isinstance(exp["months"], int) and isinstance(exp["issues"], int)
    assert info["limits"]["max_cost"] > 0 and info["limits"]["max_runs"] > 0


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        ({"design": "sobol", "samples": 6}, "samples", "power of 2"),
        ({"runs": 10_000_000}, "runs", "over the limit"),
        ({"samples": 64, "runs": 5000}, "runs", "too large"),
        ({"worlds": ["mars"]}, "worlds", "'mars' is not one of"),
        ({"worlds": []}, "worlds", "at least one world"),
        ({"conditions": ["bogus"]}, "conditions", "'bogus' is not one of"),
        ({"parameters": []}, "parameters", "at least one parameter"),
        ({"parameters": ["nope"]}, "parameters", "'nope' is not one of"),
        ({"experiment": "nope"}, "experiment", "no bundled experiment"),
        ({"samples": "8"}, "samples", "valid integer"),
        ({"runs": False}, "runs", "valid integer"),
        ({"seed": MAX_SEED + 1}, "seed", "less than or equal"),
        ({"design": "full_factorial"}, "design", "Input should be"),
        ({"bogus": 1}, "bogus", "Extra inputs"),
    ],
)
def test_sweep_refusals_name_the_field(lab, body, field, words):
    problems = _problems(lab.post("/api/lab/sweep", json=body))
    assert field in problems and words in problems[field], problems


def test_too_large_sweep_says_what_fits(lab):
    message = _problems(lab.post("/api/lab/sweep", json={"samples": 64, "runs": 5000}))["runs"]
    assert "1,536 points x 5,000 runs" in message and "ask for at most" in message


def test_sweep_then_discovery_then_cache_hit(lab, lab_dir):
    first = _result(lab, lab.post("/api/lab/sweep", json=TINY))
    assert first["action"] == "sweep" and first["points"] == 3 * 2 * 2 and first["computed"] == 12
    assert first["store"] == "lab-results.duckdb" and (lab_dir / "lab-results.duckdb").is_file()
    name = first["experiment"]
    stored = {e["name"]: e for e in lab.get("/api/lab/experiments").json()["stored"]}
    assert stored[name]["done"] == 12 and stored[name]["runs"] == 5
    again = _result(lab, lab.post("/api/lab/sweep", json=TINY))
    assert again["experiment"] == name and again["cached"] == 12 and again["computed"] == 0
    # PRIM on a flag of our own choosing: points with p_durable >= 0 (all of them) -> no restriction.
    found = _result(
        lab, lab.post("/api/lab/discover", json={"name": name, "outcome": "durable", "threshold": 0})
    )
    assert found["action"] == "discover" and found["outcome"] == "p_durable" and found["points"] == 12
    assert found["boxes"][0]["limits"] == [] and found["chosen"] == 0
    # mean_ci at or above its mean over points holds at some points (unless constant): boxes restrict something.
    stats = lab.get(f"/api/experiments/{name}", params={"store": "lab-results.duckdb"}).json()["stats"]
    body = {"name": name, "outcome": "mean_ci", "threshold": stats["mean_ci"]["mean"], "min_coverage": 0.5}
    found = _result(lab, lab.post("/api/lab/discover", json=body))
    assert len(found["boxes"]) == len(found["trajectory"]) >= 1
    for box in found["boxes"]:
        for lim in box["limits"]:
            if lim["kind"] == "categorical":
                assert lim["categories"] and lim["low"] is None and "not" in lim["restriction"]
            else:
                assert lim["low"] <= lim["high"]
    refused = lab.post("/api/lab/sensitivity", json={"name": name})
    assert refused.status_code == 422 and "sobol or morris" in refused.text


def test_sobol_sweep_gives_indices_with_intervals_and_warnings(lab):
    body = {"design": "sobol", "samples": 2, "runs": 5, "worlds": ["spiral"], "conditions": []}
    body["parameters"] = ["eta_R", "rho"]
    swept = _result(lab, lab.post("/api/lab/sweep", json=body))
    assert swept["points"] == 2 * (2 + 2)
    res = _result(
        lab,
        lab.post(
            "/api/lab/sensitivity", json={"name": swept["experiment"], "outcomes": ["p_durable", "mean_ci"]}
        ),
    )
    assert res["method"] == "sobol" and {r["outcome"] for r in res["indices"]} == {"p_durable", "mean_ci"}
    assert any("few samples (2 base samples N" in w for w in res["warnings"])
    for r in res["indices"]:
        assert r["warning"]
        if r["S1"] is not None:
            assert r["S1_low"] <= r["S1_high"]
        else:
            assert "constant" in r["warning"]


def test_analysis_failure_paths(lab):
    assert lab.post("/api/lab/discover", json={"name": "x", "store": "absent.duckdb"}).status_code == 404
    assert lab.post("/api/lab/discover", json={"name": "x", "store": "../secret.duckdb"}).status_code == 404
    _result(lab, lab.post("/api/lab/sweep", json=TINY))  # the lab store exists (cached or not)
    missing = lab.post("/api/lab/discover", json={"name": "nope"})
    assert missing.status_code == 404 and "no experiment 'nope'" in missing.text
    bad = lab.post("/api/lab/discover", json={"name": "x", "threshold": "1"})
    assert bad.status_code == 422
    assert lab.post("/api/lab/discover", json={"name": "x", "min_coverage": 2}).status_code == 422


def test_discovery_inputs_must_be_inputs_of_the_experiment(lab):
    name = _result(lab, lab.post("/api/lab/sweep", json=TINY))["experiment"]
    problems = _problems(lab.post("/api/lab/discover", json={"name": name, "inputs": ["eta_W"]}))
    assert "not inputs of" in problems["inputs"] and "h0_R, rho, inclusion, world" in problems["inputs"]
    found = _result(
        lab,
        lab.post(
            "/api/lab/discover",
            json={"name": name, "outcome": "durable", "threshold": 0, "inputs": ["world"]},
        ),
    )
    assert found["points"] == 12
