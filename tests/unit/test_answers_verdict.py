"""Answers a reader can use (issue 12.2): a headline per world in the scenario's own words, effects whose
errors pair the runs across cells (common random numbers) and never read 0 for cells at 0 or 1."""

from __future__ import annotations

import copy
import math

import numpy as np
import pytest

import detente
from detente.analysis.factorial import EFFECTS_NOTE
from detente.analysis.mcse import mean_se
from detente.engine.results import share_se

HARBOUR = {
    "name": "harbour-rivals",
    "title": "Two harbour cities share a strait",
    "start": "2020-01",
    "horizon": 48,
    "seed": 5,
    "runs": 300,
    "durable_months": 12,
    "sides": {
        "N": {"name": "Northport", "belief": {"p0": 0.45}, "elite": {"h0": 0.7, "eta": 0.05}},
        "S": {"name": "Southport", "belief": {"p0": 0.4}, "elite": {"h0": 0.7, "eta": 0.05}},
    },
    "issues": {
        "fisheries": {"label": "Fishing quotas", "kind": "tactical", "T_M": 6, "S": 1.0, "v": 0.5, "w": 1.0},
        "bridge": {
            "label": "A joint bridge",
            "kind": "strategic",
            "T_M": 10,
            "S": -4.0,
            "w": 0.5,
            "omega": 3,
        },
    },
    "conditions": {
        "storms": {
            "label": "common storm threat",
            "set": {"schedules.threat": [{"start": "2020-06", "value": 1.0}]},
        },
        "youth": {"label": "young councils", "set": {"sides.N.elite.eta": 0.4, "sides.S.elite.eta": 0.4}},
    },
    "worlds": {
        "calm": {"label": "Both cities benign", "set": {"sides.N.type": "B", "sides.S.type": "B"}},
        "wary": {
            "label": "Types unknown",
            "set": {"sides.N.type": "from_trust", "sides.S.type": "from_trust"},
        },
    },
}
FOUNDING_WORDS = ("reset", "russia", "west", "architecture", "nato")


@pytest.fixture(scope="module")
def harbour():
    return detente.experiment(HARBOUR, runs=300)


def _strings(value) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in (*_strings(k), *_strings(v))]
    if isinstance(value, list | tuple):
        return [s for v in value for s in _strings(v)]
    return []


def test_a_scenario_without_the_founding_case_is_answered_in_its_own_words(harbour):
    lines = harbour.sentences()
    text = " ".join(_strings(harbour.verdict()) + lines).lower()
    for word in FOUNDING_WORDS:
        assert word not in text, word
    # one headline per world first, named by the scenario's labels
    assert lines[0].startswith("Both cities benign: the status quo ")
    assert lines[1].startswith("Types unknown: the status quo ")
    assert lines[2] == EFFECTS_NOTE
    assert [line.split(":")[0] for line in lines[3:]] == ["Both cities benign", "Types unknown"]
    assert all("largest effects on P(durable)" in line for line in lines[3:])
    assert "common storm threat" in " ".join(lines[3:]) and "young councils" in " ".join(lines[3:])
    for d in harbour.verdict()["worlds"].values():
        assert d["headline"] in lines[:2]
        # the headline says whether both together are needed (or what falls short)
        assert any(
            phrase in d["headline"]
            for phrase in (
                "the conjunction is needed",
                "the conjunction of both is not needed",
                "no combination",
            )
        )


def test_minimal_sufficient_sets_are_the_smallest_durable_cells(harbour):
    for world, d in harbour.verdict()["worlds"].items():
        durable = {frozenset(c.split(" + ")) for c in d["durable_cells"]}
        minimal = {frozenset(m) for m in d["minimal_sufficient"]}
        assert minimal <= durable
        assert all(not any(o < m for o in durable) for m in minimal)
        assert all(any(m <= c for m in minimal) for c in durable)
        assert d["all_conditions_necessary"] == (minimal == {frozenset(("storms", "youth"))})
        for m in d["minimal_sufficient"]:
            label = " with ".join(HARBOUR["conditions"][c]["label"] for c in m)
            assert label in d["headline"], (world, label)


