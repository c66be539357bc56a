"""Compare like with like: /api/lab/compare refuses or warns, says what differs, and averages shared cells."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from web_helpers import BACKEND, LOCAL, ishigami_experiment

from detente.experiments.compare import differences

STORE = "detente-results.duckdb"


@pytest.fixture(scope="module")
def compare_client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    from fastapi.testclient import TestClient

    from detente.experiments.runner import sweep
    from detente.experiments.spec import load_experiment
    from detente.web.app import create_app

    folder = tmp_path_factory.mktemp("compare")
    for spec in (
        ishigami_experiment("a", ["w1", "w2"]),
        ishigami_experiment("a-again", ["w2", "w1"]),
        ishigami_experiment("b", ["w2", "w3"], runs=8),
        ishigami_experiment("c", ["w9"]),
        ishigami_experiment("d", ["w1", "w2"], outcomes=[{"name": "y", "column": "y", "stat": "max"}]),
    ):
        sweep(load_experiment(spec, base_dir=folder), store=folder / STORE)
    app = create_app(results_dir=folder, backend=BACKEND)
    with TestClient(app, base_url=LOCAL) as c:
        yield c


def _compare(client: object, *names: str) -> object:
    return client.get("/api/lab/compare", params={"store": STORE, "names": list(names)})


def test_like_with_like_is_ok(compare_client):
    res = _compare(compare_client, "a", "a-again").json()
    assert res["status"] == "ok" and res["differences"] == []
    assert res["cells"] == ["w1 | status quo", "w2 | status quo"]
    assert res["means"]["a"] == res["means"]["a-again"]


def test_different_runs_and_partly_shared_cells_warn_and_average_shared_cells(compare_client):
    res = _compare(compare_client, "a", "b").json()
    assert res["status"] == "warn"
    diffs = {d["field"]: d for d in res["differences"]}
    assert set(diffs) == {"runs", "cells"}
    assert diffs["runs"]["values"] == {"a": "4", "b": "8"} and "Monte Carlo" in diffs["runs"]["why"]
    assert diffs["cells"]["values"] == {"a": "w1 | status quo", "b": "w3 | status quo"}
    assert res["cells"] == ["w2 | status quo"]
    rows = compare_client.get("/api/experiments/a", params={"store": STORE}).json()["rows"]
    shared = [r["y"] for r in rows if r["world"] == "w2"]
    assert res["means"]["a"]["y"]["points"] == len(shared) == 6
    assert res["means"]["a"]["y"]["mean"] == pytest.approx(sum(shared) / len(shared))


def test_no_shared_cell_is_refused_with_what_differs(compare_client):
    res = _compare(compare_client, "a", "c").json()
    assert res["status"] == "refuse" and res["means"] == {}
    (cells,) = [d for d in res["differences"] if d["field"] == "cells"]
    assert cells["severity"] == "refuse"
    assert cells["values"] == {"a": "w1 | status quo, w2 | status quo", "c": "w9 | status quo"}


def test_outcomes_defined_differently_are_not_compared(compare_client):
    res = _compare(compare_client, "a", "d").json()
    fields = {d["field"]: d["severity"] for d in res["differences"]}
    assert fields == {"outcome definitions": "warn", "outcomes": "refuse"}
    assert res["status"] == "refuse"


def test_compare_failure_paths(compare_client):
    assert _compare(compare_client, "a").status_code == 422
    same = _compare(compare_client, "a", "a")
    assert same.status_code == 422 and "two different" in same.text
    assert _compare(compare_client, "a", "nope").status_code == 404
    gone = compare_client.get("/api/lab/compare", params={"store": "absent.duckdb", "names": ["a", "b"]})
    assert gone.status_code == 404
    out = compare_client.get("/api/lab/compare", params={"store": "../x.duckdb", "names": ["a", "b"]})
    assert out.status_code == 404


def _facts(**over: object) -> dict:
    base = {
        "model": "detente",
        "scenario": "reset-2009",
        "horizon": "240",
        "runs": 200,
        "seed": "7 (common)",
        "design": "lhs (n=8)",
        "parameters": {},
        "outcomes": {"p_durable": {"summary": "p_durable"}},
        "cells": ["spiral | status quo"],
        "version": "0.2.0",
    }
    return {**base, **over}


@pytest.mark.parametrize(
    ("change", "field", "severity"),
    [
        ({"scenario": "other"}, "scenario", "refuse"),
        ({"horizon": "120"}, "horizon", "refuse"),
        ({"model": "ishigami"}, "model", "refuse"),
        ({"runs": 50}, "runs", "warn"),
        ({"version": "0.1.0"}, "version", "warn"),
        ({"seed": "8 (common)"}, "seed", "warn"),
        ({"parameters": {"eta": {"path": "x", "range": [0, 1]}}}, "parameters", "warn"),
    ],
)
def test_each_difference_has_its_severity(change, field, severity):
    diffs, shared, alike = differences({"one": _facts(), "two": _facts(**change)})
    assert [(d["field"], d["severity"]) for d in diffs] == [(field, severity)]
    assert shared == ["spiral | status quo"] and alike == ["p_durable"]
