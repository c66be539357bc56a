"""Condition start dates read from a scenario, their labels, year ticks and safe label text."""

from __future__ import annotations

import itertools

from hypothesis import given
from hypothesis import strategies as st

import detente
from detente.report.figures_marks import condition_starts, month_x, start_labels
from detente.report.plots import year_ticks
from detente.report.style import text

SCENARIO = {
    "name": "marks",
    "start": "2001-03",
    "horizon": 48,
    "sides": {"N": {"name": "North"}, "S": {"name": "South"}},
    "issues": {"ferry": {"kind": "tactical", "T_M": 6, "S": 1.0, "v": 0.5, "w": 1.0}},
    "conditions": {
        "threat": {"set": {"schedules.threat": [{"start": "2001-09", "value": 1.0}]}},
        "own_threat": {
            "set": {
                "schedules.threat": {
                    "N": [{"start": "2002-06", "value": 1.0}],
                    "S": [{"start": "2003-01", "value": 2.0}],
                }
            }
        },
        "talks": {"set": {"levers.resets": [{"date": "2001-09", "label": "summit"}]}},
        "from_start": {"set": {"schedules.inclusion": [{"start": "2001-03", "value": 0.5}]}},
        "cohort": {"set": {"sides.N.elite.eta": 0.3}},
    },
}


def test_condition_starts_reads_schedules_and_levers_in_condition_order():
    sc = detente.load_scenario(SCENARIO)
    starts = condition_starts(sc, ["talks", "threat", "own_threat", "from_start", "cohort"])
    assert starts == [
        ("2001-09", "talks"),
        ("2001-09", "threat"),
        ("2002-06", "own_threat"),
        ("2003-01", "own_threat"),
    ]  # a step at the first month and a parameter change get no mark
    assert condition_starts(sc, ["cohort"]) == [] and condition_starts(sc, []) == []
    assert condition_starts(sc, ["threat"]) == [("2001-09", "threat")]


def test_close_starts_share_one_label_and_far_ones_do_not():
    span = (month_x("2001-03"), month_x("2005-02"))
    starts = [("2001-09", "talks"), ("2001-09", "threat"), ("2001-11", "x"), ("2004-01", "late")]
    labels = start_labels(starts, span, width=200)
    assert [x for x, _ in labels] == [month_x("2001-09"), month_x("2004-01")]
    assert labels[0][1] == "talks, threat from 2001-09\nx from 2001-11"
    assert labels[1][1] == "late from 2004-01"
    assert start_labels([("1999-01", "before")], span) == []


@given(st.floats(1900, 2100), st.floats(0.1, 150))
def test_year_ticks_are_round_inside_and_few(lo, length):
    ticks = year_ticks(lo, lo + length)
    assert len(ticks) in (0, 2, 3, 4, 5)
    assert all(isinstance(t, int) and lo <= t <= lo + length for t in ticks)
    if length >= 3:
        assert ticks
    if ticks:
        steps = {b - a for a, b in itertools.pairwise(ticks)}
        assert len(steps) == 1 and steps.pop() in (1, 2, 5, 10, 20, 50, 100)


@given(
    st.text(st.characters(exclude_characters="\\", exclude_categories=("Cs",)), max_size=200),
    st.integers(5, 60),
)
def test_text_wraps_without_losing_words_and_disarms_mathtext(value, width):
    out = text(value, width)
    assert out.replace("\\$", "$").split() == value.split()
    assert "$" not in out.replace("\\$", "")
    assert all(len(line) <= width or " " not in line.strip() for line in out.split("\n"))
