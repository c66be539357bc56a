"""PRIM boxes on categorical inputs: sets of categories in tables, JSON and the CLI, never NaN."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.console import Console

from detente.cli.experiments import _stats_table
from detente.experiments import discovery


def frame(n: int = 1200, seed: int = 2) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = pd.DataFrame(
        {
            "x0": rng.uniform(size=n),
            "inclusion": rng.uniform(size=n) < 0.5,
            "world": rng.choice(["spiral", "deterrence", "uncertain"], n),
        }
    )
    y = x["inclusion"] & (x["world"] != "uncertain") & (x["x0"] > 0.3)
    return x, y.to_numpy()


def test_categorical_restrictions_are_sets_not_nan() -> None:
    x, y = frame()
    res = discovery.prim(x, y, min_coverage=0.9)
    lim = res.limits.set_index("input")
    assert lim.loc["inclusion", "restriction"] == "= on (not off)"
    assert lim.loc["world", "categories"] == "deterrence, spiral"
    assert lim.loc["world", "removed"] == "uncertain"
    assert lim.loc["world", "restriction"] == "in {deterrence, spiral} (not uncertain)"
    assert lim.loc["world", "kind"] == "categorical" and lim.loc["x0", "kind"] == "numeric"
    assert lim.loc["world", "low"] is None and lim.loc["world", "full_high"] is None
    assert lim.loc["x0", "low"] == pytest.approx(0.3, abs=0.03)
    for row in discovery.records(res.limits):
        assert not any(isinstance(v, float) and np.isnan(v) for v in row.values())


def test_every_trajectory_box_can_be_inspected() -> None:
    x, y = frame()
    res = discovery.prim(x, y)
    for i, box in enumerate(res.boxes):
        table = res.box_limits(i)
        assert len(table) == res.trajectory.loc[i, "restricted"]
        assert set(table["input"]) == set(filter(None, res.trajectory.loc[i, "inputs"].split(", ")))
        cats = table[table["kind"] == "categorical"]
        for row in cats.itertuples():
            assert frozenset(row.categories.split(", ")) == box.limits[row.input]
    assert res.box_limits(0).empty
    with pytest.raises(Exception, match="trajectory step"):
        res.box_limits(len(res.boxes))


def test_cli_table_shows_dashes_not_nan() -> None:
    x, y = frame()
    res = discovery.prim(x, y)
    console = Console(record=True, width=200)
    console.print(_stats_table(res.limits, "limits"))
    console.print(_stats_table(pd.DataFrame({"a": [np.nan, 1.0], "b": [None, "x"]}), "t"))
    text = console.export_text()
    assert "nan" not in text.lower() and "None" not in text
    assert "= on (not off)" in text and "–" in text


def test_discovery_json_has_boxes_and_no_nan() -> None:
    x, y = frame()
    res = discovery.prim(x, y)
    per_cell, conds = discovery.condition_table(x.assign(cell="c"), y, ["inclusion"])
    found = discovery.Discovery("e", "p", 0.5, False, len(x), res, per_cell, conds)
    data = found.as_dict()
    text = json.dumps(data, allow_nan=False, default=float)
    assert "NaN" not in text
    assert data["chosen"] == res.chosen and len(data["boxes"]) == len(res.boxes)
    last = data["boxes"][-1]
    assert {lim["input"] for lim in last["limits"]} >= {"inclusion"}


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 10_000), st.floats(0.05, 0.6))
def test_no_box_of_any_trajectory_tabulates_nan(seed: int, rate: float) -> None:
    rng = np.random.default_rng(seed)
    n = 200
    x = pd.DataFrame(
        {"a": rng.uniform(size=n), "flag": rng.uniform(size=n) < 0.5, "cat": rng.choice(list("pqrs"), n)}
    )
    y = rng.uniform(size=n) < rate + 0.3 * x["flag"] * (x["cat"] != "s")
    if not y.any():
        return
    res = discovery.prim(x, y.to_numpy(), min_coverage=0.3)
    for i in range(len(res.boxes)):
        for row in discovery.records(res.box_limits(i)):
            assert not any(isinstance(v, float) and np.isnan(v) for v in row.values())
            if row["kind"] == "categorical":
                kept = set(row["categories"].split(", "))
                removed = set(row["removed"].split(", "))
                assert kept and removed and not kept & removed
                assert kept | removed <= {"on", "off", *"pqrs"}
