"""Outputs near the bounds (issue 11.7) and result conventions (issue 12.6): P(trust > ½), shares at the
clip with errors that are never zero-width, nullable month indices and datetime months, short reprs."""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

import detente
from detente.engine.results import SimulationResult, month_index, month_starts, share_se

L_MAX = math.log(999)


def _result(final_L: np.ndarray, extra: dict | None = None, L_max: float = L_MAX) -> SimulationResult:
    """A SimulationResult around hand-made per-run summaries (summary() reads nothing else)."""
    n = len(final_L)
    res = SimulationResult.__new__(SimulationResult)
    res.summaries = {
        "run": np.arange(n),
        "final_regime": np.ones(n, dtype=np.int8),
        "durable_month": np.full(n, -1),
        "first_strategic": np.full(n, -1),
        "ci_sum": np.zeros(n),
        "final_L": final_L,
        "months_strategic": np.zeros(n, dtype=np.int32),
        **(extra or {}),
    }
    res.structure = SimpleNamespace(horizon=12, sides=("A", "B"), start="2000-01")
    res.provenance = SimpleNamespace(runs=n)
    res.scenario = SimpleNamespace(L_max=L_max)
    return res


def test_share_se_is_binomial_inside_and_a_bound_at_zero_and_one():
    assert share_se(0.25, 100) == pytest.approx(math.sqrt(0.25 * 0.75 / 100), abs=1e-15)
    assert share_se(0.0, 100) == share_se(1.0, 100) == pytest.approx(1 / 101, abs=1e-15)
    assert share_se(0.0, 9) == 0.1  # the far end of the one-sigma Wilson interval [0, 1/(n+1)]
    assert math.isnan(share_se(0.5, 0))


def test_trust_above_half_and_at_each_bound_on_constructed_runs():
    # side A: 4 of 10 runs at +L_max, 2 at -L_max, 1 just inside the clip, 1 at exactly 0 (p = 1/2)
    a = np.array([L_MAX] * 4 + [-L_MAX] * 2 + [L_MAX * (1 - 1e-9), 0.0, -1.0, 2.0])
    b = np.full(10, -L_MAX)  # side B: every run at the lower bound
    s = _result(np.stack([a, b], 1)).summary()
    assert s["p_trust_above_half_A"] == pytest.approx(0.6, abs=1e-15)  # L > 0 strictly: 4 + 1 + 1
    assert s["p_trust_upper_A"] == pytest.approx(0.4, abs=1e-15)
    assert s["p_trust_lower_A"] == pytest.approx(0.2, abs=1e-15)
    for name, p in (("above_half", 0.6), ("upper", 0.4), ("lower", 0.2)):
        assert s[f"se_p_trust_{name}_A"] == pytest.approx(math.sqrt(p * (1 - p) / 10), abs=1e-15)
    assert (s["p_trust_above_half_B"], s["p_trust_upper_B"], s["p_trust_lower_B"]) == (0.0, 0.0, 1.0)
    for name in ("above_half", "upper", "lower"):  # never a zero-width error at 0 or 1
        assert s[f"se_p_trust_{name}_B"] == pytest.approx(1 / 11, abs=1e-15)
    assert "p_joined_A" not in s
    # the median keys stay for their readers
    assert s["median_trust_B"] == pytest.approx(1 / 1000, abs=1e-12)


def test_bounds_follow_the_scenario_clip_and_joining_is_counted_when_recorded():
    L = np.array([[2.0, -2.0], [2.0, 1.0], [-1.0, -2.0], [0.5, 0.5]])
    joined = np.array([[-1, 3], [-1, -1], [-1, 0], [-1, 7]])
    s = _result(L, {"joined_month": joined}, L_max=2.0).summary()
    assert (s["p_trust_upper_A"], s["p_trust_lower_B"]) == (0.5, 0.5)
    assert (s["p_joined_A"], s["p_joined_B"]) == (0.0, 0.75)
    assert s["se_p_joined_A"] == pytest.approx(1 / 5, abs=1e-15)


def test_month_helpers():
    starts = month_starts("2009-07", np.array([0, 5, -1, 239]))
    assert starts.dtype == np.dtype("datetime64[ns]")
    assert [str(x)[:10] for x in starts[[0, 1, 3]]] == ["2009-07-01", "2009-12-01", "2029-06-01"]
    assert np.isnat(starts[2])
    idx = month_index(np.array([3, -1, 0]))
    assert str(idx.dtype) == "Int64" and idx[0] == 3 and idx[1] is pd.NA and idx[2] == 0


TINY = {
    "name": "tiny-pair",
    "start": "2001-03",
    "horizon": 18,
    "seed": 3,
    "runs": 50,
    "durable_months": 3,
    "sides": {"N": {"name": "North"}, "S": {"name": "South", "type": "from_trust"}},
    "issues": {
        "ferry": {"kind": "tactical", "T_M": 6, "S": 1.0, "v": 0.5, "w": 1.0},
        "canal": {"kind": "strategic", "T_M": 10, "S": -4.0, "w": 0.5, "omega": 3},
    },
}


@pytest.fixture(scope="module")
def tiny():
    return detente.simulate(TINY, runs=60, seed=3)


def test_runs_frame_months_are_nullable_and_dated(tiny):
    frame, s = tiny.runs, tiny.summaries
    for col, raw in (("first_strategic", s["first_strategic"]), ("durable_month", s["durable_month"])):
        assert str(frame[col].dtype) == "Int64"
        assert frame[col].isna().tolist() == (raw < 0).tolist()
        assert frame[col].dropna().tolist() == raw[raw >= 0].tolist()
    assert frame["first_strategic_date"].dtype == np.dtype("datetime64[ns]")
    assert frame["durable_date"].isna().tolist() == (s["durable_month"] < 0).tolist()
    seen = frame.dropna(subset=["first_strategic"])
    for i, d in zip(seen["first_strategic"], seen["first_strategic_date"], strict=True):
        assert d == pd.Timestamp("2001-03-01") + pd.DateOffset(months=int(i))
    assert not (frame.select_dtypes("number") == -1).any().any()  # missing is NA, never -1
    if "joined_month" in s:  # model v2: per side, nullable, dated
        assert str(frame["joined_month_N"].dtype) == "Int64"
        assert frame["joined_date_S"].dtype == np.dtype("datetime64[ns]")


def test_months_frame_is_dated_and_reprs_are_short(tiny):
    months = tiny.to_pandas()
    assert months["month"].dtype == np.dtype("datetime64[ns]")
    assert months["month"].iloc[0] == pd.Timestamp("2001-03-01") and len(months) == 18
    assert months["month"].iloc[-1] == pd.Timestamp("2002-08-01")
    text = repr(tiny)
    assert text.startswith("<SimulationResult tiny-pair: world base, status quo; 60 runs, seed 3;")
    assert "P(durable)" in text and "\n" not in text and len(text) < 160
    html = tiny._repr_html_()
    assert html.startswith("<table>") and html.count("<tr>") == 10  # header + 3 outcomes + 3 per side
    s = tiny.summary()
    want = f"<td>P(trust of N &gt; ½)</td><td>{s['p_trust_above_half_N']:.3f}</td>"
    assert want + f"<td>{s['se_p_trust_above_half_N']:.3f}</td>" in html


def test_summary_is_cached_but_returned_as_a_copy(tiny):
    first = tiny.summary()
    first["p_durable"] = -1.0
    assert tiny.summary()["p_durable"] >= 0.0
