"""Malformed scenarios: one clear message per problem, naming the file, the line (YAML) and the field path."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

import detente
from detente.errors import DetenteError, ScenarioError
from detente.scenario.load import bundled_path

BASE = bundled_path("reset-2009").read_text(encoding="utf-8")


def _edit(text: str, field_line: str, new: str, occurrence: int = 0) -> tuple[str, int]:
    """Replace the ``occurrence``-th line starting (after indentation) with ``field_line``; return text and 1-based line."""
    lines = text.splitlines(keepends=True)
    hits = [i for i, line in enumerate(lines) if line.lstrip().startswith(field_line)]
    i = hits[occurrence]
    indent = lines[i][: len(lines[i]) - len(lines[i].lstrip())]
    lines[i] = f"{indent}{new}\n"
    return "".join(lines), i + 1


def _problems(tmp_path: Path, text: str, suffix: str = ".yaml") -> tuple[Path, list[str]]:
    path = tmp_path / f"bad{suffix}"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        detente.load_scenario(str(path))
    assert isinstance(info.value, DetenteError)
    assert str(info.value) == "\n".join(info.value.problems)
    return path, info.value.problems


CASES = {
    # name: (line starts with, replacement, occurrence, field path, words the message must contain)
    "wrong type": ("h0:", "h0: lots", 0, "sides.W.elite.h0", ["number", "lots"]),
    "unknown field": ("h0:", "hh0: 0.3", 0, "sides.W.elite.hh0", ["unknown field", "h0"]),
    "negative probability": ("eps:", "eps: -0.1", 0, "sides.W.behaviour.eps", ["[0, 1]", "-0.1"]),
    "probability above one": ("rho:", "rho: 1.5", 1, "sides.R.behaviour.rho", ["[0, 1]", "1.5"]),
    "date outside the horizon": (
        "- date: 2009-07",
        "- date: 2031-07",
        0,
        "levers.resets.0.date",
        ["horizon"],
    ),
    "bad distribution bounds for a probability": (
        "mu:",
        "mu: {dist: uniform, low: 0.0, high: 1.5}",
        0,
        "sides.W.behaviour.mu",
        ["uniform", "[0, 1]"],
    ),
    "unbounded distribution for a probability": (
        "q:",
        "q: {dist: normal, mean: 0.3, sd: 0.1}",
        0,
        "sides.W.behaviour.q",
        ["normal", "[0, 1]"],
    ),
    "inverted distribution bounds": (
        "kappa:",
        "kappa: {dist: uniform, low: 0.6, high: 0.2}",
        0,
        "sides.W.learning.kappa",
        ["low < high"],
    ),
    "unknown side reference": (
        "invited:",
        "invited: X",
        0,
        "issues.security_architecture.inclusion.invited",
        ["'X'", "W"],
    ),
    "bad literal": (
        "kind: tactical",
        "kind: medium",
        0,
        "issues.arms_control.kind",
        ["tactical", "strategic"],
    ),
    "bad date": ("start: 2009-07", "start: July 2009", 0, "start", ["YYYY-MM"]),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_malformed_yaml_names_file_line_and_field(case, tmp_path):
    start, new, occurrence, field, words = CASES[case]
    text, line = _edit(BASE, start, new, occurrence)
    path, problems = _problems(tmp_path, text)
    assert len(problems) == 1, problems
    msg = problems[0]
    assert msg.startswith(f"{path}:{line}: {field}: "), msg
    for word in words:
        assert word in msg, (word, msg)
    assert "Traceback" not in msg and "pydantic" not in msg.lower()


def test_one_message_per_problem(tmp_path):
    text, l1 = _edit(BASE, "h0:", "h0: lots")
    text, l2 = _edit(text, "eps:", "eps: -0.1")
    text, l3 = _edit(text, "eta: 0.10", "etaa: 0.1")
    text, l4 = _edit(text, "kind: tactical", "kind: medium", 1)
    path, problems = _problems(tmp_path, text)
    assert len(problems) == 4, problems
    want = [
        (l1, "sides.W.elite.h0"),
        (l2, "sides.W.behaviour.eps"),
        (l3, "sides.W.elite.etaa"),
        (l4, "issues.afghanistan_transit.kind"),
    ]
    for line, field in want:
        assert sum(p.startswith(f"{path}:{line}: {field}: ") for p in problems) == 1, (field, problems)


def test_several_reference_problems_each_reported(tmp_path):
    events = (
        "\nevents:\n"
        "  - {date: 2031-01, actor: X, observer: W, lr: 2.0}\n"
        "  - {date: 2010-01, actor: W, observer: W, lr: 2.0}\n"
    )
    _, problems = _problems(tmp_path, BASE + events)
    text = "\n".join(problems)
    assert re.search(r"events\.0\.actor: unknown side 'X'", text)
    assert re.search(r"events\.0\.date: date 2031-01 is outside the horizon 2009-07 \.\. 2029-06", text)
    assert re.search(r"events\.1: actor and observer must be different sides", text)
    assert len(problems) == 3, problems


def test_missing_side(tmp_path):
    data = yaml.safe_load(BASE)
    del data["sides"]["R"]
    path, problems = _problems(tmp_path, yaml.safe_dump(data, sort_keys=False))
    assert len(problems) == 1
    assert re.match(rf"{re.escape(str(path))}:\d+: sides: .*two sides, got 1", problems[0]), problems
    with pytest.raises(ScenarioError, match="sides: a scenario needs exactly two sides"):
        detente.load_scenario(data)


def test_missing_required_field(tmp_path):
    data = yaml.safe_load(BASE)
    del data["issues"]["arms_control"]["kind"]
    path, problems = _problems(tmp_path, yaml.safe_dump(data, sort_keys=False))
    assert len(problems) == 1 and problems[0].startswith(f"{path}:")
    assert "issues.arms_control.kind: required field is missing" in problems[0]


def test_event_without_evidence(tmp_path):
    _, problems = _problems(tmp_path, BASE + "\nevents:\n  - {date: 2010-01, actor: R, observer: W}\n")
    assert len(problems) == 1 and "events.0" in problems[0] and "lr" in problems[0]


def test_toml_errors_name_the_field(tmp_path):
    import tomli_w

    data = yaml.safe_load(BASE)
    data["sides"]["R"]["behaviour"]["mu"] = -0.5
    data["start"] = "2009-07"
    text = tomli_w.dumps(data)
    path, problems = _problems(tmp_path, text, suffix=".toml")
    line = next(i + 1 for i, t in enumerate(text.splitlines()) if t.startswith("mu = -0.5"))
    assert len(problems) == 1
    assert problems[0].startswith(f"{path}:{line}: sides.R.behaviour.mu: "), problems


def test_invalid_yaml_syntax_names_the_line(tmp_path):
    text, _ = _edit(BASE, "h0:", "h0: [0.3")
    _, problems = _problems(tmp_path, text)
    assert len(problems) == 1 and "not valid YAML" in problems[0]
    assert re.search(r"bad\.yaml:\d+: ", problems[0])


def test_unknown_condition_or_world_in_a_variant(tmp_path):
    text, _ = _edit(BASE, "sides.W.elite.eta: 0.35", "sides.W.elite.etaa: 0.35")
    _, problems = _problems(tmp_path, text)
    assert len(problems) == 1
    assert "generational_change" in problems[0] and "sides.W.elite.etaa" in problems[0]


def test_unknown_condition_or_world_name():
    sc = detente.load_scenario("reset-2009")
    with pytest.raises(ScenarioError) as info:
        sc.cell("nowhere")
    assert info.value.problems == [
        "unknown world 'nowhere'; scenario 'reset-2009' has: spiral, deterrence, uncertain"
    ]
    with pytest.raises(ScenarioError) as info:
        detente.simulate(sc, runs=5, conditions=("inclusion", "détente"))
    assert len(info.value.problems) == 1
    assert "unknown condition 'détente'" in info.value.problems[0]
    assert "generational_change, shared_threat, inclusion" in info.value.problems[0]


def test_unknown_scenario_name_lists_bundled():
    with pytest.raises(ScenarioError) as info:
        detente.load_scenario("no-such-scenario")
    assert "no-such-scenario" in info.value.problems[0] and "reset-2009" in info.value.problems[0]


def test_bad_override_path_names_it():
    sc = detente.load_scenario("reset-2009")
    with pytest.raises(ScenarioError) as info:
        sc.apply({"sides.W.behaviour.eps": 2.0, "sides.R.elite.hazard": 0.1})
    text = "\n".join(info.value.problems)
    assert "sides.W.behaviour.eps" in text and "sides.R.elite.hazard" in text
    assert len(info.value.problems) == 2


def test_field_and_cross_field_problems_reported_together(tmp_path):
    text, _ = _edit(BASE, "h0:", "h0: lots")
    text, _ = _edit(text, "- date: 2009-07", "- date: 2031-07")
    _, problems = _problems(tmp_path, text)
    assert len(problems) == 2, problems