def test_effect_errors_pair_the_runs_across_cells(harbour):
    for world in ("calm", "wary"):
        cells = {frozenset(c.conditions): c.result for c in harbour.cells if c.world == world}
        y = {}
        for key, res in cells.items():
            order = np.argsort(res.summaries["run"])
            y[key] = (res.summaries["durable_month"][order] >= 0).astype(float)
        n = harbour.runs
        rows = {e["effect"]: e for e in harbour.effects("p_durable")[world]}
        for effect, names in (
            ("storms", ("storms",)),
            ("youth", ("youth",)),
            ("storms x youth", ("storms", "youth")),
        ):
            signs = {k: math.prod(1 if c in k else -1 for c in names) for k in y}
            contrast = sum(signs[k] * v for k, v in y.items()) / 2
            at_bounds = [k for k in y if y[k].mean() in (0.0, 1.0)]
            want = math.sqrt(mean_se(contrast) ** 2 + len(at_bounds) * (share_se(0.0, n) / 2) ** 2)
            row = rows[effect]
            assert row["estimate"] == pytest.approx(contrast.mean(), abs=1e-12)
            assert row["se"] == pytest.approx(want, rel=1e-12)
            assert row["se"] > 0 and row["paired"] is True and row["bounded"] == len(at_bounds)


def test_common_random_numbers_make_paired_errors_smaller_than_independent_ones():
    # the same condition applied twice under two names: the cells pair run by run, so the difference
    # between 'youth' and 'youth_too' is exactly 0 in every run while independent errors would not be
    sc = copy.deepcopy(HARBOUR)
    sc["conditions"] = {
        "youth": HARBOUR["conditions"]["youth"],
        "youth_too": {"label": "young councils again", "set": HARBOUR["conditions"]["youth"]["set"]},
    }
    exp = detente.experiment(sc, worlds=["calm"], runs=200)
    rows = {e["effect"]: e for e in exp.effects("p_durable")["calm"]}
    assert rows["youth"]["estimate"] == pytest.approx(rows["youth_too"]["estimate"], abs=1e-12)
    independent = math.sqrt(sum(c.result.summary()["se_p_durable"] ** 2 for c in exp.cells)) / 2
    if 0 < rows["youth"]["estimate"] < 1 and independent > 0:
        assert rows["youth"]["se"] < independent


def test_cells_and_effects_use_scenario_labels_and_short_labels_stay_distinct(harbour):
    assert harbour.cell_label(("storms", "youth")) == "common storm threat + young councils"
    assert harbour.world_label("wary") == "Types unknown"
    labels = {e["effect"]: e["label"] for e in harbour.effects()["calm"]}
    assert labels["storms x youth"] == "common storm threat × young councils"
    short = harbour.short_labels()
    assert short == {"storms": "common storm…", "youth": "young councils"}
    exp = copy.copy(harbour)
    exp.scenario = harbour.scenario.apply(
        {"conditions.youth.label": "common storm shelters", "conditions.storms.label": "common storm threat"}
    )
    short = exp.short_labels()
    assert short["storms"] != short["youth"]
    assert short == {"storms": "common storm threat", "youth": "common storm shelters"}
    twins = harbour.scenario.apply({"conditions.youth.label": "common storm threat"})
    exp.scenario = twins
    assert exp.short_labels() == {
        "storms": "common storm threat [storms]",
        "youth": "common storm threat [youth]",
    }


def test_reprs_of_the_experiment(harbour):
    text = repr(harbour)
    assert text.startswith("<ExperimentResult harbour-rivals: 2 conditions (storms, youth) in 2 world(s)")
    assert "\n" not in text
    html = harbour._repr_html_()
    assert html.count("<li>") == 2 and html.count("<tr>") == 9
    assert "Both cities benign" in html and "common storm threat + young councils" in html
