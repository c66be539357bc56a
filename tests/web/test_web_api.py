"""The JSON API: every endpoint's success and failure paths, limits, traversal, no tracebacks."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from web_helpers import BACKEND, LOCAL, wait_job

import detente
from detente.scenario.load import bundled_path

RESET = bundled_path("reset-2009").read_text(encoding="utf-8")


def _problem_fields(resp) -> set[str | None]:
    return {p["field"] for p in resp.json()["problems"]}


# ---- server, scenarios, validate -----------------------------------------------------------------


def test_health_reports_limits_and_jobs(client):
    body = client.get("/api/health").json()
    assert body["status"] == "ok"
    assert body["limits"]["max_jobs"] == 1 and body["limits"]["max_upload_bytes"] > 0
    assert set(body["jobs"]) == {"queued", "running", "done", "failed"}


def test_scenarios_list_and_describe(client):
    names = [s["name"] for s in client.get("/api/scenarios").json()]
    assert "reset-2009" in names
    desc = client.get("/api/scenarios/reset-2009").json()
    assert [s["id"] for s in desc["sides"]] == ["W", "R"]
    assert desc["sides"][1]["knobs"]["sides.R.elite.h0"] == pytest.approx(0.8)
    assert {c["id"] for c in desc["conditions"]} == {"generational_change", "shared_threat", "inclusion"}
    assert desc["threat_start"] == "2010-01" and desc["inclusion_start"] == "2010-01"
    assert desc["start"] == "2009-07" and desc["end"] == "2029-06"


def test_scenario_unknown_is_404_and_bad_name_is_422(client):
    resp = client.get("/api/scenarios/no-such-scenario")
    assert resp.status_code == 404 and "no bundled scenario" in resp.json()["detail"]
    assert client.get("/api/scenarios/a%20b").status_code == 422


def test_validate_bundled_and_uploaded(client):
    assert (
        client.post("/api/validate", json={"scenario": "reset-2009"}).json()["scenario"]["name"]
        == "reset-2009"
    )
    resp = client.post("/api/validate", json={"yaml": RESET, "filename": "mine.yaml"})
    assert resp.status_code == 200 and resp.json()["ok"] is True


def test_validate_bad_value_names_field_and_line(client):
    bad = RESET.replace("h0: 0.8 ", "h0: 1.7 ")
    line = next(i for i, text in enumerate(bad.splitlines(), 1) if "h0: 1.7" in text)
    resp = client.post("/api/validate", json={"yaml": bad, "filename": "../../bad.yaml"})
    assert resp.status_code == 422
    problem = next(p for p in resp.json()["problems"] if p["field"] == "sides.R.elite.h0")
    assert problem["line"] == line
    assert problem["message"] == "expected a number in [0, 1], got 1.7"
    assert problem["text"].startswith("bad.yaml:")  # the client's path is reduced to a base name
    assert "Traceback" not in resp.text


def test_validate_unknown_field_and_broken_yaml(client):
    resp = client.post(
        "/api/validate", json={"yaml": RESET.replace("horizon: 240", "horizon: 240\nhorizn: 3")}
    )
    assert resp.status_code == 422 and "horizn" in _problem_fields(resp)
    resp = client.post("/api/validate", json={"yaml": "name: x\nsides: [unclosed\n"})
    assert resp.status_code == 422
    assert resp.json()["problems"][0]["line"] is not None and "YAML" in resp.json()["problems"][0]["message"]
    resp = client.post("/api/validate", json={"yaml": "- a list\n- not a mapping\n"})
    assert resp.status_code == 422 and "mapping" in resp.text


def test_validate_refuses_file_references_and_unsafe_yaml(client):
    for key in ("events", "periods"):
        text = RESET.replace(f"  {key}: bundled ", f"  {key}: /etc/passwd ", 1)
        assert text != RESET
        resp = client.post("/api/validate", json={"yaml": text})
        assert resp.status_code == 422 and f"history.{key}" in _problem_fields(resp)
        assert "root:" not in resp.text
    resp = client.post("/api/validate", json={"yaml": "!!python/object/apply:os.system ['true']\n"})
    assert resp.status_code == 422 and "YAML" in resp.text


def test_upload_over_the_byte_limit_is_413(client):
    limit = client.get("/api/health").json()["limits"]["max_upload_bytes"]
    text = RESET + "\n# " + "x" * (limit + 10) + "\n"
    resp = client.post("/api/validate", json={"yaml": text})
    assert resp.status_code == 413 and "limit" in resp.json()["detail"]


def test_request_body_over_the_limit_is_413_declared_or_streamed(client):
    limit = client.get("/api/health").json()["limits"]["max_body_bytes"]
    big = b'{"yaml": "' + b"x" * (limit + 1) + b'"}'
    resp = client.post("/api/validate", content=big, headers={"Content-Type": "application/json"})
    assert resp.status_code == 413

    def chunks():
        for _ in range(limit // 1024 + 2):
            yield b"x" * 1024

    resp = client.post("/api/validate", content=chunks(), headers={"Content-Type": "application/json"})
    assert resp.status_code == 413


def test_strict_types_and_unknown_fields_are_422(client):
    for body in (
        {"scenario": False},
        {"runs": False},
        {"runs": "10"},
        {"seed": 1.5},
        {"colour": "red"},
        {"overrides": {"name": 0.1}},
        {"overrides": {"sides.W.elite.h0": 1.5}},
        {"threat_start": "2010-13"},
        {"kind": "other"},
    ):
        resp = client.post("/api/jobs", json=body)
        assert resp.status_code == 422, body
        assert resp.json()["problems"], body


# ---- jobs ----------------------------------------------------------------------------------------


def test_simulation_job_runs_to_completion_and_matches_the_api(client):
    body = {
        "scenario": "reset-2009",
        "world": "spiral",
        "conditions": ["inclusion"],
        "runs": 120,
        "seed": 5,
        "overrides": {"sides.R.elite.h0": 0.6},
    }
    resp = client.post("/api/jobs", json=body)
    assert resp.status_code == 202
    job = resp.json()
    assert job["status"] in ("queued", "running") and job["total"] == 120
    status = wait_job(client, job["id"])
    assert (
        status["status"] == "done" and status["done"] == status["total"] == 120 and status["fraction"] == 1.0
    )
    result = client.get(f"/api/jobs/{job['id']}/result").json()["result"]
    assert len(result["months"]) == 240 and set(result["regime_prob"]) == {"strategic", "tactical", "frozen"}
    total = [sum(v) for v in zip(*result["regime_prob"].values(), strict=True)]
    assert total == pytest.approx([1.0] * 240, abs=1e-4)
    assert set(result["trust"]["W"]) == {"q05", "q25", "q50", "q75", "q95"}
    direct = detente.simulate(
        detente.load_scenario("reset-2009").apply({"sides.R.elite.h0": 0.6}),
        runs=120,
        seed=5,
        world="spiral",
        conditions=("inclusion",),
        backend=BACKEND,
    ).summary()
    assert result["summary"]["p_durable"] == pytest.approx(direct["p_durable"], abs=1e-5)
    assert result["summary"]["mean_ci"] == pytest.approx(direct["mean_ci"], abs=1e-5)
    assert job["id"] in [j["id"] for j in client.get("/api/jobs").json()]


def test_uploaded_scenario_job_with_moved_dates(client):
    body = {
        "yaml": RESET,
        "filename": "up.yaml",
        "world": "spiral",
        "conditions": ["shared_threat", "inclusion"],
        "runs": 60,
    }
    strategic = {}
    for moved in (False, True):
        dates = {"threat_start": "2015-01", "inclusion_start": "2016-06"} if moved else {}
        job = client.post("/api/jobs", json={**body, **dates}).json()
        assert wait_job(client, job["id"])["status"] == "done"
        result = client.get(f"/api/jobs/{job['id']}/result").json()["result"]
        before = result["months"].index("2016-05")
        strategic[moved] = max(result["regime_prob"]["strategic"][: before + 1])
    assert strategic[False] > 0.5  # with threat and inclusion from 2010 the partnership forms early
    assert strategic[True] == 0.0  # moved to 2015/2016: no strategic month before inclusion


def test_factorial_job_gives_table_and_verdict(client):
    body = {
        "kind": "factorial",
        "conditions": ["shared_threat", "inclusion"],
        "worlds": ["spiral"],
        "runs": 30,
    }
    job = client.post("/api/jobs", json=body).json()
    assert job["total"] == 4 * 30
    assert wait_job(client, job["id"])["status"] == "done"
    result = client.get(f"/api/jobs/{job['id']}/result").json()["result"]
    assert result["kind"] == "factorial" and len(result["rows"]) == 4
    assert {r["cell"] for r in result["rows"]} == {
        "status quo",
        "shared_threat",
        "inclusion",
        "shared_threat + inclusion",
    }
    assert "claims" in result["verdict"] and result["sentences"]


def test_unknown_world_or_condition_is_422(client):
    resp = client.post("/api/jobs", json={"world": "mars", "conditions": ["peace"], "runs": 10})
    assert resp.status_code == 422 and {"world", "conditions"} <= _problem_fields(resp)


def test_slider_values_that_do_not_fit_are_422_next_to_the_field(client):
    resp = client.post("/api/jobs", json={"overrides": {"sides.X.elite.h0": 0.5}, "runs": 10})
    assert resp.status_code == 422 and "sides.X.elite.h0" in _problem_fields(resp)
    resp = client.post("/api/jobs", json={"inclusion_start": "2040-01", "runs": 10})
    assert resp.status_code == 422 and "inclusion_start" in _problem_fields(resp)
    no_schedules = RESET.split("\nconditions:")[0]
    resp = client.post("/api/jobs", json={"yaml": no_schedules, "threat_start": "2012-01", "runs": 10})
    assert resp.status_code == 422 and "threat_start" in _problem_fields(resp)


def test_oversized_jobs_are_refused_with_a_message(client):
    limits = client.get("/api/health").json()["limits"]
    resp = client.post("/api/jobs", json={"runs": limits["max_runs"] + 1})
    assert resp.status_code == 422 and "runs" in _problem_fields(resp)
    resp = client.post("/api/jobs", json={"kind": "factorial", "runs": limits["max_runs"]})
    assert resp.status_code == 422
    assert "too large" in resp.json()["detail"] and "at most" in resp.json()["problems"][0]["message"]


def test_job_status_and_result_failure_paths(client):
    assert client.get("/api/jobs/" + "0" * 32).status_code == 404
    assert client.get("/api/jobs/" + "0" * 32 + "/result").status_code == 404
    assert client.get("/api/jobs/not-an-id").status_code == 422
    assert client.get("/api/jobs/..%2F..%2Fetc%2Fpasswd").status_code in (404, 422)
    job = client.post("/api/jobs", json={"runs": 1500, "world": "spiral"}).json()
    resp = client.get(f"/api/jobs/{job['id']}/result")
    assert resp.status_code == 409 and "runs done" in resp.json()["detail"]
    assert wait_job(client, job["id"])["status"] == "done"


def test_a_job_failing_in_the_worker_reports_its_problem(results_dir):
    from fastapi.testclient import TestClient

    from detente.web.app import create_app

    with TestClient(create_app(results_dir=results_dir, backend="bogus"), base_url=LOCAL) as c:
        job = c.post("/api/jobs", json={"runs": 10}).json()
        assert wait_job(c, job["id"])["status"] == "failed"
        resp = c.get(f"/api/jobs/{job['id']}/result")
        assert resp.status_code == 422 and "backend" in resp.json()["problems"][0]["text"]
        assert "Traceback" not in resp.text


def test_jobs_beyond_the_queue_get_429_and_shutdown_ends_workers(results_dir):
    from fastapi.testclient import TestClient

    from detente.web.app import create_app

    app = create_app(results_dir=results_dir, max_jobs=1, max_queue=0, backend=BACKEND)
    with TestClient(app, base_url=LOCAL) as c:
        first = c.post("/api/jobs", json={"runs": 20_000, "world": "spiral"})
        assert first.status_code == 202
        second = c.post("/api/jobs", json={"runs": 10})
        assert second.status_code == 429 and second.headers["Retry-After"]
        assert "try again" in second.json()["detail"]
        deadline = time.monotonic() + 30
        while app.state.jobs.get(first.json()["id"]).status != "running" and time.monotonic() < deadline:
            time.sleep(0.05)
        workers = list(app.state.jobs._pool._processes.values())
        assert workers
    for proc in workers:
        proc.join(timeout=10)
        assert not proc.is_alive()
    deadline = time.monotonic() + 10
    while app.state.jobs.get(first.json()["id"]).status != "failed" and time.monotonic() < deadline:
        time.sleep(0.05)
    assert app.state.jobs.get(first.json()["id"]).status == "failed"


# ---- stored experiments, traversal ---------------------------------------------------------------


def test_stores_and_experiments(client):
    assert [s["name"] for s in client.get("/api/stores").json()] == ["detente-results.duckdb"]
    listed = client.get("/api/experiments").json()
    assert [e["name"] for e in listed] == ["ishi-a", "ishi-b"] and listed[0]["points"] == 8
    detail = client.get("/api/experiments/ishi-a").json()
    assert detail["points"] == 8 and detail["outcomes"] == ["y", "p_positive"] and len(detail["rows"]) == 8
    ys = [r["y"] for r in detail["rows"]]
    assert detail["stats"]["y"]["mean"] == pytest.approx(sum(ys) / len(ys))
    assert detail["stats"]["y"]["max"] == pytest.approx(max(ys))


def test_stored_failure_paths(client):
    assert client.get("/api/experiments", params={"store": "absent.duckdb"}).json() == []
    assert client.get("/api/experiments/nope").status_code == 404
    assert client.get("/api/experiments/ishi-a", params={"store": "absent.duckdb"}).status_code == 404
    assert client.get("/api/experiments/bad%20name").status_code == 422


@pytest.mark.parametrize(
    "store",
    [
        "../secret.duckdb",
        "..%2Fsecret.duckdb",
        "/etc/passwd",
        "sub/x.duckdb",
        "..",
        "....duckdb/../../secret.duckdb",
        "%2e%2e/secret.duckdb",
        "secret",
    ],
)
def test_store_traversal_is_refused(client, store):
    resp = client.get("/api/experiments", params={"store": store})
    assert resp.status_code in (404, 422)
    assert resp.json()["problems"][0]["field"] == "store" and "Traceback" not in resp.text
    assert client.get("/api/experiments/ishi-a", params={"store": store}).status_code in (404, 422)


@pytest.mark.parametrize(
    "path",
    [
        "/static/../app.py",
        "/static/%2e%2e/app.py",
        "/static/..%2Fapp.py",
        "/static/%2e%2e/%2e%2e/web/app.py",
        "/static//etc/passwd",
        "/vendor/../app.py",
    ],
)
def test_static_traversal_is_refused(client, path):
    resp = client.get(path)
    assert resp.status_code == 404
    assert "create_app" not in resp.text and "root:" not in resp.text


def test_page_and_vendored_plotly_are_local(client):
    page = client.get("/")
    assert page.status_code == 200 and 'id="run"' in page.text
    assert "http://" not in page.text and "https://" not in page.text  # nothing from a CDN
    js = client.get("/vendor/plotly.min.js")
    assert (
        js.status_code == 200
        and len(js.content) > 1_000_000
        and js.headers["content-type"].startswith("text/javascript")
    )
    assert client.get("/static/app.js").status_code == 200


def test_unexpected_errors_are_500_without_traceback(results_dir, monkeypatch):
    from fastapi.testclient import TestClient

    from detente.web import stored
    from detente.web.app import create_app

    def boom(_root: Path) -> list:
        raise RuntimeError("secret internal detail /home/x")

    monkeypatch.setattr(stored, "list_stores", boom)
    with TestClient(create_app(results_dir=results_dir), raise_server_exceptions=False, base_url=LOCAL) as c:
        resp = c.get("/api/stores")
    assert resp.status_code == 500
    assert resp.json()["detail"].startswith("internal error (RuntimeError)")
    assert "Traceback" not in resp.text and "secret internal detail" not in resp.text


def test_unknown_routes_and_methods_answer_json(client):
    resp = client.get("/api/nothing")
    assert resp.status_code == 404 and resp.json()["detail"]
    resp = client.delete("/api/jobs")
    assert resp.status_code == 405 and resp.json()["detail"]
