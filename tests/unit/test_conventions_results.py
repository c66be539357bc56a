"""Stored experiment results as an object (to_pandas, to_polars, plot, short repr, HTML for notebooks), and
the API's default store in detente's data folder rather than the current folder."""

from __future__ import annotations

import math
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
import polars as pl
import pytest

from detente.errors import ExperimentError
from detente.experiments.results import ExperimentResults, never_as_na, sweep_results
from detente.experiments.runner import sweep
from detente.experiments.spec import load_experiment
from detente.experiments.store import Store, default_store, load_results

matplotlib.use("Agg")


def ishigami(name: str = "ish", **extra: object):
    spec = {
        "name": name,
        "model": "ishigami",
        "parameters": [{"path": f"x{i}", "range": [-math.pi, math.pi]} for i in (1, 2, 3)],
        "design": {"kind": "lhs", "n": 5},
        "runs": 3,
        "outcomes": ["y", "f"],
        "seed": 3,
        **extra,
    }
    return load_experiment(spec)


@pytest.fixture(scope="module")
def stored(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One small stored sweep (read only by the tests that use it)."""
    store = tmp_path_factory.mktemp("store") / "s.duckdb"
    sweep(ishigami(per_run=True, cross={"worlds": ["a", "b"]}), store)
    return store


def test_results_object_matches_the_stored_table(stored: Path) -> None:
    res = sweep_results("ish", stored)
    assert isinstance(res, ExperimentResults)
    assert len(res) == res.n_points == 10  # 5 rows x 2 worlds
    assert res.parameters == ["x1", "x2", "x3"] and res.outcomes == ["y", "f"]
    assert res.design == "lhs" and res.runs == 3
    pd.testing.assert_frame_equal(res.to_pandas(), load_results("ish", stored))
    assert res.to_polars().equals(pl.from_pandas(load_results("ish", stored)))
    res.to_pandas().drop(columns="y")  # a copy: the object is not changed through it
    assert "y" in res.to_pandas().columns


def test_per_run_tables_and_sweep_log(stored: Path) -> None:
    res = sweep_results("ish", stored)
    runs = res.to_pandas("runs")
    assert len(runs) == 10 * 3 and set(runs["point"]) == set(range(10))
    assert isinstance(res.to_polars("runs"), pl.DataFrame)
    log = res.to_pandas("sweeps")
    assert list(log["status"]) == ["finished"]
    with pytest.raises(ExperimentError, match="kind: expected one of points, runs, sweeps"):
        res.to_pandas("cells")


def test_repr_is_one_short_line_and_html_is_a_table(stored: Path) -> None:
    res = sweep_results("ish", stored)
    text = repr(res)
    assert "\n" not in text and len(text) < 300
    assert text.startswith("<ExperimentResults ish: 10 of 10 points, lhs design, 3 parameters")
    html = res._repr_html_()
    assert "<table" in html and html.count("<tr") <= 12  # header + at most 10 rows (+ ellipsis row)
    assert "cell_key" not in html


def test_repr_html_escapes_names(tmp_path: Path) -> None:
    res = ExperimentResults(
        "a<b>",
        tmp_path / "x&y.duckdb",
        {"parameters": ["p"], "outcomes": ["o"], "design": "lhs", "runs": 1, "n_points": 1},
        pd.DataFrame({"point": [0], "p": [0.5], "o": [np.nan]}),
    )
    html = res._repr_html_()
    assert "a&lt;b&gt;" in html and "x&amp;y" in html and "<b>a<b>" not in html
    assert ">NA<" in html  # missing shown as NA


def test_plot_has_a_panel_per_parameter_and_a_bar_per_cell(stored: Path) -> None:
    res = sweep_results("ish", stored)
    fig = res.plot()
    visible = [ax for ax in fig.axes if ax.get_visible()]
    assert [ax.get_xlabel() for ax in visible] == ["x1", "x2", "x3"]
    assert sum(len(ax.collections) for ax in visible) == 3 * 2  # one scatter per cell and panel
    bars = res.plot("f", parameters=[])
    (ax,) = bars.axes
    assert len(ax.patches) == 2 and ax.get_ylabel() == "f"
    means = res.to_pandas().groupby("cell", sort=False)["f"].mean().to_numpy()
    assert np.allclose([p.get_height() for p in ax.patches], means)
    with pytest.raises(ExperimentError, match="outcome: 'zz' is not stored"):
        res.plot("zz")
    with pytest.raises(ExperimentError, match="parameters: not varied in ish: q"):
        res.plot(parameters=["q"])


def test_older_per_run_months_read_never_as_na() -> None:
    frame = pd.DataFrame({"durable_month": [3, -1], "joined_month_R": [-1, 0], "other": [-1, 2]})
    out = never_as_na(frame)
    assert str(out["durable_month"].dtype) == "Int64"
    assert out["durable_month"].isna().tolist() == [False, True]
    assert out["joined_month_R"].isna().tolist() == [True, False]
    assert out["other"].tolist() == [-1, 2]  # not a month column


def test_the_api_default_store_is_in_the_data_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DETENTE_HOME", str(tmp_path / "home"))
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    monkeypatch.chdir(cwd)
    assert default_store() == tmp_path / "home" / "detente-results.duckdb"
    report = sweep(ishigami("dflt"))
    assert Path(report.store) == default_store() and default_store().is_file()
    assert list(cwd.iterdir()) == []
    assert len(sweep_results("dflt")) == 5 and len(load_results("dflt")) == 5
    with Store(read_only=True) as st:
        assert st.path == default_store()


def test_missing_default_store_is_a_clean_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DETENTE_HOME", str(tmp_path / "none"))
    with pytest.raises(ExperimentError, match="no results store here"):
        sweep_results("x")
    assert not (tmp_path / "none").exists()  # reading creates nothing


def test_a_sweep_report_is_short_and_reads_back_its_results(tmp_path: Path) -> None:
    report = sweep(ishigami("rep"), tmp_path / "s.duckdb")
    text = repr(report)
    assert text.startswith("<SweepReport rep: finished, 5 points (0 cached, 5 computed), 15 runs in ")
    assert "\n" not in text and len(text) < 300
    res = report.results()
    assert isinstance(res, ExperimentResults) and len(res) == 5 and res.store == tmp_path / "s.duckdb"
