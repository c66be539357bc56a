"""Messages name the real place (issue 9 item 7): keys by name, condition and world problems at their file
line, experiment files through the same reader."""

from __future__ import annotations

import pytest
import yaml
from test_loader_support import BASE, assert_refused, validate_cli

import detente
from detente.errors import ExperimentError, ScenarioError
from detente.experiments.spec import load_experiment


def _line_of(text: str, start: str, occurrence: int = 0) -> int:
    return [i + 1 for i, line in enumerate(text.splitlines()) if line.lstrip().startswith(start)][occurrence]


def _problems(tmp_path, text: str) -> tuple[str, list[str]]:
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        detente.load_scenario(str(path))
    return str(path), info.value.problems


def test_side_and_issue_keys_named_by_key_in_files_and_mappings(tmp_path):
    text = BASE.replace("      eta: 0.05 ", "      eta: 5 ").replace("    T_M: 10\n", "    T_M: high\n")
    path, problems = _problems(tmp_path, text)
    assert len(problems) == 2, problems
    assert (
        problems[0]
        == f"{path}:{_line_of(text, 'eta: 5')}: sides.R.elite.eta: expected a number in [0, 1], got 5"
    )
    assert problems[1].startswith(
        f"{path}:{_line_of(text, 'T_M: high')}: issues.security_architecture.T_M: expected a number"
    )
    data = yaml.safe_load(text)
    with pytest.raises(ScenarioError) as info:
        detente.load_scenario(data)
    joined = "\n".join(info.value.problems)
    assert (
        "<mapping>: sides.R.elite.eta:" in joined and "<mapping>: issues.security_architecture.T_M:" in joined
    )
    assert "sides.1" not in joined and "issues.3" not in joined


def test_condition_problem_at_its_line(tmp_path):
    text = BASE.replace("sides.R.elite.eta: 0.35", "sides.R.elite.eta: 3.5")
    path, problems = _problems(tmp_path, text)
    line = _line_of(text, "sides.R.elite.eta: 3.5")
    assert problems == [
        f"{path}:{line}: conditions.generational_change: sides.R.elite.eta: expected a number in [0, 1], got 3.5"
    ]


def test_world_problem_at_its_line(tmp_path):
    text = BASE.replace("sides.R.type: M", "sides.R.typo: M")
    path, problems = _problems(tmp_path, text)
    line = _line_of(text, "sides.R.typo: M")
    assert len(problems) == 1
    assert problems[0].startswith(f"{path}:{line}: worlds.deterrence: sides.R.typo: unknown field 'typo'")


def test_problem_inside_a_list_set_by_a_condition(tmp_path):
    text = BASE.replace(
        "      schedules.inclusion:\n        - {start: 2010-01, value: 1.0}",
        "      schedules.inclusion:\n        - {start: 2010-01, value: 1.0}\n      levers.counterfactual_joins:\n"
        "        - {side: Q, date: 2010-01}",
    )
    path, problems = _problems(tmp_path, text)
    line = _line_of(text, "- {side: Q")
    assert problems == [
        f"{path}:{line}: conditions.inclusion: levers.counterfactual_joins.0.side: unknown side 'Q'; expected one of ['R', 'W']"
    ]


def test_override_path_that_cannot_be_set(tmp_path):
    text = BASE.replace("sides.W.elite.eta: 0.35", "sides.W.elite.eta.x: 0.35")
    path, problems = _problems(tmp_path, text)
    line = _line_of(text, "sides.W.elite.eta.x")
    assert problems == [
        f"{path}:{line}: conditions.generational_change: sides.W.elite.eta: is a value, cannot hold 'x'"
    ]


def test_problem_a_condition_causes_elsewhere(tmp_path):
    text = BASE.replace(
        "      sides.R.elite.eta: 0.35\n", "      sides.R.elite.eta: 0.35\n      start: 2012-01\n"
    )
    path, problems = _problems(tmp_path, text)
    line = _line_of(text, "generational_change:")
    assert any(
        p.startswith(f"{path}:{line}: conditions.generational_change: with this condition applied, ")
        and "levers.resets.0.date" in p
        for p in problems
    ), problems


def test_toml_condition_problem_at_its_line(tmp_path):
    from test_loader_duplicates import _toml_base

    text = _toml_base().replace('"sides.R.elite.eta" = 0.35', '"sides.R.elite.eta" = 3.5')
    path = tmp_path / "bad.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        detente.load_scenario(str(path))
    line = _line_of(text, '"sides.R.elite.eta" = 3.5')
    assert info.value.problems == [
        f"{path}:{line}: conditions.generational_change: sides.R.elite.eta: expected a number in [0, 1], got 3.5"
    ]


def test_condition_problem_cli(tmp_path):
    path = tmp_path / "bad.yaml"
    text = BASE.replace("sides.R.elite.eta: 0.35", "sides.R.elite.eta: -1")
    path.write_text(text, encoding="utf-8")
    assert_refused(
        validate_cli(path),
        f"{path}:{_line_of(text, 'sides.R.elite.eta: -1')}: conditions.generational_change: sides.R.elite.eta:",
    )


def test_long_values_shortened_in_messages(tmp_path):
    text = BASE.replace("    T_M: 10\n", "    T_M: " + "x" * 5000 + "\n")
    path, problems = _problems(tmp_path, text)
    assert len(problems) == 1 and len(problems[0]) - len(path) < 360, problems


EXPERIMENT = """\
name: small
scenario: reset-2009
parameters:
  - path: sides.R.elite.eta
    range: [0.05, 0.35]
design: {kind: lhs, n: 8}
runs: 10
outcomes: [p_strategic_end]
"""


def test_experiment_file_duplicate_key_names_file_and_lines(tmp_path):
    path = tmp_path / "exp.yaml"
    path.write_text(EXPERIMENT + "runs: 20\n", encoding="utf-8")
    with pytest.raises(ExperimentError) as info:
        load_experiment(path)
    assert info.value.problems == [
        f"{path}:9: runs: duplicate key 'runs' (lines 7 and 9); the second would silently replace the first, remove one"
    ]


def test_experiment_file_field_error_names_file_and_line(tmp_path):
    path = tmp_path / "exp.yaml"
    path.write_text(EXPERIMENT.replace("runs: 10", "runs: many"), encoding="utf-8")
    with pytest.raises(ExperimentError) as info:
        load_experiment(path)
    assert any(p.startswith(f"{path}:7: runs:") for p in info.value.problems), info.value.problems


def test_experiment_file_alias_bomb(tmp_path):
    from test_loader_bombs import laughs

    path = tmp_path / "exp.yaml"
    path.write_text(
        EXPERIMENT + "model_options:\n" + "".join(f"  {line}\n" for line in laughs().splitlines())
    )
    with pytest.raises(ExperimentError, match=rf"{path}:\d+: the document expands to more than"):
        load_experiment(path)
