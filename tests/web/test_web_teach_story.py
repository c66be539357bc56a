"""The single-run story (detente.report.story): a pure function of one run's paths, in words."""

from __future__ import annotations

import numpy as np
import pytest

from detente.report.story import KINDS, dated_items, story

SIDES, ISSUES = ("W", "R"), ("arms", "arch")


def _paths(T: int = 6) -> dict[str, np.ndarray]:
    """One run: trust of W rises through ½ in month 2, the architecture opens in month 3 and the
    regime turns strategic, R defects on it in month 4 and cooperation resumes in month 5."""
    L = np.zeros((1, T, 2))
    L[0, :, 0] = [-1.0, -0.5, 0.5, 1.0, 1.0, 1.0]
    L[0, :, 1] = 2.0
    h = np.full((1, T, 2), 0.4)
    h[0, :, 1] = [0.6, 0.55, 0.52, 0.49, 0.45, 0.4]
    G = np.zeros((1, T, 2), bool)
    G[0, :, 0] = True
    G[0, 3:, 1] = True
    a = np.ones((1, T, 2, 2), bool)
    a[0, 4, 1, 1] = False
    regime = np.ones((1, T), np.int8)
    regime[0, 3:] = 0
    return {"L": L, "h": h, "G": G, "a": a, "regime": regime}


def _tell(**kw):
    return story(_paths(), start="2009-07", sides=SIDES, issues=ISSUES, durable_months=3, **kw)


def test_story_tells_each_change_in_its_month():
    entries = _tell(
        side_names={"W": "West", "R": "Russia"},
        issue_labels={"arch": "Architecture"},
        dated=[(1, "Reset: grievances are cleared.")],
    )
    told = [(e["month"], e["kind"], e["text"]) for e in entries]
    assert told[0][:2] == ("2009-07", "start")
    assert "West trusts Russia at 0.27" in told[0][2] and "open issues: arms" in told[0][2]
    assert ("2009-08", "dated", "Reset: grievances are cleared.") in told
    assert ("2009-09", "trust", "West's trust in Russia rises above ½ (0.38 → 0.62).") in told
    assert ("2009-10", "regime", "The regime turns strategic (from tactical).") in told
    assert ("2009-10", "issue", "Architecture opens: both sides now expect cooperation.") in told
    assert ("2009-10", "cohort", "The Cold-War cohort is no longer a majority of Russia's elite.") in told
    assert ("2009-11", "defection", "Russia defects on Architecture: cooperation breaks.") in told
    assert ("2009-12", "defection", "Cooperation on Architecture resumes.") in told
    assert ("2009-12", "durable", "3 strategic months in a row: a durable partnership.") in told
    assert told[-1][:2] == ("2009-12", "end") and "Strategic in 3 of 6 months" in told[-1][2]


def test_story_entries_are_in_month_order_with_known_kinds():
    entries = _tell(dated=[(4, "late"), (0, "early")], joined_month=[-1, 2])
    assert [e["t"] for e in entries] == sorted(e["t"] for e in entries)
    assert {e["kind"] for e in entries} <= set(KINDS)
    assert any(e["kind"] == "join" and e["t"] == 2 and e["text"].startswith("R joins") for e in entries)


def test_a_quiet_run_has_only_a_beginning_and_an_end():
    T = 12
    paths = {
        "L": np.full((2, T, 2), 1.0),
        "h": np.full((2, T, 2), 0.2),
        "G": np.zeros((2, T, 1), bool),
        "a": np.zeros((2, T, 2, 1), bool),
        "regime": np.full((2, T), 2, np.int8),
    }
    entries = story(paths, start="2000-01", sides=SIDES, issues=("x",), run=1)
    assert [e["kind"] for e in entries] == ["start", "end"]
    assert entries[-1]["month"] == "2000-12"
    assert "ends frozen" in entries[-1]["text"] and "open issues: none" in entries[0]["text"]


def test_dated_items_read_events_levers_and_schedules_within_the_horizon():
    doc = {
        "start": "2010-01",
        "horizon": 24,
        "sides": {"W": {"name": "West"}, "R": {"name": "Russia"}},
        "events": [
            {"date": "2010-03", "actor": "R", "observer": "W", "label": "Gas cut", "probability": 0.5},
            {"date": "2015-01", "actor": "R", "observer": "W", "label": "too late"},
            {"date": "2010-04", "actor": "W", "observer": "both", "kind": "summit"},
        ],
        "levers": {
            "resets": [{"date": "2010-02", "label": "Summit"}],
            "leadership": [{"date": "2011-01", "side": "R", "dh": 0.5}],
            "signals": [{"date": "2010-06", "sender": "W", "size": 2.0}],
            "counterfactual_joins": [{"date": "2010-09", "side": "R"}],
        },
        "schedules": {
            "threat": {"W": [{"start": "2010-05", "value": 1.0}]},
            "inclusion": [{"start": "2010-07", "value": 1.0}],
        },
    }
    items = dated_items(doc)
    assert [t for t, _ in items] == [1, 2, 3, 4, 5, 6, 8, 12]
    text = dict(items)
    assert text[2] == "Event: Gas cut, by Russia, seen by West (happens with probability 0.5 in a run)."
    assert text[3] == "Event: summit, by West, seen by both sides."
    assert text[1] == "Reset: grievances are cleared. Summit"
    assert text[12] == "Leadership change in Russia: the Cold-War share drops by 50%."
    assert "Shared threat τ for West becomes 1.0" in text[4]
    assert "counterfactual join" in text[8]


@pytest.mark.parametrize("run", [0, 1])
def test_story_of_a_simulated_run_starts_and_ends_at_the_horizon(run):
    import detente
    from detente.report.story import story_of

    sc = detente.load_scenario(
        {
            "name": "tiny",
            "start": "2001-01",
            "horizon": 18,
            "runs": 2,
            "sides": {
                "W": {"name": "West", "belief": {"p0": 0.6}},
                "R": {"name": "East", "belief": {"p0": 0.3}},
            },
            "issues": {"trade": {"kind": "tactical", "label": "Trade"}},
            "levers": {"resets": [{"date": "2001-06", "label": "Thaw"}]},
        }
    )
    res = detente.simulate(sc, runs=2, seed=3, paths=True)
    entries = story_of(res, run=run)
    assert entries[0]["kind"] == "start" and entries[0]["month"] == "2001-01"
    assert "West trusts East at 0.60" in entries[0]["text"]
    assert entries[-1]["kind"] == "end" and entries[-1]["month"] == "2002-06"
    assert any(e["kind"] == "dated" and e["month"] == "2001-06" and "Thaw" in e["text"] for e in entries)
    regime = res.paths["regime"][run]
    changes = sum(int(regime[t] != regime[t - 1]) for t in range(1, 18))
    assert sum(e["kind"] == "regime" for e in entries) == changes
