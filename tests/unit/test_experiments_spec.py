"""Experiment files: validation with file:line: field messages, bundled experiments, --set overrides."""

from __future__ import annotations

from pathlib import Path

import pytest

from detente.errors import ExperimentError
from detente.experiments.spec import bundled_experiments, load_experiment

GOOD = """\
model: ishigami
parameters:
  - {path: x1, range: [-3.14, 3.14]}
  - {path: x2, distribution: {dist: triangular, low: -1, mode: 0, high: 1}}
  - {path: x3, levels: [0, 1, 2]}
design: {kind: lhs, n: 8}
runs: 3
outcomes: [y, {name: y_q95, column: y, stat: q95}]
"""


def write(tmp_path: Path, text: str, name: str = "exp.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def problems(tmp_path: Path, text: str) -> list[str]:
    with pytest.raises(ExperimentError) as info:
        load_experiment(write(tmp_path, text))
    return info.value.problems


def test_good_file_loads_with_defaults(tmp_path: Path) -> None:
    exp = load_experiment(write(tmp_path, GOOD))
    assert exp.name == "exp"
    assert exp.spec.seeds == "common" and exp.spec.seed == 0
    assert [o.name for o in exp.spec.outcome_specs] == ["y", "y_q95"]
    assert exp.spec.outcome_specs[0].summary == "y"
    assert len(exp.spec_hash()) == 16


def test_set_overrides_fields_and_changes_hash(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD)
    a = load_experiment(path)
    b = load_experiment(path, sets={"design.n": 16, "runs": 5})
    assert b.spec.design.n == 16 and b.spec.runs == 5
    assert a.spec_hash() != b.spec_hash()


@pytest.mark.parametrize(
    ("replace", "by", "field", "line"),
    [
        ("runs: 3", "runs: -1", "runs", 7),
        ("design: {kind: lhs, n: 8}", "design: {kind: latin, n: 8}", "design", 6),
        ("design: {kind: lhs, n: 8}", "design: {kind: sobol, n: 100}", "design.n", 6),
        ("range: [-3.14, 3.14]", "range: [3, 1]", "parameters.0", 3),
        ("{path: x1, range: [-3.14, 3.14]}", "{path: x1, range: [0, 1], levels: [1]}", "parameters.0", 3),
        ("runs: 3", "runs: 3\nwrokers: 2", "wrokers", 8),
        ("{path: x3, levels: [0, 1, 2]}", "{path: x1, levels: [0, 1, 2]}", "parameters.2.path", 5),
    ],
)
def test_bad_fields_are_named_with_file_and_line(
    tmp_path: Path, replace: str, by: str, field: str, line: int
) -> None:
    found = problems(tmp_path, GOOD.replace(replace, by))
    assert any(f"exp.yaml:{line}: {field}" in p for p in found), found


def test_missing_required_fields(tmp_path: Path) -> None:
    found = problems(tmp_path, "model: ishigami\nruns: 2\n")
    joined = "\n".join(found)
    for field in ("parameters", "design", "outcomes"):
        assert f"{field}: required field is missing" in joined


def test_detente_model_needs_scenario(tmp_path: Path) -> None:
    found = problems(tmp_path, GOOD.replace("model: ishigami", "model: detente"))
    assert any("scenario: required" in p for p in found)


def test_invalid_yaml_names_line(tmp_path: Path) -> None:
    found = problems(tmp_path, "parameters: [\n  {path: x1\n")
    assert "not valid YAML" in found[0] and "exp.yaml:" in found[0]


def test_unknown_bundled_name_lists_bundled() -> None:
    with pytest.raises(ExperimentError, match="reset-2009-uncertainty"):
        load_experiment("no-such-experiment")


def test_bundled_founding_experiment_loads() -> None:
    assert "reset-2009-uncertainty" in bundled_experiments()
    exp = load_experiment("reset-2009-uncertainty")
    assert exp.spec.scenario == "reset-2009"
    assert exp.spec.cross is not None and len(exp.spec.cross.conditions or []) == 3
